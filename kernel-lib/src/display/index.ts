// The public figure API: build a figure from tensors or arrays, then publish it (kernel adapter).
export { Figure } from "./figure";
export type { MatrixGrid, NumberSeries, SeriesData } from "./convert";
export { showHeatmaps, heatmapFigure, type HeatmapOptions } from "./heatmaps";
export { plot, plotFigure, plotPanels, panelsFigure, type AxesOptions, type PlotOptions, type PanelSpec, type PanelGridOptions } from "./plot";
export { detectKernel, displaysSettled, publishDisplay, setNodeDisplayHandler, KernelDisplayError, type KernelKind, type PublishOptions } from "../kernel";
export type { MimeBundle } from "../figures";
