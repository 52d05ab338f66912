/**
 * The matrices of a heatmap payload as numbers, whatever their encoding on the wire.
 * Pure: runs in the browser and in vitest.
 */
import { fromWireNumber, tokenOfCode, type HeatmapPayload } from "d2l-ts-figure-contract";

/** `panels[gridRow * gridCols + gridCol][i][j]`: one `height × width` matrix per panel; cells
 * that are not finite hold NaN, Infinity or -Infinity. */
export type PanelMatrices = number[][][];

/** Decodes `values` (plain arrays, or one byte per cell scaled into `colorRange`, with the
 * non-finite cells of version 2's `nonFinite` byte map). */
export function panelMatrices(payload: HeatmapPayload): PanelMatrices {
  const { gridRows, gridCols, height, width, values } = payload;
  if (values.encoding === "array") {
    return values.data.flatMap((row) => row.map((matrix) => matrix.map((r) => r.map(fromWireNumber))));
  }
  const bytes = decodeBase64(values.data);
  const codes = values.nonFinite === undefined ? null : decodeBase64(values.nonFinite);
  const [min, max] = payload.colorRange;
  const step = (max - min) / 255;
  const panels: PanelMatrices = [];
  let offset = 0;
  for (let p = 0; p < gridRows * gridCols; p++) {
    const matrix: number[][] = [];
    for (let i = 0; i < height; i++) {
      const row = new Array<number>(width);
      for (let j = 0; j < width; j++, offset++) {
        const token = codes === null ? null : tokenOfCode(codes[offset]);
        row[j] = token === null ? min + bytes[offset] * step : Number(token);
      }
      matrix.push(row);
    }
    panels.push(matrix);
  }
  return panels;
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k);
  return bytes;
}
