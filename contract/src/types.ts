/**
 * Payload types of the two figure MIME types (versions 1 and 2; see README.md, "Versions"). The
 * JSON schemas in `schema/` describe the same shapes; `validate.ts` checks a payload against the
 * schema and then the cross-field rules a schema cannot express (lengths that must agree).
 */
import type { WireNumber } from "./wire";

/** The payload versions this package reads and writes. */
export type PayloadVersion = 1 | 2;

/** Figure size in inches, `[width, height]`, like matplotlib's `figsize`. */
export type FigureSize = [number, number];

/** A colour as `#rrggbb`. */
export type HexColor = string;

/**
 * A colour map as stops from 0 (the low end of the colour range) to 1 (the high end), in the
 * form plotly calls a colorscale. Stops are evenly spaced and sampled from the named map.
 */
export interface ColorMap {
  /** The book's name of the map, e.g. `Reds` (the default of `show_heatmaps`) or `Blues`. */
  name: string;
  stops: Array<[number, HexColor]>;
}

/**
 * Matrix values of a heatmap, in one of two encodings.
 * - `array`: `data[gridRow][gridCol][i][j]`, numbers rounded to 6 significant digits; since
 *   version 2 a cell may also be `"NaN"`, `"Infinity"` or `"-Infinity"` (see `WireNumber`).
 * - `uint8-base64`: used for large grids to keep the bundle small. One byte per cell, in the
 *   order gridRow, gridCol, i, j (row-major); byte `q` stands for
 *   `colorRange[0] + q / 255 * (colorRange[1] - colorRange[0])`. 256 levels is also the
 *   resolution of a colour map, so the picture loses nothing; hover values are quantised.
 *   Since version 2, `nonFinite` (present only when needed) is a second byte map in the same
 *   order: 0 finite, 1 NaN, 2 Infinity, 3 -Infinity (`NON_FINITE_CODES`); such cells hold 0 in `data`.
 */
export type HeatmapValues =
  | { encoding: "array"; data: WireNumber[][][][] }
  | { encoding: "uint8-base64"; data: string; nonFinite?: string };

/**
 * `application/vnd.d2l-ts.heatmap+json`: a grid of `gridRows × gridCols` panels, each showing a
 * `height × width` matrix (the book's 4-D `matrices`: rows of queries `i`, columns of keys `j`).
 * Panels share both axes and one colour range; one colour bar serves them all.
 */
export interface HeatmapPayload {
  /** The lowest version that carries everything this payload uses (README.md, "Versions"). */
  version: PayloadVersion;
  figsize: FigureSize;
  gridRows: number;
  gridCols: number;
  /** Rows of each matrix (queries; drawn top to bottom). */
  height: number;
  /** Columns of each matrix (keys; drawn left to right). */
  width: number;
  values: HeatmapValues;
  /** The x label under each bottom-row panel, one per grid column (often all the same). */
  xlabels: string[];
  /** The y label beside each first-column panel. */
  ylabel: string;
  /** One title per grid column, or null for none. */
  titles: string[] | null;
  cmap: ColorMap;
  /** `[min, max]` of the colour scale, shared by every panel; min < max. By default the range
   * of the finite values; `[0, 1]` when no value is finite. */
  colorRange: [number, number];
  /** Tick labels for the `width` keys, or null for numeric ticks. */
  xTickLabels: string[] | null;
  /** Tick labels for the `height` queries, or null for numeric ticks. */
  yTickLabels: string[] | null;
  /** Version 2: a note shown with the figure (e.g. "all 9 values are NaN"). */
  note?: string;
}

/** Line style of a series, from the book's format strings (`-`, `--`, `-.`, `:`). */
export type LineStyle = "solid" | "dashed" | "dashdot" | "dotted";

/** Marker of a series, from matplotlib's format characters (`o`, `.`, `s`, `^`, `v`, `x`, `+`, `*`, `D`). */
export type MarkerSymbol =
  | "circle"
  | "point"
  | "square"
  | "triangle-up"
  | "triangle-down"
  | "x"
  | "plus"
  | "star"
  | "diamond";

/**
 * One series of points `(x[k], y[k])`, drawn as a line, as markers, or both. Since version 2 a
 * coordinate may be `"NaN"` (the line breaks there, as in matplotlib) or `"Infinity"` /
 * `"-Infinity"` (the line breaks and a mark is drawn clipped at the panel's edge).
 */
export interface PlotSeries {
  x: WireNumber[];
  y: WireNumber[];
  /** Legend entry, or null for none. */
  label: string | null;
  color: HexColor;
  /** Line style, or null to draw no line (a point series such as the book's `'o'`). */
  line: LineStyle | null;
  /** Line width in points (matplotlib's default is 1.5). */
  lineWidth: number;
  marker: MarkerSymbol | null;
  /** Marker size in points (matplotlib's default is 6). */
  markerSize: number;
  /** Opacity from 0 to 1 (the book draws training points with `alpha=0.5`). */
  alpha: number;
  /** The book's format string this series came from (e.g. `m--`), for reference. */
  fmt: string | null;
}

export type AxisScale = "linear" | "log";

/** One panel (matplotlib's `Axes`). */
export interface PlotAxes {
  series: PlotSeries[];
  xlabel: string | null;
  ylabel: string | null;
  title: string | null;
  /** Fixed limits `[low, high]`, or null to fit the data. */
  xlim: [number, number] | null;
  ylim: [number, number] | null;
  xscale: AxisScale;
  yscale: AxisScale;
  /** Show a legend of the series that have a label. */
  legend: boolean;
}

/**
 * `application/vnd.d2l-ts.plot+json`: a grid of `gridRows × gridCols` panels (11.2 draws 1×4),
 * `axes` listed row by row.
 */
export interface PlotPayload {
  /** The lowest version that carries everything this payload uses (README.md, "Versions"). */
  version: PayloadVersion;
  figsize: FigureSize;
  gridRows: number;
  gridCols: number;
  axes: PlotAxes[];
  /** Panels in one row share their y axis (matplotlib's `sharey=True`). */
  sharey: boolean;
  /** Version 2: a note shown with the figure (e.g. that training stopped, and why). */
  note?: string;
}

export type FigurePayload = HeatmapPayload | PlotPayload;
