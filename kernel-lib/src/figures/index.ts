// Figures: payloads from plain numbers, their SVG fallbacks and text summaries (no tensors here).
export { heatmapPayload, heatmapSvg, heatmapSummary, payloadMatrices, ARRAY_ENCODING_MAX_CELLS, type HeatmapInput } from "./heatmap";
export { plotPayload, plotSvg, plotSummary, type AxesInput, type PlotInput, type SeriesInput } from "./plot";
export { heatmapBundle, plotBundle, type MimeBundle } from "./bundle";
export { COLORMAP_NAMES } from "./colormap";
export { COLOR_CYCLE, parseColor, parseFormat, parseLineStyle } from "./style";
export { escapeXml } from "./svg";
export type { Matrix } from "./raster";
