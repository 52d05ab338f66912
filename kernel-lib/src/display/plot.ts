/** Section 2.4's `plot` and a grid of such panels (section 11.2 draws 1×4). */
import type { PlotPayload } from "d2l-ts-figure-contract";
import { parseFormat, plotBundle, plotPayload, type AxesInput, type SeriesInput } from "../figures";
import { describe, fail } from "../ops/check";
import {
  asArgumentError, expectFigsize, expectRange, expectScale, expectString, toSeriesList, type SeriesData,
} from "./convert";
import { Figure } from "./figure";

/** The book's default formats: blue solid, magenta dashed, green dash-dot, red dotted. */
const DEFAULT_FMTS = ["-", "m--", "g-.", "r:"];

export interface AxesOptions {
  xlabel?: string | null;
  ylabel?: string | null;
  title?: string | null;
  /** Legend entries for the first series, in order. */
  legend?: string[];
  xlim?: [number, number] | null;
  ylim?: [number, number] | null;
  xscale?: "linear" | "log";
  yscale?: "linear" | "log";
  /** One format per series (`'-'`, `'m--'`, `'o'` …); series beyond `fmts.length` are not drawn, as in the book. */
  fmts?: string[];
  /** Opacity, one for all series or one per series (the book draws training points at 0.5). */
  alpha?: number | number[];
}

export interface PlotOptions extends AxesOptions {
  /** Figure size in inches (the book's default `[3.5, 2.5]`). */
  figsize?: [number, number];
}

/** One panel's data and options for `plotPanels`. */
export interface PanelSpec extends AxesOptions {
  X: SeriesData;
  Y?: SeriesData | null;
}

export interface PanelGridOptions {
  numRows?: number;
  numCols?: number;
  figsize?: [number, number];
  /** Share the y axis across panels (matplotlib's `sharey=True`). */
  sharey?: boolean;
}

/** One panel from the book's `plot(X, Y, …)` arguments. */
function axesInput(fn: string, X: SeriesData, Y: SeriesData | null | undefined, o: AxesOptions): AxesInput {
  let xs = toSeriesList(fn, "X", X);
  let ys: Float64Array[];
  if (Y === undefined || Y === null) {
    // plot(Y): each series against its indices.
    ys = xs;
    xs = ys.map((y) => Float64Array.from(y, (_, k) => k));
  } else {
    ys = toSeriesList(fn, "Y", Y);
  }
  // plot(x, [y1, y2]): one x for every series.
  if (xs.length !== ys.length) {
    if (xs.length !== 1) fail(fn, "X", `1 or ${ys.length} series (one per series of Y)`, `${xs.length} series`);
    xs = ys.map(() => xs[0]);
  }
  const fmts = o.fmts ?? DEFAULT_FMTS;
  if (!Array.isArray(fmts) || !fmts.every((f) => typeof f === "string")) fail(fn, "fmts", "an array of format strings", describe(fmts));
  fmts.forEach((f, k) => asArgumentError(fn, `fmts[${k}]`, () => parseFormat(f)));
  const legend = o.legend ?? [];
  if (!Array.isArray(legend) || !legend.every((l) => typeof l === "string")) fail(fn, "legend", "an array of strings", describe(legend));
  const alpha = o.alpha ?? 1;
  const alphaOf = (k: number) => (Array.isArray(alpha) ? alpha[k] ?? 1 : alpha);
  if (![alpha].flat().every((a) => typeof a === "number" && a >= 0 && a <= 1)) fail(fn, "alpha", "numbers in [0, 1]", describe(alpha));
  const count = Math.min(ys.length, fmts.length);
  const series: SeriesInput[] = [];
  for (let k = 0; k < count; k++) {
    if (xs[k].length !== ys[k].length) {
      fail(fn, "X and Y", `series of equal length`, `series ${k} with ${xs[k].length} x values and ${ys[k].length} y values`);
    }
    series.push({ x: Array.from(xs[k]), y: Array.from(ys[k]), fmt: fmts[k], label: legend[k] ?? null, alpha: alphaOf(k) });
  }
  return {
    series,
    xlabel: o.xlabel == null ? null : expectString(fn, "xlabel", o.xlabel),
    ylabel: o.ylabel == null ? null : expectString(fn, "ylabel", o.ylabel),
    title: o.title == null ? null : expectString(fn, "title", o.title),
    xlim: o.xlim == null ? null : expectRange(fn, "xlim", o.xlim),
    ylim: o.ylim == null ? null : expectRange(fn, "ylim", o.ylim),
    xscale: expectScale(fn, "xscale", o.xscale ?? "linear"),
    yscale: expectScale(fn, "yscale", o.yscale ?? "linear"),
    legend: legend.length > 0,
  };
}

/** Section 2.4: the book's `plot(X, Y, …)` as a figure, not yet shown. */
export function plotFigure(X: SeriesData, Y?: SeriesData | null, options: PlotOptions = {}): Figure<PlotPayload> {
  const fn = "plot";
  const axes = axesInput(fn, X, Y, options);
  const figsize = options.figsize === undefined ? [3.5, 2.5] as [number, number] : expectFigsize(fn, options.figsize);
  const payload = asArgumentError(fn, "options", () => plotPayload({ axes: [axes], figsize, gridRows: 1, gridCols: 1 }));
  return new Figure(payload, plotBundle(payload));
}

/**
 * Section 2.4 (`d2l.plot`): plots data points. `X` and `Y` are a series (1-D tensor or array)
 * or several (2-D tensor, or an array of series); without `Y`, `X` is plotted against indices.
 * Extra series such as the book's training points (`'o'`, alpha 0.5) go in the same call:
 * `plot([xVal, xVal, xTrain], [yVal, yHat, yTrain], { fmts: ["-", "m--", "o"], alpha: [1, 1, 0.5] })`.
 * Returns nothing in tslab and Node; in Deno the promise of the send (write `await`).
 */
export function plot(X: SeriesData, Y?: SeriesData | null, options: PlotOptions = {}): Promise<void> | undefined {
  return plotFigure(X, Y, options).display();
}

/** A grid of plot panels as one figure, not yet shown. */
export function panelsFigure(panels: PanelSpec[], options: PanelGridOptions = {}): Figure<PlotPayload> {
  const fn = "plotPanels";
  if (!Array.isArray(panels) || panels.length === 0) fail(fn, "panels", "a non-empty array of panels", describe(panels));
  const numCols = options.numCols ?? panels.length;
  const numRows = options.numRows ?? Math.ceil(panels.length / numCols);
  if (!Number.isInteger(numRows) || !Number.isInteger(numCols) || numRows * numCols !== panels.length) {
    fail(fn, "numRows × numCols", `${panels.length} (one cell per panel)`, `${numRows} × ${numCols}`);
  }
  const axes = panels.map((p, k) => asArgumentError(fn, `panels[${k}]`, () => axesInput(`${fn}: panels[${k}]`, p.X, p.Y, p)));
  const figsize = options.figsize === undefined ? [3.5 * numCols, 2.5 * numRows] as [number, number] : expectFigsize(fn, options.figsize);
  const payload = asArgumentError(fn, "options", () =>
    plotPayload({ axes, figsize, gridRows: numRows, gridCols: numCols, sharey: options.sharey ?? false }),
  );
  return new Figure(payload, plotBundle(payload));
}

/**
 * Section 11.2 (`fig, axes = plt.subplots(1, 4, sharey=True, figsize=(12, 3))` with one `plot`
 * per axes): shows several plot panels, row by row, as one figure.
 */
export function plotPanels(panels: PanelSpec[], options: PanelGridOptions = {}): Promise<void> | undefined {
  return panelsFigure(panels, options).display();
}
