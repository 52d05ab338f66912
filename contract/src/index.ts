/**
 * d2l-ts-figure-contract: what the d2l-ts kernel library sends and the JupyterLab extension
 * draws. MIME types, payload types, validators; the JSON schemas ship in `schema/`.
 * Imports nothing at runtime (the validators are compiled ahead of time).
 */
export * from "./mime";
export type {
  AxisScale,
  ColorMap,
  FigurePayload,
  FigureSize,
  HeatmapPayload,
  HeatmapValues,
  HexColor,
  LineStyle,
  MarkerSymbol,
  PlotAxes,
  PlotPayload,
  PlotSeries,
  PayloadVersion,
} from "./types";
export * from "./validate";
export * from "./versions";
export * from "./wire";
