/**
 * What the translators produce: a plotly figure (traces, layout, config), plus the shared
 * helpers both translators use. Pure: no DOM, no plotly at runtime (types only).
 */
import type * as Plotly from "plotly.js";

/** Colours of the current JupyterLab theme, read from its CSS variables (see theme.ts). */
export interface ThemeColors {
  dark: boolean;
  /** Figure background. */
  background: string;
  /** Text, ticks, axis lines. */
  foreground: string;
  /** Grid lines and panel borders. */
  grid: string;
  /** Background of legends and hover boxes. */
  legendBackground: string;
  fontFamily: string;
}

export const LIGHT_THEME: ThemeColors = {
  dark: false,
  background: "#ffffff",
  foreground: "#212121",
  grid: "#e0e0e0",
  legendBackground: "rgba(255,255,255,0.8)",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif",
};

/** Layout keys beyond the first nine axes and the extra legends that plotly accepts. */
export type FigureLayout = Partial<Plotly.Layout> & Record<string, unknown>;

/** A trace; plotly accepts a few keys its type definitions lack (2-D hover text, shared colour axis, per-panel legends). */
export type Trace = Omit<Partial<Plotly.PlotData>, "text"> & {
  text?: string | string[] | string[][];
  coloraxis?: string;
  legend?: string;
};

export interface FigureSpec {
  data: Trace[];
  layout: FigureLayout;
  config: Partial<Plotly.Config>;
  /** The natural size in pixels (figsize × PIXELS_PER_INCH); the renderer fits it to the panel. */
  width: number;
  height: number;
  /** The payload's note (version 2), shown as text under the figure; null for none. */
  note: string | null;
}

/** matplotlib's default dpi: the book's figsize in inches times this gives pixels. */
export const PIXELS_PER_INCH = 100;
/** matplotlib sizes lines and markers in points (1/72 inch). */
export const PIXELS_PER_POINT = PIXELS_PER_INCH / 72;

/**
 * Plotly reads a small HTML-like markup in every text it draws (`<b>`, `<br>`, `<a href>`).
 * Labels and titles come from user data, so their markup characters are escaped: they show
 * as typed and never become markup.
 */
export function plotlyText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Axis ids of panel `k` (0-based, row by row): `x`, `x2`, … and the layout keys `xaxis`, `xaxis2`, …. */
export function axisIds(k: number): { x: string; y: string; xKey: string; yKey: string } {
  const n = k === 0 ? "" : String(k + 1);
  return { x: `x${n}`, y: `y${n}`, xKey: `xaxis${n}`, yKey: `yaxis${n}` };
}

/** One panel's rectangle in paper coordinates (0…1, y upwards). */
export interface PanelDomain {
  x: [number, number];
  y: [number, number];
}

/**
 * Domains of a `rows × cols` grid of panels, row 0 at the top, leaving `gapX` / `gapY`
 * (fractions of the figure) between neighbours and `right` free for a colour bar.
 */
export function gridDomains(
  rows: number,
  cols: number,
  gaps: { gapX: number; gapY: number; right?: number },
): PanelDomain[] {
  const usableWidth = 1 - (gaps.right ?? 0);
  const panelWidth = (usableWidth - gaps.gapX * (cols - 1)) / cols;
  const panelHeight = (1 - gaps.gapY * (rows - 1)) / rows;
  const domains: PanelDomain[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x0 = c * (panelWidth + gaps.gapX);
      const y1 = 1 - r * (panelHeight + gaps.gapY);
      domains.push({ x: [round(x0), round(x0 + panelWidth)], y: [round(y1 - panelHeight), round(y1)] });
    }
  }
  return domains;
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** Axis styling shared by both figure kinds, in the theme's colours. */
export function themedAxis(theme: ThemeColors): Partial<Plotly.LayoutAxis> {
  return {
    color: theme.foreground,
    gridcolor: theme.grid,
    linecolor: theme.foreground,
    zerolinecolor: theme.grid,
    showline: true,
    mirror: true,
    ticks: "outside",
    automargin: true,
  };
}

/** Figure-wide layout in the theme's colours. */
export function themedLayout(theme: ThemeColors): FigureLayout {
  return {
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    font: { color: theme.foreground, family: theme.fontFamily, size: 12 },
    hoverlabel: { bgcolor: theme.legendBackground, font: { color: theme.foreground } },
    showlegend: false,
  };
}

/** A panel's title, centred above its domain, as an annotation in paper coordinates. */
export function panelTitle(
  title: string,
  domain: PanelDomain,
  theme: ThemeColors,
): Partial<Plotly.Annotations> {
  return {
    text: plotlyText(title),
    showarrow: false,
    xref: "paper",
    yref: "paper",
    x: (domain.x[0] + domain.x[1]) / 2,
    y: domain.y[1],
    xanchor: "center",
    yanchor: "bottom",
    font: { color: theme.foreground, size: 12 },
  };
}

/** Narrowest figure drawn, in pixels: the book's 2.5-inch default is too small to hover comfortably. */
const MIN_WIDTH = 320;

/** The figure's natural size in pixels from the book's `figsize` in inches, aspect kept. */
export function figurePixels(figsize: readonly [number, number]): { width: number; height: number } {
  const width = Math.max(MIN_WIDTH, figsize[0] * PIXELS_PER_INCH);
  return { width, height: width * (figsize[1] / figsize[0]) };
}

/** Plotly options: no logo and no links to plotly's cloud; the mode bar has zoom, pan and reset. */
export const PLOTLY_CONFIG: Partial<Plotly.Config> = {
  displaylogo: false,
  responsive: false,
  showTips: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d"],
};
