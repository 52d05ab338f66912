/**
 * Plot payload → plotly figure, drawn like the book's `plot` (section 2.4) and `ProgressBoard`
 * (section 3.2): a grid of panels with lines or points in the style of each format string,
 * a grid, a legend per panel, fixed limits and log axes where asked. NaN breaks a line (as in
 * matplotlib); a point with an infinite coordinate breaks it too and is marked by a triangle on
 * the panel's edge, pointing the way it went. Pure: no DOM, no plotly.
 */
import {
  NON_FINITE_LABELS,
  fromWireNumber,
  nonFiniteToken,
  type LineStyle,
  type MarkerSymbol,
  type PlotAxes,
  type PlotPayload,
  type PlotSeries,
  type WireNumber,
} from "d2l-ts-figure-contract";
import type * as Plotly from "plotly.js";

import {
  axisIds,
  type FigureLayout,
  type FigureSpec,
  gridDomains,
  figurePixels,
  panelTitle,
  PIXELS_PER_POINT,
  PLOTLY_CONFIG,
  plotlyText,
  type ThemeColors,
  themedAxis,
  type Trace,
  themedLayout,
} from "./figure-spec";


const DASH: Record<LineStyle, Plotly.Dash> = {
  solid: "solid",
  dashed: "dash",
  dashdot: "dashdot",
  dotted: "dot",
};

/** matplotlib marker → plotly symbol; `x` and `+` are thin strokes in both. */
const SYMBOL: Record<MarkerSymbol, string> = {
  circle: "circle",
  point: "circle",
  square: "square",
  "triangle-up": "triangle-up",
  "triangle-down": "triangle-down",
  x: "x-thin-open",
  plus: "cross-thin-open",
  star: "star",
  diamond: "diamond",
};

export function plotFigure(payload: PlotPayload, theme: ThemeColors): FigureSpec {
  const { gridRows, gridCols } = payload;
  const domains = gridDomains(gridRows, gridCols, { gapX: payload.sharey ? 0.04 : 0.1, gapY: 0.16 });
  const data: Trace[] = [];
  const annotations: Array<Partial<Plotly.Annotations>> = [];
  const layout: FigureLayout = {
    ...themedLayout(theme),
    margin: { l: 55, r: 10, t: payload.axes.some((a) => a.title) ? 28 : 10, b: 40 },
    annotations,
    dragmode: "zoom",
  };

  payload.axes.forEach((axes, k) => {
    const row = Math.floor(k / gridCols);
    const col = k % gridCols;
    const ids = axisIds(k);
    const legendId = k === 0 ? "legend" : `legend${k + 1}`;
    for (const series of axes.series) {
      data.push(seriesTrace(series, ids, legendId, axes.legend));
      annotations.push(...clippedMarks(series, ids, axes));
    }
    if (axes.legend && axes.series.some((s) => s.label !== null)) {
      layout.showlegend = true;
      // Inside the panel's upper right corner, like matplotlib's legend.
      layout[legendId] = {
        x: domains[k].x[1],
        y: domains[k].y[1],
        xanchor: "right",
        yanchor: "top",
        xref: "paper",
        yref: "paper",
        bgcolor: theme.legendBackground,
        bordercolor: theme.grid,
        borderwidth: 1,
        font: { color: theme.foreground, size: 11 },
      };
    }
    layout[ids.xKey] = {
      ...themedAxis(theme),
      ...axisRange(axes.xlim, axes.xscale),
      domain: domains[k].x,
      anchor: ids.y as Plotly.AxisName,
      title: { text: axes.xlabel === null ? "" : plotlyText(axes.xlabel) },
    } satisfies Partial<Plotly.LayoutAxis>;
    const shareWith = payload.sharey && col > 0 ? axisIds(row * gridCols).y : null;
    layout[ids.yKey] = {
      ...themedAxis(theme),
      ...axisRange(axes.ylim, axes.yscale),
      domain: domains[k].y,
      anchor: ids.x as Plotly.AxisName,
      title: { text: axes.ylabel === null ? "" : plotlyText(axes.ylabel) },
      ...(shareWith === null ? {} : { matches: shareWith as Plotly.AxisName, showticklabels: false }),
    } satisfies Partial<Plotly.LayoutAxis>;
    if (axes.title !== null && axes.title !== "") {
      annotations.push(panelTitle(axes.title, domains[k], theme));
    }
  });

  return { data, layout, config: PLOTLY_CONFIG, ...figurePixels(payload.figsize), note: payload.note ?? null };
}

/** A coordinate for plotly: finite numbers as they are, anything else null (a gap in the line). */
function plotlyNumber(w: WireNumber): number | null {
  const v = fromWireNumber(w);
  return Number.isFinite(v) ? v : null;
}

/** A data coordinate of an annotation: plotly places annotations on log axes by log10. */
function annotationCoordinate(v: number, scale: PlotAxes["xscale"]): number {
  return scale === "log" ? Math.log10(v) : v;
}

/**
 * Triangles on the panel's edge for the points whose one coordinate is infinite (the other
 * drawable): `+Infinity` in y on the top edge pointing up, `-Infinity` on the bottom edge, and
 * likewise on the right and left edges for x. Hovering one names the point.
 */
function clippedMarks(series: PlotSeries, ids: { x: string; y: string }, axes: PlotAxes): Array<Partial<Plotly.Annotations>> {
  const drawable = (v: number, scale: PlotAxes["xscale"]) => Number.isFinite(v) && (scale === "linear" || v > 0);
  const marks: Array<Partial<Plotly.Annotations>> = [];
  series.x.forEach((wx, k) => {
    const [x, y] = [fromWireNumber(wx), fromWireNumber(series.y[k])];
    const yToken = nonFiniteToken(y);
    const xToken = nonFiniteToken(x);
    const name = series.label === null ? "" : `${plotlyText(series.label)}: `;
    const common = { showarrow: false, font: { color: series.color, size: 11 }, opacity: series.alpha };
    if (yToken !== null && yToken !== "NaN" && drawable(x, axes.xscale)) {
      const up = y > 0;
      marks.push({
        ...common,
        text: up ? "▲" : "▼",
        x: annotationCoordinate(x, axes.xscale),
        xref: ids.x as Plotly.XAxisName,
        y: up ? 1 : 0,
        yref: `${ids.y} domain` as Plotly.YAxisName,
        yanchor: up ? "top" : "bottom",
        hovertext: `${name}x = ${x}, y = ${NON_FINITE_LABELS[yToken]}`,
      });
    } else if (xToken !== null && xToken !== "NaN" && drawable(y, axes.yscale)) {
      const right = x > 0;
      marks.push({
        ...common,
        text: right ? "▶" : "◀",
        x: right ? 1 : 0,
        xref: `${ids.x} domain` as Plotly.XAxisName,
        xanchor: right ? "right" : "left",
        y: annotationCoordinate(y, axes.yscale),
        yref: ids.y as Plotly.YAxisName,
        hovertext: `${name}x = ${NON_FINITE_LABELS[xToken]}, y = ${y}`,
      });
    }
  });
  return marks;
}

function seriesTrace(
  series: PlotSeries,
  ids: { x: string; y: string },
  legendId: string,
  legend: boolean,
): Trace {
  const mode: Plotly.PlotData["mode"] =
    series.line !== null
      ? series.marker !== null
        ? "lines+markers"
        : "lines"
      : series.marker !== null
        ? "markers"
        : "none";
  const trace: Trace = {
    type: "scatter",
    x: series.x.map(plotlyNumber),
    y: series.y.map(plotlyNumber),
    // Gaps stay gaps: NaN (and infinities) break the line, as in matplotlib.
    connectgaps: false,
    xaxis: ids.x,
    yaxis: ids.y,
    mode,
    name: series.label === null ? "" : plotlyText(series.label),
    showlegend: legend && series.label !== null,
    legend: legendId,
    opacity: series.alpha,
  };
  if (series.line !== null) {
    trace.line = { color: series.color, dash: DASH[series.line], width: series.lineWidth * PIXELS_PER_POINT };
  }
  if (series.marker !== null) {
    const thin = series.marker === "x" || series.marker === "plus";
    const scale = series.marker === "point" ? 0.5 : 1; // matplotlib draws '.' at half size
    trace.marker = {
      color: series.color,
      symbol: SYMBOL[series.marker],
      size: series.markerSize * PIXELS_PER_POINT * scale,
      ...(thin ? { line: { color: series.color, width: 1.5 } } : {}),
    };
  }
  return trace;
}

/** Fixed limits, if any; plotly's log axes take their range in powers of ten. */
function axisRange(lim: [number, number] | null, scale: PlotAxes["xscale"]): Partial<Plotly.LayoutAxis> {
  const type = scale === "log" ? "log" : "linear";
  if (lim === null) return { type, autorange: true };
  const range = scale === "log" ? [Math.log10(lim[0]), Math.log10(lim[1])] : [lim[0], lim[1]];
  return { type, autorange: false, range };
}
