/** Valid payloads for the unit tests, built by hand from the contract's types (and checked by its validator). */
import {
  assertHeatmapPayload,
  assertPlotPayload,
  type HeatmapPayload,
  type PlotAxes,
  type PlotPayload,
  type PlotSeries,
} from "d2l-ts-figure-contract";

import type { ThemeColors } from "./figure-spec";

export const DARK: ThemeColors = {
  dark: true,
  background: "#111111",
  foreground: "#eeeeee",
  grid: "#444444",
  legendBackground: "rgba(0,0,0,0.8)",
  fontFamily: "sans-serif",
};

/** `gridRows × gridCols` panels of `height × width`; cell (i, j) of panel p holds p + i / 10 + j / 100. */
export function heatmap(gridRows: number, gridCols: number, height: number, width: number, extra: Partial<HeatmapPayload> = {}): HeatmapPayload {
  const data = Array.from({ length: gridRows }, (_, r) =>
    Array.from({ length: gridCols }, (_, c) =>
      Array.from({ length: height }, (_, i) => Array.from({ length: width }, (_, j) => r * gridCols + c + i / 10 + j / 100)),
    ),
  );
  const payload: HeatmapPayload = {
    version: 1,
    figsize: [2.5, 2.5],
    gridRows,
    gridCols,
    height,
    width,
    values: { encoding: "array", data },
    xlabels: Array.from({ length: gridCols }, (_, c) => `Keys ${c}`),
    ylabel: "Queries",
    titles: null,
    cmap: { name: "Reds", stops: [[0, "#fff5f0"], [0.5, "#fb6a4a"], [1, "#67000d"]] },
    colorRange: [0, gridRows * gridCols],
    xTickLabels: null,
    yTickLabels: null,
    ...extra,
  };
  assertHeatmapPayload(payload);
  return payload;
}

export function series(extra: Partial<PlotSeries> = {}): PlotSeries {
  return {
    x: [1, 2, 3],
    y: [10, 20, 30],
    label: null,
    color: "#1f77b4",
    line: "solid",
    lineWidth: 1.5,
    marker: null,
    markerSize: 6,
    alpha: 1,
    fmt: "-",
    ...extra,
  };
}

export function axes(extra: Partial<PlotAxes> = {}): PlotAxes {
  return {
    series: [series()],
    xlabel: "x",
    ylabel: "f(x)",
    title: null,
    xlim: null,
    ylim: null,
    xscale: "linear",
    yscale: "linear",
    legend: false,
    ...extra,
  };
}

export function plot(panels: PlotAxes[], gridRows = 1, gridCols = panels.length, extra: Partial<PlotPayload> = {}): PlotPayload {
  const payload: PlotPayload = { version: 1, figsize: [3.5, 2.5], gridRows, gridCols, axes: panels, sharey: false, ...extra };
  assertPlotPayload(payload);
  return payload;
}
