/**
 * MIME types of d2l-ts figures and the payload version they carry.
 *
 * A figure reaches Jupyter as ONE `display_data` bundle: one of these JSON types (drawn
 * interactively by the JupyterLab extension), `image/svg+xml` (the static fallback everywhere
 * else) and `text/plain` (a one-line summary).
 */

/** Attention-weight heatmaps (the book's `show_heatmaps`, section 11.1). */
export const HEATMAP_MIME_TYPE = "application/vnd.d2l-ts.heatmap+json";

/** Line and point plots (the book's `plot`, section 2.4, and `ProgressBoard`, section 3.2). */
export const PLOT_MIME_TYPE = "application/vnd.d2l-ts.plot+json";

/** The fallback and summary types that travel with every figure. */
export const SVG_MIME_TYPE = "image/svg+xml";
export const TEXT_MIME_TYPE = "text/plain";

/**
 * The newest payload version of both schemas: this package reads versions 1 to it. A payload's
 * `version` is the lowest version that has everything it uses (README.md, "Versions"); a
 * renderer that meets a newer version than its own falls back to the SVG instead of guessing.
 */
export const FIGURE_CONTRACT_VERSION = 2;

export type FigureMimeType = typeof HEATMAP_MIME_TYPE | typeof PLOT_MIME_TYPE;
