/**
 * Heatmap payload → plotly figure, drawn like the book's `show_heatmaps` (section 11.1): a grid
 * of `imshow` panels (square cells, query 0 at the top) with one shared colour scale and one
 * colour bar, x labels under the bottom row, the y label beside the first column, a title over
 * each panel. Hovering a cell tells its query, key and weight. Pure: no DOM, no plotly.
 */
import type { HeatmapPayload } from "d2l-ts-figure-contract";
import type * as Plotly from "plotly.js";

import {
  axisIds,
  type FigureLayout,
  type FigureSpec,
  gridDomains,
  figurePixels,
  panelTitle,
  PLOTLY_CONFIG,
  plotlyText,
  type ThemeColors,
  themedAxis,
  type Trace,
  themedLayout,
} from "./figure-spec";
import { panelMatrices } from "./heatmap-values";

/** Part of the figure's width kept for the colour bar. */
const COLORBAR_SPACE = 0.1;

export function heatmapFigure(payload: HeatmapPayload, theme: ThemeColors): FigureSpec {
  const { gridRows, gridCols, height, width } = payload;
  const panels = panelMatrices(payload);
  const domains = gridDomains(gridRows, gridCols, { gapX: 0.04, gapY: 0.08, right: COLORBAR_SPACE });
  const hover = hoverText(payload);
  const data: Trace[] = [];
  const layout: FigureLayout = {
    ...themedLayout(theme),
    coloraxis: {
      colorscale: payload.cmap.stops,
      cmin: payload.colorRange[0],
      cmax: payload.colorRange[1],
      colorbar: {
        len: 0.6, // the book's `fig.colorbar(..., shrink=0.6)`
        thickness: 12,
        outlinewidth: 0,
        tickfont: { color: theme.foreground },
        x: 1 - COLORBAR_SPACE / 2,
        xanchor: "left",
      },
    },
    annotations: [],
    margin: { l: 50, r: 10, t: payload.titles ? 28 : 10, b: 40 },
    dragmode: "zoom",
  };

  panels.forEach((matrix, k) => {
    const row = Math.floor(k / gridCols);
    const col = k % gridCols;
    const ids = axisIds(k);
    const title = payload.titles?.[col] ?? null;
    const trace: Trace = {
      type: "heatmap",
      z: matrix,
      xaxis: ids.x,
      yaxis: ids.y,
      coloraxis: "coloraxis",
      name: title === null ? `panel ${row},${col}` : plotlyText(title),
      ...(hover
        ? { text: hover, hovertemplate: "%{text}<br>weight %{z:.4~g}<extra></extra>" }
        : { hovertemplate: "query %{y}<br>key %{x}<br>weight %{z:.4~g}<extra></extra>" }),
      xgap: 0,
      ygap: 0,
    };
    data.push(trace);

    const xAxis: Partial<Plotly.LayoutAxis> = {
      ...cellAxis(theme, domains[k].x, ids.y),
      range: [-0.5, width - 0.5],
      ...tickLabels(payload.xTickLabels),
      // Shared axes, as with matplotlib's sharex: tick labels on the bottom row only.
      showticklabels: row === gridRows - 1,
      title: { text: row === gridRows - 1 ? plotlyText(payload.xlabels[col]) : "" },
    };
    const yAxis: Partial<Plotly.LayoutAxis> = {
      ...cellAxis(theme, domains[k].y, ids.x),
      // imshow: query 0 at the top, square cells.
      range: [height - 0.5, -0.5],
      scaleanchor: ids.x as Plotly.AxisName,
      scaleratio: 1,
      ...tickLabels(payload.yTickLabels),
      showticklabels: col === 0,
      title: { text: col === 0 ? plotlyText(payload.ylabel) : "" },
    };
    if (k > 0) {
      // Panels share both axes: zooming one zooms all, like `sharex=True, sharey=True`.
      xAxis.matches = "x";
      yAxis.matches = "y";
    }
    layout[ids.xKey] = xAxis;
    layout[ids.yKey] = yAxis;
    if (title !== null && title !== "") {
      (layout.annotations as Array<Partial<Plotly.Annotations>>).push(panelTitle(title, domains[k], theme));
    }
  });

  return { data, layout, config: PLOTLY_CONFIG, ...figurePixels(payload.figsize) };
}

function tickLabels(labels: string[] | null): Partial<Plotly.LayoutAxis> {
  if (labels === null) return {};
  return { tickmode: "array", tickvals: labels.map((_, k) => k), ticktext: labels.map(plotlyText) };
}

/**
 * Per-cell hover lines naming the query and key labels, when the payload has tick labels;
 * null when the axes are plain indices (the hover template then shows the indices).
 */
function hoverText(payload: HeatmapPayload): string[][] | null {
  const { xTickLabels, yTickLabels, height, width } = payload;
  if (xTickLabels === null && yTickLabels === null) return null;
  const keys = Array.from({ length: width }, (_, j) =>
    xTickLabels ? `key ${j}: ${plotlyText(xTickLabels[j])}` : `key ${j}`,
  );
  const text: string[][] = [];
  for (let i = 0; i < height; i++) {
    const query = yTickLabels ? `query ${i}: ${plotlyText(yTickLabels[i])}` : `query ${i}`;
    text.push(keys.map((key) => `${query}<br>${key}`));
  }
  return text;
}

/** What both axes of a heatmap panel share: the theme, the panel's domain, no grid, cells kept in the domain. */
function cellAxis(theme: ThemeColors, domain: [number, number], anchor: string): Partial<Plotly.LayoutAxis> {
  return {
    ...themedAxis(theme),
    domain,
    anchor: anchor as Plotly.AxisName,
    showgrid: false,
    zeroline: false,
    constrain: "domain",
  };
}
