/**
 * plotly.js (the cartesian partial bundle: heatmap and scatter) is large, so it is loaded on
 * the first figure, not when JupyterLab starts. The dynamic import becomes its own chunk.
 */
export type PlotlyApi = typeof import("plotly.js-cartesian-dist-min");

let loading: Promise<PlotlyApi> | null = null;

export function loadPlotly(): Promise<PlotlyApi> {
  loading ??= import("plotly.js-cartesian-dist-min").then((module) => {
    // The bundle is UMD: bundlers hand it over as the default export of the namespace.
    const api = (module as unknown as { default?: PlotlyApi }).default ?? module;
    return api;
  });
  return loading;
}

/** plotly, if a figure has already loaded it (for clean-up without loading it). */
export async function loadedPlotly(): Promise<PlotlyApi | null> {
  return loading === null ? null : loading;
}
