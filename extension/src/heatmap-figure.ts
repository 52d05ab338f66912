/**
 * Heatmap payload → plotly figure, drawn like the book's `show_heatmaps` (section 11.1): a grid
 * of `imshow` panels (square cells, query 0 at the top) with one shared colour scale and one
 * colour bar, x labels under the bottom row, the y label beside the first column, a title over
 * each panel. Hovering a cell tells its query, key and weight. Cells that are not finite are
 * gaps in the colours, hatched by an overlay, and hover as `NaN`, `+Infinity` or `-Infinity`.
 * Pure: no DOM, no plotly.
 */
import { NON_FINITE_LABELS, nonFiniteToken, type HeatmapPayload } from "d2l-ts-figure-contract";
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
import { panelMatrices, type PanelMatrices } from "./heatmap-values";

/** Part of the figure's width kept for the colour bar. */
const COLORBAR_SPACE = 0.1;

export function heatmapFigure(payload: HeatmapPayload, theme: ThemeColors): FigureSpec {
  const { gridRows, gridCols, height, width } = payload;
  const panels = panelMatrices(payload);
  const domains = gridDomains(gridRows, gridCols, { gapX: 0.04, gapY: 0.08, right: COLORBAR_SPACE });
  const anyMissing = panels.some((m) => m.some((row) => row.some((v) => !Number.isFinite(v))));
  const anyFinite = panels.some((m) => m.some((row) => row.some(Number.isFinite)));
  const labels = cellLabels(payload);
  const data: Trace[] = [];
  const layout: FigureLayout = {
    ...themedLayout(theme),
    coloraxis: {
      colorscale: payload.cmap.stops,
      cmin: payload.colorRange[0],
      cmax: payload.colorRange[1],
      // Without a finite value the range is a placeholder: no colour bar (the note says why).
      showscale: anyFinite,
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
      // plotly leaves null cells uncoloured (a gap); NaN or Infinity would break its colour scale.
      z: anyMissing ? matrix.map((r) => r.map((v) => (Number.isFinite(v) ? v : null))) : matrix,
      xaxis: ids.x,
      yaxis: ids.y,
      coloraxis: "coloraxis",
      name: title === null ? `panel ${row},${col}` : plotlyText(title),
      ...hoverOf(labels, anyMissing ? matrix : null),
      xgap: 0,
      ygap: 0,
    };
    data.push(trace);
    const missing = missingCells(matrix, ids, theme);
    if (missing !== null) data.push(missing);

    const xAxis: Partial<Plotly.LayoutAxis> = {
      ...cellAxis(theme, domains[k].x, ids.y),
      range: [-0.5, width - 0.5],
      ...(anyFinite ? {} : integerTicks(width)),
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
      ...(anyFinite ? {} : integerTicks(height)),
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

  return { data, layout, config: PLOTLY_CONFIG, ...figurePixels(payload.figsize), note: payload.note ?? null };
}

/**
 * Ticks on whole cells (0, 1, 2, … or every 2nd, 5th, 10th, …). plotly finds them itself from a
 * heatmap's data, but a grid without a single finite value gives it none and it would tick at
 * half cells.
 */
function integerTicks(n: number): Partial<Plotly.LayoutAxis> {
  const rough = Math.max(1, n / 6);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return { tickmode: "linear", tick0: 0, dtick: step };
}

function tickLabels(labels: string[] | null): Partial<Plotly.LayoutAxis> {
  if (labels === null) return {};
  return { tickmode: "array", tickvals: labels.map((_, k) => k), ticktext: labels.map(plotlyText) };
}

/**
 * Per-cell hover lines naming the query and key labels, when the payload has tick labels;
 * null when the axes are plain indices (the hover template then shows the indices).
 */
function cellLabels(payload: HeatmapPayload): string[][] | null {
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

/** A value as plotly's `%{z:.4~g}` shows it: 4 significant digits, trailing zeros dropped. */
export function fourDigits(v: number): string {
  const [mantissa, exponent] = v.toPrecision(4).split("e");
  const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  return exponent === undefined ? trimmed : `${trimmed}e${exponent}`;
}

/**
 * The hover of a panel. With non-finite cells (`matrix` given), plotly's `%{z}` has nothing to
 * show for a gap, so every cell gets its whole hover text, the value spelled `NaN`, `+Infinity`
 * or `-Infinity` where it is not finite.
 */
function hoverOf(labels: string[][] | null, matrix: PanelMatrices[number] | null): Partial<Trace> {
  if (matrix === null) {
    return labels
      ? { text: labels, hovertemplate: "%{text}<br>weight %{z:.4~g}<extra></extra>" }
      : { hovertemplate: "query %{y}<br>key %{x}<br>weight %{z:.4~g}<extra></extra>" };
  }
  const text = matrix.map((row, i) =>
    row.map((v, j) => {
      const token = nonFiniteToken(v);
      const where = labels ? labels[i][j] : `query ${i}<br>key ${j}`;
      return `${where}<br>weight ${token === null ? fourDigits(v) : NON_FINITE_LABELS[token]}`;
    }),
  );
  return { text, hovertemplate: "%{text}<extra></extra>", hoverongaps: true };
}

/** The "missing" style of non-finite cells, as in the SVG fallback: grey hatching, unlike any
 * colour of a colour map. */
function missingStyle(theme: ThemeColors): { background: string; hatch: string } {
  return theme.dark ? { background: "#3a3a3a", hatch: "#9e9e9e" } : { background: "#e0e0e0", hatch: "#808080" };
}

/**
 * A filled, hatched scatter trace over the non-finite cells of a panel (one rectangle per run of
 * such cells in a row; plotly fills each null-separated segment on its own), or null when every
 * cell is finite. It takes no hover, so the heatmap's hover shows through.
 */
function missingCells(matrix: number[][], ids: { x: string; y: string }, theme: ThemeColors): Trace | null {
  const x: Array<number | null> = [];
  const y: Array<number | null> = [];
  matrix.forEach((row, i) => {
    for (let j = 0; j < row.length; j++) {
      if (Number.isFinite(row[j])) continue;
      const start = j;
      while (j + 1 < row.length && !Number.isFinite(row[j + 1])) j++;
      const [left, right, top, bottom] = [start - 0.5, j + 0.5, i - 0.5, i + 0.5];
      x.push(left, right, right, left, left, null);
      y.push(top, top, bottom, bottom, top, null);
    }
  });
  if (x.length === 0) return null;
  const style = missingStyle(theme);
  return {
    type: "scatter",
    mode: "lines",
    x,
    y,
    xaxis: ids.x,
    yaxis: ids.y,
    fill: "toself",
    fillcolor: style.background,
    fillpattern: { shape: "/", fgcolor: style.hatch, bgcolor: style.background, size: 6, solidity: 0.25 },
    line: { width: 0 },
    hoverinfo: "skip",
    showlegend: false,
    name: "not finite",
  } as Trace;
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
