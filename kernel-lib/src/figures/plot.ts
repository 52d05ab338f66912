/**
 * Line and point plots (the book's `plot`, section 2.4; `ProgressBoard`, section 3.2): the
 * payload from plain numbers, then its SVG fallback and text summary, both drawn from the
 * payload alone so the three parts of a bundle always agree.
 */
import {
  assertPlotPayload,
  countNonFinite,
  describeNonFinite,
  fromWireNumber,
  minimumPlotVersion,
  toWireNumber,
  type AxisScale,
  type LineStyle,
  type MarkerSymbol,
  type PlotAxes,
  type PlotPayload,
  type PlotSeries,
} from "d2l-ts-figure-contract";
import {
  LABEL_PAD, MIN_TICK_SPAN, X_TICK_SPACE, bottomTicks, frame, leftTicks, makeScale, numericTicks, rangeAround, tickLabelWidth,
  title as titleText, xLabel, yLabel, type Box, type NumericScale, type Tick,
} from "./axis";
import { COLOR_CYCLE, dashArray, parseColor, parseFormat } from "./style";
import { FONT, contentId, el, figureDocument, num, text, textWidth } from "./svg";

export interface SeriesInput {
  /** Coordinates; NaN breaks the line (as in matplotlib), ±Infinity breaks it and is marked
   * clipped at the panel's edge. */
  x: number[];
  y: number[];
  label?: string | null;
  /** The book's format string (`'-'`, `'m--'`, `'o'` …); explicit fields below win over it. */
  fmt?: string | null;
  color?: string | null;
  line?: LineStyle | null;
  marker?: MarkerSymbol | null;
  alpha?: number;
  lineWidth?: number;
  markerSize?: number;
}

export interface AxesInput {
  series: SeriesInput[];
  xlabel?: string | null;
  ylabel?: string | null;
  title?: string | null;
  xlim?: [number, number] | null;
  ylim?: [number, number] | null;
  xscale?: AxisScale;
  yscale?: AxisScale;
  legend?: boolean;
}

export interface PlotInput {
  axes: AxesInput[];
  gridRows?: number;
  gridCols?: number;
  figsize?: [number, number];
  sharey?: boolean;
  /** A note shown with the figure (e.g. that training stopped, and why). */
  note?: string;
}

/** A series with its coordinates as numbers again (the wire spells non-finite ones as strings). */
type NumericSeries = Omit<PlotSeries, "x" | "y"> & { x: number[]; y: number[] };
type NumericAxes = Omit<PlotAxes, "series"> & { series: NumericSeries[] };

function numericAxes(a: PlotAxes): NumericAxes {
  return { ...a, series: a.series.map((s) => ({ ...s, x: s.x.map(fromWireNumber), y: s.y.map(fromWireNumber) })) };
}

/** Builds and validates a plot payload. Series without a colour take the next colour of
 * matplotlib's cycle, per panel, as `plt.plot` does. */
export function plotPayload(input: PlotInput): PlotPayload {
  const axes: PlotAxes[] = input.axes.map((a) => {
    let cycle = 0;
    const series = a.series.map((s): PlotSeries => {
      const parsed = s.fmt ? parseFormat(s.fmt) : { color: null, line: "solid" as LineStyle, marker: null };
      const given = s.color == null ? null : parseColor(s.color);
      if (s.color != null && given === null) throw new Error(`unknown colour '${s.color}'`);
      const color = given ?? parsed.color ?? COLOR_CYCLE[cycle++ % COLOR_CYCLE.length];
      return {
        x: Array.from(s.x, toWireNumber),
        y: Array.from(s.y, toWireNumber),
        label: s.label ?? null,
        color,
        line: s.line !== undefined ? s.line : parsed.line,
        lineWidth: s.lineWidth ?? 1.5,
        marker: s.marker !== undefined ? s.marker : parsed.marker,
        markerSize: s.markerSize ?? 6,
        alpha: s.alpha ?? 1,
        fmt: s.fmt ?? null,
      };
    });
    return {
      series,
      xlabel: a.xlabel ?? null,
      ylabel: a.ylabel ?? null,
      title: a.title ?? null,
      xlim: a.xlim ?? null,
      ylim: a.ylim ?? null,
      xscale: a.xscale ?? "linear",
      yscale: a.yscale ?? "linear",
      legend: a.legend ?? series.some((s) => s.label !== null),
    };
  });
  const payload: PlotPayload = {
    version: 1,
    figsize: input.figsize ?? [3.5, 2.5],
    gridRows: input.gridRows ?? 1,
    gridCols: input.gridCols ?? axes.length,
    axes,
    sharey: input.sharey ?? false,
    ...(input.note === undefined ? {} : { note: input.note }),
  };
  payload.version = minimumPlotVersion(payload);
  assertPlotPayload(payload);
  return payload;
}

/** Values that can be drawn on an axis of `scale`. */
function drawable(v: number, scale: AxisScale): boolean {
  return Number.isFinite(v) && (scale === "linear" || v > 0);
}

/** The data range of `values` with matplotlib's 5% margins, or a default when there is none. */
function autoLimits(values: number[], scale: AxisScale): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!drawable(v, scale)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return scale === "log" ? [1, 10] : [0, 1];
  if (scale === "log") {
    const [a, b] = lo === hi ? [Math.log10(lo) - 1, Math.log10(hi) + 1] : [Math.log10(lo), Math.log10(hi)];
    const m = (b - a) * 0.05;
    return [10 ** (a - m), 10 ** (b + m)];
  }
  // Constant data, or a span too narrow to tick (subnormal numbers): a unit around it.
  if (!(hi - lo >= MIN_TICK_SPAN)) return rangeAround(lo, 1, 0.5);
  const m = (hi - lo) * 0.05;
  return [lo - m, hi + m];
}

const LEGEND = { handle: 20, gap: 6, pad: 5, lineHeight: FONT.size * 1.4 };

/** The marker `symbol` of `size` points at (x, y), as SVG. */
function marker(symbol: MarkerSymbol, x: number, y: number, size: number, color: string): string {
  const r = size / 2;
  const fill = { fill: color, stroke: color, "stroke-width": 0.5 };
  const polygon = (pts: Array<[number, number]>) =>
    el("path", { d: `M${pts.map(([dx, dy]) => `${num(x + dx)},${num(y + dy)}`).join("L")}Z`, ...fill });
  switch (symbol) {
    case "circle": return el("circle", { cx: x, cy: y, r, ...fill });
    case "point": return el("circle", { cx: x, cy: y, r: r / 2, ...fill });
    case "square": return el("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, ...fill });
    case "diamond": return polygon([[0, -r], [r, 0], [0, r], [-r, 0]]);
    case "triangle-up": return polygon([[0, -r], [r, r], [-r, r]]);
    case "triangle-down": return polygon([[0, r], [r, -r], [-r, -r]]);
    case "star": {
      const pts: Array<[number, number]> = [];
      for (let k = 0; k < 10; k++) {
        const a = (Math.PI / 5) * k - Math.PI / 2;
        const rk = k % 2 === 0 ? r : r * 0.4;
        pts.push([rk * Math.cos(a), rk * Math.sin(a)]);
      }
      return polygon(pts);
    }
    case "x":
    case "plus": {
      const d = symbol === "x"
        ? `M${num(x - r)},${num(y - r)}L${num(x + r)},${num(y + r)}M${num(x - r)},${num(y + r)}L${num(x + r)},${num(y - r)}`
        : `M${num(x - r)},${num(y)}L${num(x + r)},${num(y)}M${num(x)},${num(y - r)}L${num(x)},${num(y + r)}`;
      return el("path", { d, fill: "none", stroke: color, "stroke-width": 1 });
    }
  }
}

/** A line style's SVG stroke attributes. */
function strokeOf(s: NumericSeries, style: LineStyle): Record<string, string | number | null> {
  return {
    fill: "none", stroke: s.color, "stroke-width": s.lineWidth, "stroke-dasharray": dashArray(style, s.lineWidth),
    "stroke-linejoin": "round", "stroke-linecap": style === "solid" ? "square" : "butt",
  };
}

/** Size in points of the mark of a point clipped at the panel's edge (an infinite coordinate). */
const CLIPPED_MARK = 7;

/**
 * Marks of the points with one infinite coordinate (the other drawable): a triangle on the edge
 * the point lies beyond, pointing out of the panel (`width × height`, panel coordinates).
 */
function clippedMarks(s: NumericSeries, sx: NumericScale, sy: NumericScale, a: NumericAxes, width: number, height: number): string[] {
  const h = CLIPPED_MARK;
  const marks: string[] = [];
  s.x.forEach((x, k) => {
    const y = s.y[k];
    let tip: [number, number] | null = null;
    let dir: [number, number] = [0, 0];
    if (Math.abs(y) === Infinity && drawable(x, a.xscale)) {
      [tip, dir] = y > 0 ? [[sx(x), 0], [0, -1]] : [[sx(x), height], [0, 1]];
    } else if (Math.abs(x) === Infinity && drawable(y, a.yscale)) {
      [tip, dir] = x > 0 ? [[width, sy(y)], [1, 0]] : [[0, sy(y)], [-1, 0]];
    }
    if (tip === null) return;
    const [tx, ty] = tip;
    const base: [number, number] = [tx - dir[0] * h, ty - dir[1] * h];
    const side: [number, number] = [dir[1] * h * 0.5, dir[0] * h * 0.5];
    const d = `M${num(tx)},${num(ty)}L${num(base[0] + side[0])},${num(base[1] + side[1])}L${num(base[0] - side[0])},${num(base[1] - side[1])}Z`;
    marks.push(el("path", { d, fill: s.color, stroke: "none" }));
  });
  return marks;
}

/** The lines and markers of one series, in panel coordinates (`width × height`). */
function seriesSvg(s: NumericSeries, sx: NumericScale, sy: NumericScale, a: NumericAxes, width: number, height: number): string[] {
  const out: string[] = [];
  const points: Array<[number, number] | null> = s.x.map((x, k) =>
    drawable(x, a.xscale) && drawable(s.y[k], a.yscale) ? [sx(x), sy(s.y[k])] : null,
  );
  if (s.line !== null) {
    // A point that cannot be drawn (NaN, an infinity, log of a non-positive value) breaks the
    // line, as in matplotlib.
    let d = "";
    let pen = false;
    for (const p of points) {
      if (p === null) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${num(p[0])},${num(p[1])}`;
      pen = true;
    }
    if (d !== "") out.push(el("path", { d, ...strokeOf(s, s.line) }));
  }
  if (s.marker !== null) {
    for (const p of points) if (p !== null) out.push(marker(s.marker, p[0], p[1], s.markerSize, s.color));
  }
  out.push(...clippedMarks(s, sx, sy, a, width, height));
  return out.length === 0 ? [] : [el("g", { opacity: s.alpha === 1 ? null : s.alpha }, out)];
}

/** The legend of the labelled series, at the place of `box` that hides the least of the data
 * (the candidates of matplotlib's `loc='best'`, in its order). */
function legendSvg(a: NumericAxes, box: Box, sx: NumericScale, sy: NumericScale): string[] {
  const entries = a.series.filter((s) => s.label !== null);
  if (!a.legend || entries.length === 0) return [];
  const width = LEGEND.pad * 2 + LEGEND.handle + LEGEND.gap + Math.max(...entries.map((s) => textWidth(s.label ?? "")));
  const height = LEGEND.pad * 2 + entries.length * LEGEND.lineHeight;
  const inset = 4;
  const [left, right, top, bottom] = [inset, box.width - width - inset, inset, box.height - height - inset];
  const [midX, midY] = [(box.width - width) / 2, (box.height - height) / 2];
  // matplotlib's order: upper right, upper left, lower left, lower right, right, center left,
  // center right, lower center, upper center, center.
  const corners: Array<[number, number]> = [
    [right, top], [left, top], [left, bottom], [right, bottom], [right, midY], [left, midY],
    [right, midY], [midX, bottom], [midX, top], [midX, midY],
  ];
  // What the legend would hide: every marker, and points every 4 pt along every line (as
  // matplotlib's 'best' counts both vertices and line crossings).
  const ink: Array<[number, number]> = [];
  for (const s of a.series) {
    let prev: [number, number] | null = null;
    s.x.forEach((x, k) => {
      if (!drawable(x, a.xscale) || !drawable(s.y[k], a.yscale)) { prev = null; return; }
      const p: [number, number] = [sx(x), sy(s.y[k])];
      ink.push(p);
      if (s.line !== null && prev !== null) {
        const steps = Math.min(200, Math.ceil(Math.hypot(p[0] - prev[0], p[1] - prev[1]) / 4));
        for (let t = 1; t < steps; t++) ink.push([prev[0] + ((p[0] - prev[0]) * t) / steps, prev[1] + ((p[1] - prev[1]) * t) / steps]);
      }
      prev = p;
    });
  }
  const covered = ([cx, cy]: [number, number]) =>
    ink.reduce((n, [px, py]) => n + (px >= cx && px <= cx + width && py >= cy && py <= cy + height ? 1 : 0), 0);
  let best = corners[0];
  let bestCount = covered(best);
  for (const c of corners.slice(1)) {
    const n = covered(c);
    if (n < bestCount) { best = c; bestCount = n; }
  }
  const [lx, ly] = [box.x + best[0], box.y + best[1]];
  const out = [el("rect", {
    x: lx, y: ly, width, height, rx: 2, fill: "#ffffff", "fill-opacity": 0.8, stroke: "#cccccc", "stroke-width": 0.8,
  })];
  entries.forEach((s, k) => {
    const cy = ly + LEGEND.pad + (k + 0.5) * LEGEND.lineHeight;
    const x0 = lx + LEGEND.pad;
    const handle: string[] = [];
    if (s.line !== null) {
      handle.push(el("path", { d: `M${num(x0)},${num(cy)}L${num(x0 + LEGEND.handle)},${num(cy)}`, ...strokeOf(s, s.line) }));
    }
    if (s.marker !== null) handle.push(marker(s.marker, x0 + LEGEND.handle / 2, cy, s.markerSize, s.color));
    out.push(el("g", { opacity: s.alpha === 1 ? null : s.alpha }, handle));
    out.push(text(s.label ?? "", { x: x0 + LEGEND.handle + LEGEND.gap, y: cy + FONT.size * 0.35 }));
  });
  return out;
}

/** The SVG fallback of a plot payload. */
export function plotSvg(p: PlotPayload): string {
  const W = p.figsize[0] * 72;
  const H = p.figsize[1] * 72;
  const cellW = W / p.gridCols;
  const cellH = H / p.gridRows;
  const allAxes = p.axes.map(numericAxes);
  const shared = p.sharey
    ? allAxes.find((a) => a.ylim !== null)?.ylim ??
      autoLimits(allAxes.flatMap((a) => a.series.flatMap((s) => s.y)), allAxes[0].yscale)
    : null;
  const body: string[] = [];
  allAxes.forEach((a, index) => {
    const row = Math.floor(index / p.gridCols);
    const col = index % p.gridCols;
    const xlim = a.xlim ?? autoLimits(a.series.flatMap((s) => s.x), a.xscale);
    const ylim = shared ?? a.ylim ?? autoLimits(a.series.flatMap((s) => s.y), a.yscale);
    const top = a.title !== null ? FONT.size * 1.2 + 10 : 8;
    const bottom = X_TICK_SPACE + (a.xlabel !== null ? FONT.size + LABEL_PAD : 0) + 6;
    const innerH = Math.max(10, cellH - top - bottom);
    const yTicks: Tick[] = numericTicks(makeScale(a.yscale, ylim, [innerH, 0]), a.yscale, innerH);
    const showYLabels = !p.sharey || col === 0;
    const tickSpace = showYLabels ? 7 + tickLabelWidth(yTicks) : 5;
    const left = tickSpace + (a.ylabel !== null ? FONT.size + LABEL_PAD : 0) + 6;
    const box: Box = {
      x: col * cellW + left,
      y: row * cellH + top,
      width: Math.max(10, cellW - left - 10),
      height: innerH,
    };
    const sx = makeScale(a.xscale, xlim, [0, box.width]);
    const sy = makeScale(a.yscale, ylim, [box.height, 0]);
    const clip = contentId("d2l-ts-clip", `${num(box.width)}x${num(box.height)}`);
    body.push(
      el("g", { transform: `translate(${num(box.x)} ${num(box.y)})` }, [
        el("clipPath", { id: clip }, [el("rect", { x: 0, y: 0, width: box.width, height: box.height })]),
        el("g", { "clip-path": `url(#${clip})` }, a.series.flatMap((s) => seriesSvg(s, sx, sy, a, box.width, box.height))),
      ]),
      frame(box),
      ...bottomTicks(box, numericTicks(sx, a.xscale, box.width, true), true),
      ...leftTicks(box, numericTicks(sy, a.yscale, box.height), showYLabels),
      ...legendSvg(a, box, sx, sy),
    );
    if (a.xlabel !== null) body.push(xLabel(box, a.xlabel));
    if (a.ylabel !== null) body.push(yLabel(box, a.ylabel, tickSpace + LABEL_PAD));
    if (a.title !== null) body.push(titleText(box, a.title));
  });
  return figureDocument(W, H, body, plotSummary(p), p.note);
}

/** A one-line description of a plot payload (the `text/plain` of its bundle). */
export function plotSummary(p: PlotPayload): string {
  const panels = p.axes.map((a) => {
    const labelled = a.series.filter((s) => s.label !== null).map((s) => s.label);
    const others = a.series.length - labelled.length;
    const parts = [...labelled];
    if (others > 0) parts.push(`${others} unlabelled series`);
    const points = a.series.reduce((n, s) => n + s.x.length, 0);
    // A point is not finite when either coordinate is not.
    const nonFinite = describeNonFinite(countNonFinite(a.series.flatMap((s) => s.x.map((x, k) => {
      const [xv, yv] = [fromWireNumber(x), fromWireNumber(s.y[k])];
      return Number.isFinite(xv) ? yv : xv;
    }))));
    const axes = [a.xlabel !== null ? `x: ${a.xlabel}` : null, a.ylabel !== null ? `y: ${a.ylabel}` : null].filter(Boolean);
    const counted = `${points} points${nonFinite !== "" ? `, not finite: ${nonFinite}` : ""}`;
    return `${parts.join(", ") || "no series"} (${counted}${axes.length > 0 ? "; " + axes.join(", ") : ""})`;
  });
  const grid = p.axes.length > 1 ? `${p.gridRows}×${p.gridCols} panels: ` : "";
  return `Plot ${grid}${panels.join(" | ")}${p.note !== undefined ? `. Note: ${p.note}` : ""}`;
}
