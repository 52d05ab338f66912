/**
 * The book's line formats (`'-'`, `'m--'`, `'g-.'`, `'r:'`, `'o'`) and matplotlib's colour
 * names, turned into the payload's explicit style fields.
 */
import type { LineStyle, MarkerSymbol } from "d2l-ts-figure-contract";
import * as deps from "../../generated/figure-deps";

/** matplotlib's default colour cycle (`C0` … `C9`, the "tab10" palette). */
export const COLOR_CYCLE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];

/** matplotlib's one-letter colours. */
const BASE_COLORS: Record<string, string> = {
  b: "#0000ff", g: "#008000", r: "#ff0000", c: "#00bfbf",
  m: "#bf00bf", y: "#bfbf00", k: "#000000", w: "#ffffff",
};

const LINE_STYLES: Record<string, LineStyle> = { "-": "solid", "--": "dashed", "-.": "dashdot", ":": "dotted" };

const MARKERS: Record<string, MarkerSymbol> = {
  o: "circle", ".": "point", s: "square", "^": "triangle-up", v: "triangle-down",
  x: "x", "+": "plus", "*": "star", D: "diamond",
};

export interface ParsedFormat {
  color: string | null;
  line: LineStyle | null;
  marker: MarkerSymbol | null;
}

/** A colour given as `C0`…`C9`, a one-letter name, a CSS name or `#rgb`/`#rrggbb`, as `#rrggbb`;
 * null when it is none of these. */
export function parseColor(spec: string): string | null {
  const cycle = /^C(\d)$/.exec(spec);
  if (cycle) return COLOR_CYCLE[Number(cycle[1])];
  if (spec in BASE_COLORS) return BASE_COLORS[spec];
  const c = deps.rgb(spec);
  return Number.isNaN(c.r) ? null : c.formatHex();
}

/** A line style given as `-`, `--`, `-.`, `:` (or already by name); null when unknown. */
export function parseLineStyle(spec: string): LineStyle | null {
  if (spec in LINE_STYLES) return LINE_STYLES[spec];
  return (Object.values(LINE_STYLES) as string[]).includes(spec) ? (spec as LineStyle) : null;
}

/**
 * matplotlib's format string `[marker][line][color]` (any order), e.g. `m--`, `g-.`, `o`, `C1:`.
 * A marker without a line style draws markers only; no marker and no line style draws a solid
 * line. Throws a message naming the format when a part is not understood.
 */
export function parseFormat(fmt: string): ParsedFormat {
  let rest = fmt;
  let color: string | null = null;
  let line: LineStyle | null = null;
  let marker: MarkerSymbol | null = null;
  const cycle = /C\d/.exec(rest);
  if (cycle) {
    color = COLOR_CYCLE[Number(cycle[0][1])];
    rest = rest.replace(cycle[0], "");
  }
  for (const ls of ["--", "-.", "-", ":"]) {
    if (rest.includes(ls)) {
      line = LINE_STYLES[ls];
      rest = rest.replace(ls, "");
      break;
    }
  }
  for (const ch of rest) {
    if (ch in MARKERS && marker === null) marker = MARKERS[ch];
    else if (ch in BASE_COLORS && color === null) color = BASE_COLORS[ch];
    else {
      throw new Error(
        `unrecognised character '${ch}' in format '${fmt}': use a colour (${Object.keys(BASE_COLORS).join("")} or C0-C9), ` +
          `a line style (- -- -. :) and/or a marker (${Object.keys(MARKERS).join(" ")})`,
      );
    }
  }
  if (line === null && marker === null) line = "solid";
  return { color, line, marker };
}

/** SVG `stroke-dasharray` of a style, scaled by the line width like matplotlib's dash patterns. */
export function dashArray(style: LineStyle, lineWidth: number): string | null {
  const pattern = { solid: null, dashed: [3.7, 1.6], dashdot: [6.4, 1.6, 1, 1.6], dotted: [1, 1.65] }[style];
  return pattern === null ? null : pattern.map((d) => Math.round(d * lineWidth * 100) / 100).join(",");
}
