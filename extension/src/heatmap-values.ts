/**
 * The matrices of a heatmap payload as numbers, whatever their encoding on the wire.
 * Pure: runs in the browser and in vitest.
 */
import type { HeatmapPayload } from "d2l-ts-figure-contract";

/** `panels[gridRow * gridCols + gridCol][i][j]`: one `height × width` matrix per panel. */
export type PanelMatrices = number[][][];

/** Decodes `values` (plain arrays, or one byte per cell scaled into `colorRange`). */
export function panelMatrices(payload: HeatmapPayload): PanelMatrices {
  const { gridRows, gridCols, height, width, values } = payload;
  if (values.encoding === "array") {
    return values.data.flatMap((row) => row.map((matrix) => matrix.map((r) => r.slice())));
  }
  const bytes = decodeBase64(values.data);
  const [min, max] = payload.colorRange;
  const step = (max - min) / 255;
  const panels: PanelMatrices = [];
  let offset = 0;
  for (let p = 0; p < gridRows * gridCols; p++) {
    const matrix: number[][] = [];
    for (let i = 0; i < height; i++) {
      const row = new Array<number>(width);
      for (let j = 0; j < width; j++) row[j] = min + bytes[offset++] * step;
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
