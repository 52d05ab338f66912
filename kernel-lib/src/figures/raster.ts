/**
 * Heatmap cells as one indexed PNG (a byte per pixel, the colour map as palette), so the SVG
 * fallback stays small whatever the matrix size. Cells are replicated to at least a few pixels
 * each (crisp in viewers that smooth images) and larger matrices are averaged down to the
 * resolution the panel is drawn at (as matplotlib's default antialiased `imshow` does).
 */
import * as deps from "../../generated/figure-deps";
import { LEVELS } from "./colormap";

/** One matrix, row-major: `values[i * width + j]`; non-finite values are missing cells. */
export interface Matrix {
  height: number;
  width: number;
  values: Float64Array;
}

/** The palette index of `v` on the colour range `[min, max]` (clamped). */
export function quantize(v: number, min: number, max: number): number {
  const q = Math.round(((v - min) / (max - min)) * (LEVELS - 1));
  return q < 0 ? 0 : q > LEVELS - 1 ? LEVELS - 1 : q;
}

/** Area-weighted average of `m` onto `height × width` cells (each output cell averages the
 * finite input cells it covers, partial cells weighted by overlap). An output cell that is
 * mostly (by area) made of missing cells is missing (NaN) itself. */
export function resample(m: Matrix, height: number, width: number): Matrix {
  const rowWeights = overlaps(m.height, height);
  const colWeights = overlaps(m.width, width);
  const out = new Float64Array(height * width);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      let sum = 0;
      let finite = 0;
      let missing = 0;
      for (const [i, wi] of rowWeights[r]) {
        for (const [j, wj] of colWeights[c]) {
          const v = m.values[i * m.width + j];
          if (Number.isFinite(v)) {
            sum += v * wi * wj;
            finite += wi * wj;
          } else {
            missing += wi * wj;
          }
        }
      }
      out[r * width + c] = missing > finite ? Number.NaN : sum / finite;
    }
  }
  return { height, width, values: out };
}

/** For each of `n` output cells, the input cells (of `size`) it covers and by how much. */
function overlaps(size: number, n: number): Array<Array<[number, number]>> {
  const scale = size / n;
  const result: Array<Array<[number, number]>> = [];
  for (let k = 0; k < n; k++) {
    const lo = k * scale;
    const hi = (k + 1) * scale;
    const cells: Array<[number, number]> = [];
    for (let i = Math.floor(lo); i < Math.min(size, Math.ceil(hi)); i++) {
      const w = Math.min(hi, i + 1) - Math.max(lo, i);
      if (w > 1e-12) cells.push([i, w]);
    }
    result.push(cells);
  }
  return result;
}

export interface RasterOptions {
  colorRange: [number, number];
  palette: number[][];
  /** Pixels available along each side (the drawn panel size at 2× resolution). */
  maxPixels: number;
}

export interface Raster {
  width: number;
  height: number;
  png: Uint8Array;
  /** Same size, drawn over `png`: the missing (non-finite) cells hatched, the rest transparent;
   * null when no cell is missing. */
  missingPng: Uint8Array | null;
}

/** The "missing" style of non-finite cells: grey hatching, unlike any colour of a colour map. */
export const MISSING_STYLE = { background: [224, 224, 224], hatch: [128, 128, 128], period: 4 } as const;

/** The hatch overlay of the missing pixels (`missing[k]` = 1), or null when there are none. */
function missingOverlay(missing: Uint8Array, width: number, height: number): Uint8Array | null {
  if (!missing.includes(1)) return null;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      // Palette: 0 transparent, 1 background, 2 hatch line (diagonals going up to the right).
      if (missing[k] === 1) data[k] = (x + y) % MISSING_STYLE.period === 0 ? 2 : 1;
    }
  }
  const palette = [[0, 0, 0, 0], [...MISSING_STYLE.background, 255], [...MISSING_STYLE.hatch, 255]];
  return deps.encodePng({ width, height, data, depth: 8, channels: 1, palette }, { zlib: { level: 9 } });
}

/** The matrix as a PNG: averaged down to `maxPixels` per side if larger, cells replicated up to
 * fill about `maxPixels` if smaller. Missing cells get the hatch of `missingPng`. */
export function rasterize(m: Matrix, options: RasterOptions): Raster {
  const { colorRange, palette } = options;
  const maxPixels = Math.max(1, Math.floor(options.maxPixels));
  const fitted = m.height > maxPixels || m.width > maxPixels
    ? resample(m, Math.min(m.height, maxPixels), Math.min(m.width, maxPixels))
    : m;
  const repeat = Math.max(1, Math.floor(maxPixels / Math.max(fitted.height, fitted.width)));
  const width = fitted.width * repeat;
  const height = fitted.height * repeat;
  const data = new Uint8Array(width * height);
  const missing = new Uint8Array(width * height);
  for (let i = 0; i < fitted.height; i++) {
    const row = new Uint8Array(width);
    const rowMissing = new Uint8Array(width);
    for (let j = 0; j < fitted.width; j++) {
      const v = fitted.values[i * fitted.width + j];
      if (Number.isFinite(v)) row.fill(quantize(v, colorRange[0], colorRange[1]), j * repeat, (j + 1) * repeat);
      else rowMissing.fill(1, j * repeat, (j + 1) * repeat);
    }
    for (let r = 0; r < repeat; r++) {
      data.set(row, (i * repeat + r) * width);
      missing.set(rowMissing, (i * repeat + r) * width);
    }
  }
  // Level 9: the raster is the bulk of a large figure's SVG; it is encoded once per figure.
  const png = deps.encodePng({ width, height, data, depth: 8, channels: 1, palette }, { zlib: { level: 9 } });
  return { width, height, png, missingPng: missingOverlay(missing, width, height) };
}

/** Base64 of `bytes`, with the global `btoa` that Node and Deno both have. */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let k = 0; k < bytes.length; k += chunk) {
    binary += String.fromCharCode(...bytes.subarray(k, k + chunk));
  }
  return btoa(binary);
}
