/**
 * Attention-weight heatmaps (the book's `show_heatmaps`, section 11.1): the payload from plain
 * numbers, then its SVG fallback (cells as one PNG per panel, one shared colour bar) and text
 * summary, both drawn from the payload alone.
 */
import {
  NON_FINITE_CODES,
  NON_FINITE_LABELS,
  NON_FINITE_TOKENS,
  assertHeatmapPayload,
  countNonFinite,
  describeNonFinite,
  fromWireNumber,
  minimumHeatmapVersion,
  nonFiniteToken,
  toWireNumber,
  tokenOfCode,
  type HeatmapPayload,
  type HeatmapValues,
} from "d2l-ts-figure-contract";
import {
  LABEL_PAD, X_TICK_SPACE, bottomTicks, frame, leftTicks, makeScale, numericTicks, rangeAround, tickLabelWidth,
  title as titleText, xLabel, yLabel, type Box, type Tick,
} from "./axis";
import { LEVELS, resolveColorMap } from "./colormap";
import { base64, quantize, rasterize, type Matrix } from "./raster";
import { FONT, el, figureDocument, text } from "./svg";

/** Grids with more cells than this send their values as bytes (`uint8-base64`). */
export const ARRAY_ENCODING_MAX_CELLS = 16384;

export interface HeatmapInput {
  /** `matrices[gridRow][gridCol]`: all of one `height × width` shape. NaN and ±Infinity are
   * shown as missing cells (hover and summary name them). */
  matrices: Matrix[][];
  xlabels: string[];
  ylabel: string;
  titles?: string[] | null;
  cmap?: string;
  figsize?: [number, number];
  /** Colour range; by default the min and max over all matrices. */
  colorRange?: [number, number] | null;
  xTickLabels?: string[] | null;
  yTickLabels?: string[] | null;
  /** A note shown with the figure; by default one saying so when no value is finite. */
  note?: string;
}

/** Every value of the grid, panel by panel. */
function* allValues(matrices: Matrix[][]): Generator<number> {
  for (const row of matrices) for (const m of row) for (const v of m.values) yield v;
}

/** `[min, max]` over the finite values, or null when there is none; a constant grid gets
 * `[v, v + 1]` (drawn in the low colour, as matplotlib does when vmin equals vmax; wider where
 * `v + 1` rounds to `v`). */
function finiteRange(matrices: Matrix[][]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of allValues(matrices)) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return null;
  return lo === hi ? rangeAround(lo, 1, 0) : [lo, hi];
}

/** The colour range of a grid without a single finite value: a placeholder, never drawn. */
const NO_FINITE_RANGE: [number, number] = [0, 1];

function encodeValues(matrices: Matrix[][], range: [number, number]): HeatmapValues {
  const { height, width } = matrices[0][0];
  const cells = matrices.length * matrices[0].length * height * width;
  if (cells <= ARRAY_ENCODING_MAX_CELLS) {
    const data = matrices.map((row) =>
      row.map((m) =>
        Array.from({ length: height }, (_, i) =>
          Array.from(m.values.subarray(i * width, (i + 1) * width), (v) => toWireNumber(Number(v.toPrecision(6)))),
        ),
      ),
    );
    return { encoding: "array", data };
  }
  const bytes = new Uint8Array(cells);
  const codes = new Uint8Array(cells);
  let k = 0;
  for (const v of allValues(matrices)) {
    const token = nonFiniteToken(v);
    if (token === null) bytes[k] = quantize(v, range[0], range[1]);
    else codes[k] = NON_FINITE_CODES[token];
    k += 1;
  }
  return {
    encoding: "uint8-base64",
    data: base64(bytes),
    ...(codes.some((c) => c !== 0) ? { nonFinite: base64(codes) } : {}),
  };
}

/** The default note of a grid that has no finite value at all (else undefined). */
function noFiniteNote(matrices: Matrix[][]): string | undefined {
  const counts = countNonFinite(allValues(matrices));
  const total = matrices.length * matrices[0].length * matrices[0][0].height * matrices[0][0].width;
  const kinds = NON_FINITE_TOKENS.filter((t) => counts[t] > 0);
  if (kinds.reduce((n, t) => n + counts[t], 0) !== total) return undefined;
  const what = kinds.length === 1 ? NON_FINITE_LABELS[kinds[0]] : `non-finite (${describeNonFinite(counts)})`;
  return `No finite value to colour: all ${total} cells are ${what}.`;
}

/** Builds and validates a heatmap payload. */
export function heatmapPayload(input: HeatmapInput): HeatmapPayload {
  const cmapName = input.cmap ?? "Reds";
  const cmap = resolveColorMap(cmapName);
  if (cmap === null) throw new Error(`unknown colour map '${cmapName}'`);
  const { height, width } = input.matrices[0][0];
  const colorRange = input.colorRange ?? finiteRange(input.matrices) ?? NO_FINITE_RANGE;
  const note = input.note ?? noFiniteNote(input.matrices);
  const payload: HeatmapPayload = {
    version: 1,
    figsize: input.figsize ?? [2.5, 2.5],
    gridRows: input.matrices.length,
    gridCols: input.matrices[0].length,
    height,
    width,
    values: encodeValues(input.matrices, colorRange),
    xlabels: input.xlabels,
    ylabel: input.ylabel,
    titles: input.titles ?? null,
    cmap: cmap.payload,
    colorRange,
    xTickLabels: input.xTickLabels ?? null,
    yTickLabels: input.yTickLabels ?? null,
    ...(note === undefined ? {} : { note }),
  };
  payload.version = minimumHeatmapVersion(payload);
  assertHeatmapPayload(payload);
  return payload;
}

const decodeBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** The matrices of a payload back as numbers (quantised ones at their level's value; non-finite
 * cells as NaN, Infinity, -Infinity). */
export function payloadMatrices(p: HeatmapPayload): Matrix[][] {
  const n = p.height * p.width;
  if (p.values.encoding === "array") {
    return p.values.data.map((row) =>
      row.map((m) => ({ height: p.height, width: p.width, values: Float64Array.from(m.flat(), fromWireNumber) })),
    );
  }
  const bytes = decodeBase64(p.values.data);
  const codes = p.values.nonFinite === undefined ? null : decodeBase64(p.values.nonFinite);
  const [lo, hi] = p.colorRange;
  const valueAt = (k: number) => {
    const token = codes === null ? null : tokenOfCode(codes[k]);
    return token === null ? lo + (bytes[k] / (LEVELS - 1)) * (hi - lo) : Number(token);
  };
  return Array.from({ length: p.gridRows }, (_, r) =>
    Array.from({ length: p.gridCols }, (_, c) => {
      const offset = (r * p.gridCols + c) * n;
      return { height: p.height, width: p.width, values: Float64Array.from({ length: n }, (_, k) => valueAt(offset + k)) };
    }),
  );
}

/** Whether any cell of the payload is finite (else the colour scale means nothing). */
function hasFiniteCell(matrices: Matrix[][]): boolean {
  for (const v of allValues(matrices)) if (Number.isFinite(v)) return true;
  return false;
}

/** Ticks at cell centres: every label when they fit (one per 12 pt), else every k-th; numeric
 * ticks are d3's nice integers, like matplotlib's on `imshow`. */
function cellTicks(n: number, length: number, labels: string[] | null): Tick[] {
  const cell = length / n;
  const pos = (i: number) => (i + 0.5) * cell;
  if (labels !== null) {
    const step = Math.max(1, Math.ceil(12 / cell));
    return labels.flatMap((label, i) => (i % step === 0 ? [{ pos: pos(i), label }] : []));
  }
  const count = Math.max(2, Math.floor(length / 30));
  const values = makeScale("linear", [0, Math.max(1, n - 1)], [0, 1]).ticks(count).filter((v) => Number.isInteger(v) && v < n);
  return values.map((v) => ({ pos: pos(v), label: String(v) }));
}

const COLORBAR = { gap: 10, width: 10, shrink: 0.6 };

/** Title font size: matplotlib's 12 pt, smaller (down to 7 pt) when neighbouring titles of
 * narrow panels would run into each other. */
function fittedTitleSize(title: string, room: number): number {
  return Math.max(7, Math.min(FONT.size * 1.2, room / (title.length * 0.6)));
}

/** The SVG fallback of a heatmap payload. */
export function heatmapSvg(p: HeatmapPayload): string {
  const cmap = resolveColorMap(p.cmap.name);
  if (cmap === null) throw new Error(`unknown colour map '${p.cmap.name}'`);
  const W = p.figsize[0] * 72;
  const H = p.figsize[1] * 72;
  const hasXLabel = p.xlabels.some((l) => l !== "");
  const yTickSample = p.yTickLabels ?? [String(p.height - 1)];
  const left = 7 + tickLabelWidth(yTickSample.map((label) => ({ pos: 0, label }))) + (p.ylabel !== "" ? FONT.size + LABEL_PAD : 0) + 6;
  const titleSpace = p.titles !== null ? FONT.size * 1.2 + 8 : 0;
  const gap = 8;
  const xLabelWidth = p.xTickLabels === null ? 0 : tickLabelWidth(p.xTickLabels.map((label) => ({ pos: 0, label })));
  /** Panel sizes and places when the x tick labels need `extra` points below one text line. */
  const layout = (extra: number) => {
    const bottom = X_TICK_SPACE + extra + (hasXLabel ? FONT.size + LABEL_PAD : 0) + 6;
    // Like matplotlib's `fig.colorbar(..., ax=axes, shrink=0.6)`: 0.6 of the area the panels
    // were laid out in (not of the drawn images, which may be flat strips), centred on it.
    const areaH = H - bottom - 6;
    const barH = areaH * COLORBAR.shrink;
    const barTicks = numericTicks(makeScale("linear", p.colorRange, [barH, 0]), "linear", barH);
    const right = COLORBAR.gap + COLORBAR.width + 7 + tickLabelWidth(barTicks) + 6;
    // Each panel's slot; rows need room for titles, columns only for the gap (axes are shared).
    const slotW = (W - left - right - gap * (p.gridCols - 1)) / p.gridCols;
    const slotH = (areaH - p.gridRows * titleSpace - gap * (p.gridRows - 1)) / p.gridRows;
    // imshow's default aspect: square cells, the panel centred in its slot.
    const cell = Math.max(0.01, Math.min(slotW / p.width, slotH / p.height));
    const gridW = p.gridCols * cell * p.width + gap * (p.gridCols - 1);
    const gridH = p.gridRows * (cell * p.height + titleSpace) + gap * (p.gridRows - 1);
    return {
      extra, areaH, barH, cell, gridW, gridH,
      x0: left + (W - left - right - gridW) / 2,
      y0: 6 + (areaH - gridH) / 2,
    };
  };
  let L = layout(0);
  // Category labels (tokens) wider than their cells read upwards, as matplotlib users rotate them.
  const rotated = xLabelWidth + 4 > L.cell * Math.max(1, Math.ceil(12 / L.cell));
  if (rotated) L = layout(Math.max(0, xLabelWidth - FONT.size));
  const { areaH, barH, cell, gridW, x0, y0 } = L;
  const panelW = cell * p.width;
  const panelH = cell * p.height;
  const matrices = payloadMatrices(p);
  const body: string[] = [];
  const xTicks = cellTicks(p.width, panelW, p.xTickLabels);
  const yTicks = cellTicks(p.height, panelH, p.yTickLabels);
  for (let r = 0; r < p.gridRows; r++) {
    for (let c = 0; c < p.gridCols; c++) {
      const box: Box = {
        x: x0 + c * (panelW + gap),
        y: y0 + r * (panelH + titleSpace + gap) + titleSpace,
        width: panelW,
        height: panelH,
      };
      const raster = rasterize(matrices[r][c], { colorRange: p.colorRange, palette: cmap.palette, maxPixels: 2 * Math.max(panelW, panelH) });
      const image = (png: Uint8Array) =>
        el("image", {
          x: box.x, y: box.y, width: box.width, height: box.height, preserveAspectRatio: "none",
          style: "image-rendering:optimizeSpeed;image-rendering:pixelated",
          "xlink:href": `data:image/png;base64,${base64(png)}`,
        });
      body.push(
        image(raster.png),
        ...(raster.missingPng === null ? [] : [image(raster.missingPng)]),
        frame(box),
        ...bottomTicks(box, xTicks, r === p.gridRows - 1, rotated),
        ...leftTicks(box, yTicks, c === 0),
      );
      if (r === p.gridRows - 1 && p.xlabels[c] !== "") body.push(xLabel(box, p.xlabels[c], L.extra));
      if (c === 0 && p.ylabel !== "") body.push(yLabel(box, p.ylabel, 7 + tickLabelWidth(yTicks) + LABEL_PAD));
      if (p.titles !== null && p.titles[c] !== "") body.push(titleText(box, p.titles[c], fittedTitleSize(p.titles[c], panelW + gap)));
    }
  }
  // Without a finite value the colour range is a placeholder: no colour bar (the note says why).
  if (hasFiniteCell(matrices)) {
    body.push(...colorBar(p, cmap.palette, { x: x0 + gridW + COLORBAR.gap, y: 6 + (areaH - barH) / 2, width: COLORBAR.width, height: barH }));
  }
  return figureDocument(W, H, body, heatmapSummary(p), p.note);
}

/** The colour bar: the palette as a 1-pixel-wide PNG stretched over `box`, with ticks. */
function colorBar(p: HeatmapPayload, palette: number[][], box: Box): string[] {
  const [lo, hi] = p.colorRange;
  const levels: Matrix = { height: LEVELS, width: 1, values: Float64Array.from({ length: LEVELS }, (_, k) => hi - (k / (LEVELS - 1)) * (hi - lo)) };
  const raster = rasterize(levels, { colorRange: p.colorRange, palette, maxPixels: LEVELS });
  const scale = makeScale("linear", p.colorRange, [box.height, 0]);
  const ticks = numericTicks(scale, "linear", box.height);
  return [
    el("image", {
      x: box.x, y: box.y, width: box.width, height: box.height, preserveAspectRatio: "none",
      "xlink:href": `data:image/png;base64,${base64(raster.png)}`,
    }),
    frame(box),
    ...ticks.flatMap((t) => {
      const y = box.y + t.pos;
      const x = box.x + box.width;
      return [
        el("line", { x1: x, y1: y, x2: x + 3.5, y2: y, stroke: "#000000", "stroke-width": 0.8 }),
        text(t.label, { x: x + 7, y: y + FONT.size * 0.35 }),
      ];
    }),
  ];
}

const short = (v: number) => String(Number(v.toPrecision(3)));

/** A one-line description of a heatmap payload (the `text/plain` of its bundle), counting the
 * non-finite cells and ending with the note, if any. */
export function heatmapSummary(p: HeatmapPayload): string {
  const panels = p.gridRows * p.gridCols;
  const xl = [...new Set(p.xlabels)].join(" / ");
  const matrices = payloadMatrices(p);
  const counts = countNonFinite(allValues(matrices));
  const nonFinite = counts.NaN + counts.Infinity + counts["-Infinity"];
  const total = panels * p.height * p.width;
  const colours = nonFinite === total ? "no finite value" : `${p.cmap.name} from ${short(p.colorRange[0])} to ${short(p.colorRange[1])}`;
  return (
    `Heatmap${panels > 1 ? `s ${p.gridRows}×${p.gridCols}` : ""} of ${p.height}×${p.width}` +
    ` (rows: ${p.ylabel || "—"}, columns: ${xl || "—"}), ${colours}` +
    (nonFinite > 0 ? `; ${nonFinite} of ${total} cells not finite (${describeNonFinite(counts)})` : "") +
    (p.titles !== null ? `; titles: ${p.titles.join(", ")}` : "") +
    (p.note !== undefined ? `. Note: ${p.note}` : "")
  );
}
