/**
 * Axes in matplotlib's default look: black spines (0.8 pt), outward ticks 3.5 pt long, tick
 * labels 3.5 pt away, axis labels 4 pt beyond. Tick positions and labels come from d3-scale.
 */
import * as deps from "../../generated/figure-deps";
import { FONT, el, escapeXml, num, text, textWidth } from "./svg";

export const TICK = { length: 3.5, pad: 3.5, width: 0.8 };
export const LABEL_PAD = 4;

/** A rectangle in points; y grows downwards as in SVG. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A tick at `pos` (points along the axis) with its label; `exponent` draws `10^exponent`. */
export interface Tick {
  pos: number;
  label: string;
  exponent?: number;
}

export type ScaleKind = "linear" | "log";

export interface NumericScale {
  (value: number): number;
  ticks(count?: number): number[];
  tickFormat(count?: number, specifier?: string): (value: number) => string;
  domain(): number[];
}

/** A d3 scale from `domain` to `range` (points). */
export function makeScale(kind: ScaleKind, domain: [number, number], range: [number, number]): NumericScale {
  const scale = kind === "log" ? deps.scaleLog() : deps.scaleLinear();
  return scale.domain(domain).range(range) as unknown as NumericScale;
}

/**
 * A range around constant data `v` (a colour range, an axis): `width` wide, from `at` (0: v is
 * the low end, 0.5: the middle) — or wider where `v` is so large that `v + width` rounds to `v`,
 * and shifted down where it would overflow, so the range is never empty.
 */
export function rangeAround(v: number, width: number, at: number): [number, number] {
  const w = Math.max(width, Math.abs(v) * 2 ** -20);
  const lo = v - w * at;
  const hi = lo + w;
  return Number.isFinite(hi) ? [lo, hi] : [v - w, v];
}

/** The narrowest axis span d3 can place ticks on (its tick step must stay a normal number). */
export const MIN_TICK_SPAN = 1e-290;

/** Ticks of `scale` for an axis `length` points long: about one per 35 pt on linear axes, fewer
 * when labels would touch (`horizontal` axes compare label widths), powers of ten on log axes
 * spanning at least one decade. */
export function numericTicks(scale: NumericScale, kind: ScaleKind, length: number, horizontal = false): Tick[] {
  const count = Math.max(3, Math.floor(length / 35));
  const [a, b] = scale.domain();
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  // d3 cannot step through a span of subnormal numbers (its step underflows to 0) or one that
  // overflows; such an axis gets its two ends as ticks.
  if (!(hi - lo >= MIN_TICK_SPAN) || !Number.isFinite(hi - lo)) {
    return [lo, hi].map((v) => ({ pos: scale(v), label: String(Number(v.toPrecision(3))) }));
  }
  if (kind === "log") {
    const decades: Tick[] = [];
    for (let k = Math.ceil(Math.log10(lo) - 1e-9); k <= Math.floor(Math.log10(hi) + 1e-9); k++) {
      decades.push({ pos: scale(10 ** k), label: "10", exponent: k });
    }
    if (decades.length >= 2) return decades;
  }
  // Fewer ticks until neighbours are at least 14 pt apart (room for a label).
  for (let n = count; ; n--) {
    const values = scale.ticks(n).filter((v) => v >= lo - 1e-12 && v <= hi + 1e-12);
    const format = kind === "log" ? scale.tickFormat(n, "~g") : scale.tickFormat(n);
    const ticks = values.map((v) => ({ pos: scale(v), label: format(v) })).filter((t) => t.label !== "");
    const spacing = ticks.length < 2 ? Infinity : Math.abs(ticks[1].pos - ticks[0].pos);
    const needed = horizontal ? tickLabelWidth(ticks) + 8 : 14;
    if (spacing >= needed || n <= 1) return ticks;
  }
}

function tickLabel(t: Tick, attrs: Record<string, string | number>): string {
  if (t.exponent === undefined) return text(t.label, attrs);
  return el("text", attrs, [escapeXml(t.label), el("tspan", { dy: -4, "font-size": FONT.size * 0.7 }, [escapeXml(String(t.exponent))])]);
}

/** Width in points a set of y tick labels needs. */
export function tickLabelWidth(ticks: Tick[]): number {
  return ticks.reduce((w, t) => Math.max(w, textWidth(t.label + (t.exponent === undefined ? "" : String(t.exponent)))), 0);
}

/** Ticks and labels along the bottom edge of `box`; `rotated` labels read upwards (for long
 * category labels such as tokens). */
export function bottomTicks(box: Box, ticks: Tick[], withLabels: boolean, rotated = false): string[] {
  const y = box.y + box.height;
  const out: string[] = [];
  for (const t of ticks) {
    const x = box.x + t.pos;
    out.push(el("line", { x1: x, y1: y, x2: x, y2: y + TICK.length, stroke: "#000000", "stroke-width": TICK.width }));
    if (!withLabels) continue;
    if (rotated) {
      const ly = y + TICK.length + TICK.pad;
      out.push(tickLabel(t, { x: 0, y: 0, transform: `translate(${num(x + FONT.size * 0.35)} ${num(ly)}) rotate(-90)`, "text-anchor": "end" }));
    } else {
      out.push(tickLabel(t, { x, y: y + TICK.length + TICK.pad + FONT.size * 0.8, "text-anchor": "middle" }));
    }
  }
  return out;
}

/** Ticks and labels along the left edge of `box`. */
export function leftTicks(box: Box, ticks: Tick[], withLabels: boolean): string[] {
  const x = box.x;
  const out: string[] = [];
  for (const t of ticks) {
    const y = box.y + t.pos;
    out.push(el("line", { x1: x, y1: y, x2: x - TICK.length, y2: y, stroke: "#000000", "stroke-width": TICK.width }));
    if (withLabels) {
      out.push(tickLabel(t, { x: x - TICK.length - TICK.pad, y: y + FONT.size * 0.35, "text-anchor": "end" }));
    }
  }
  return out;
}

/** The four spines of a panel. */
export function frame(box: Box): string {
  return el("rect", {
    x: box.x, y: box.y, width: box.width, height: box.height,
    fill: "none", stroke: "#000000", "stroke-width": TICK.width, "stroke-linejoin": "miter",
  });
}

/** Height below a panel that tick labels need. */
export const X_TICK_SPACE = TICK.length + TICK.pad + FONT.size;

/** The x label centred under `box`, below its tick labels (`extra` points lower when the tick
 * labels are taller than one line). */
export function xLabel(box: Box, label: string, extra = 0): string {
  return text(label, {
    x: box.x + box.width / 2,
    y: box.y + box.height + X_TICK_SPACE + extra + LABEL_PAD + FONT.size * 0.8,
    "text-anchor": "middle",
  });
}

/** The y label rotated beside `box`, `offset` points left of its left edge. */
export function yLabel(box: Box, label: string, offset: number): string {
  const x = box.x - offset;
  const y = box.y + box.height / 2;
  return text(label, { x: 0, y: 0, transform: `translate(${num(x)} ${num(y)}) rotate(-90)`, "text-anchor": "middle" });
}

/** A title centred above `box`. */
export function title(box: Box, label: string, size = FONT.size * 1.2): string {
  return text(label, { x: box.x + box.width / 2, y: box.y - 6, "text-anchor": "middle", "font-size": size });
}
