/**
 * jupyterlab-d2l-ts: JupyterLab renderers for the figures of d2l-ts (the attention chapter of
 * Dive into Deep Learning in TypeScript): interactive plotly heatmaps (`show_heatmaps`) and
 * plots (`plot`, `ProgressBoard`). The MIME types and payloads are those of the shared
 * contract, d2l-ts-figure-contract.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { HEATMAP_MIME_TYPE, PLOT_MIME_TYPE } from "d2l-ts-figure-contract";

import { RenderedFigure } from "./renderer";
import "../../style/index.css";

export { RENDER_MEASURE, RenderedFigure } from "./renderer";

export const rendererFactory: IRenderMime.IRendererFactory = {
  // Safe: the renderer never inserts data as HTML, so it also draws in untrusted notebooks.
  safe: true,
  mimeTypes: [HEATMAP_MIME_TYPE, PLOT_MIME_TYPE],
  createRenderer: (options) => new RenderedFigure(options),
};

const extension: IRenderMime.IExtension = {
  id: "jupyterlab-d2l-ts:figures",
  description: "Draws d2l-ts heatmaps and plots with plotly.",
  rendererFactory,
  // Before the image/svg+xml fallback that travels in the same bundle.
  rank: 0,
  dataType: "json",
};

export default extension;
