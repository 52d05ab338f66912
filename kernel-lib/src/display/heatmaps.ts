/** Section 11.1's `show_heatmaps`. */
import type { HeatmapPayload } from "d2l-ts-figure-contract";
import { COLORMAP_NAMES, heatmapBundle, heatmapPayload } from "../figures";
import { fail } from "../ops/check";
import { asArgumentError, expectFigsize, expectRange, expectString, expectStrings, toMatrixGrid, type MatrixGrid } from "./convert";
import { Figure } from "./figure";

export interface HeatmapOptions {
  /** Label under the bottom row: one for all columns, or one per column (11.2 names each kernel). */
  xlabel?: string | string[];
  /** Label beside the first column. */
  ylabel?: string;
  /** One title per column. */
  titles?: string[] | null;
  /** Figure size in inches (the book's default `[2.5, 2.5]`). */
  figsize?: [number, number];
  /** Colour map name: the book's `Reds` (default), `Blues` (positional encoding), … */
  cmap?: string;
  /** Fixed colour range `[min, max]`; by default the range of all matrices. */
  colorRange?: [number, number] | null;
  /** Labels of the keys (columns of each matrix), e.g. tokens. */
  xTickLabels?: string[] | null;
  /** Labels of the queries (rows of each matrix). */
  yTickLabels?: string[] | null;
  /**
   * Names of the grid's rows and of its columns, e.g. `{ rows: ["block 1", "block 2"], cols:
   * ["head 1", …] }` for a Transformer's attention (section 11.7). In JupyterLab the figure then
   * offers, below the full grid, a control that steps through the panels one at a time (figure
   * contract version 3); the SVG fallback names the rows beside them.
   */
  panelLabels?: { rows: string[]; cols: string[] } | null;
}

/** `panelLabels`: an object of `rows` (one non-empty name per grid row) and `cols` (one per grid column). */
function expectPanelLabels(fn: string, labels: unknown, rows: number, cols: number): { rows: string[]; cols: string[] } {
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) {
    fail(fn, "panelLabels", "{ rows, cols }: one name per grid row and per grid column", Array.isArray(labels) ? "an array" : typeof labels);
  }
  const { rows: rowNames, cols: colNames } = labels as { rows?: unknown; cols?: unknown };
  const named = (arg: string, names: unknown, n: number, what: string): string[] => {
    const checked = expectStrings(fn, arg, names, n, what);
    const empty = checked.findIndex((name) => name.trim() === "");
    if (empty >= 0) fail(fn, `${arg}[${empty}]`, "a name", "an empty string");
    return checked;
  };
  return { rows: named("panelLabels.rows", rowNames, rows, "one per grid row"), cols: named("panelLabels.cols", colNames, cols, "one per grid column") };
}

/**
 * Section 11.1: the heatmaps of `matrices` `(rows, cols, queries, keys)` as one figure, not yet
 * shown. Panels share their axes and one colour range.
 */
export function heatmapFigure(matrices: MatrixGrid, options: HeatmapOptions = {}): Figure<HeatmapPayload> {
  const fn = "showHeatmaps";
  const grid = toMatrixGrid(fn, "matrices", matrices);
  const cols = grid[0].length;
  const { height, width } = grid[0][0];
  const xlabel = options.xlabel ?? "";
  const xlabels = Array.isArray(xlabel)
    ? expectStrings(fn, "xlabel", xlabel, cols, "one per column of the grid")
    : Array<string>(cols).fill(expectString(fn, "xlabel", xlabel));
  const cmap = options.cmap ?? "Reds";
  if (!COLORMAP_NAMES.includes(cmap)) fail(fn, "cmap", `one of ${COLORMAP_NAMES.join(", ")}`, JSON.stringify(cmap));
  const payload = asArgumentError(fn, "options", () =>
    heatmapPayload({
      matrices: grid,
      xlabels,
      ylabel: expectString(fn, "ylabel", options.ylabel ?? ""),
      titles: options.titles == null ? null : expectStrings(fn, "titles", options.titles, cols, "one per column of the grid"),
      cmap,
      figsize: options.figsize === undefined ? [2.5, 2.5] : expectFigsize(fn, options.figsize),
      colorRange: options.colorRange == null ? null : expectRange(fn, "colorRange", options.colorRange),
      xTickLabels: options.xTickLabels == null ? null : expectStrings(fn, "xTickLabels", options.xTickLabels, width, "one per key"),
      yTickLabels: options.yTickLabels == null ? null : expectStrings(fn, "yTickLabels", options.yTickLabels, height, "one per query"),
      panelLabels: options.panelLabels == null ? null : expectPanelLabels(fn, options.panelLabels, grid.length, cols),
    }),
  );
  if (payload.colorRange[0] > payload.colorRange[1]) fail(fn, "colorRange", "[min, max] with min < max", `[${payload.colorRange.join(", ")}]`);
  return new Figure(payload, heatmapBundle(payload));
}

/**
 * Section 11.1 (`d2l.show_heatmaps`): shows the heatmaps of `matrices` `(rows, cols, queries,
 * keys)` — one Jupyter output holding the interactive figure, its SVG fallback and a summary.
 * Returns nothing in tslab and Node; in Deno the promise of the send (write `await`).
 */
export function showHeatmaps(matrices: MatrixGrid, options: HeatmapOptions = {}): Promise<void> | undefined {
  return heatmapFigure(matrices, options).display();
}
