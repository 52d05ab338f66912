/**
 * A figure as Jupyter sends it: ONE `display_data` bundle with the custom JSON type (drawn by
 * the JupyterLab extension), the SVG fallback and a text summary.
 */
import {
  HEATMAP_MIME_TYPE,
  PLOT_MIME_TYPE,
  SVG_MIME_TYPE,
  TEXT_MIME_TYPE,
  type HeatmapPayload,
  type PlotPayload,
} from "d2l-ts-figure-contract";
import { heatmapSummary, heatmapSvg } from "./heatmap";
import { plotSummary, plotSvg } from "./plot";

/** The `data` and `metadata` of a Jupyter `display_data` message. */
export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export function heatmapBundle(payload: HeatmapPayload): MimeBundle {
  return {
    data: { [HEATMAP_MIME_TYPE]: payload, [SVG_MIME_TYPE]: heatmapSvg(payload), [TEXT_MIME_TYPE]: heatmapSummary(payload) },
    metadata: {},
  };
}

export function plotBundle(payload: PlotPayload): MimeBundle {
  return {
    data: { [PLOT_MIME_TYPE]: payload, [SVG_MIME_TYPE]: plotSvg(payload), [TEXT_MIME_TYPE]: plotSummary(payload) },
    metadata: {},
  };
}
