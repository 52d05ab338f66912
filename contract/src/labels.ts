/**
 * How both renderers (the SVG fallback of d2l-ts and the JupyterLab extension) name things of a
 * payload, so that the static and the interactive figure say the same.
 */
import type { HeatmapPayload } from "./types";

/**
 * The y label beside grid row `row` of a heatmap: with `panelLabels` (version 3) the row's name
 * before the `ylabel` ("block 2 · Queries"), else the `ylabel` alone.
 */
export function heatmapRowLabel(p: HeatmapPayload, row: number): string {
  const name = p.panelLabels?.rows[row] ?? "";
  if (name === "") return p.ylabel;
  return p.ylabel === "" ? name : `${name} · ${p.ylabel}`;
}

/** The name of panel (`row`, `col`) of a heatmap with `panelLabels` ("block 2 · head 3"), else null. */
export function heatmapPanelName(p: HeatmapPayload, row: number, col: number): string | null {
  const labels = p.panelLabels;
  return labels === undefined ? null : `${labels.rows[row]} · ${labels.cols[col]}`;
}
