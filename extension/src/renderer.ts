/**
 * The output widget of a d2l-ts figure: validates the payload, draws it with plotly, redraws it
 * in place on `update_display_data` (plotly's `react`: no flicker, no new output), on theme
 * changes and when the panel is resized, and frees plotly's resources on dispose. Anything
 * that cannot be drawn becomes a readable message inside the output, written as text only.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import type * as Plotly from "plotly.js";

import { figureFromData, type FigureOutcome } from "./figure-from-data";
import type { FigureSpec } from "./figure-spec";
import { loadedPlotly, loadPlotly } from "./plotly-loader";
import { onThemeChanged, readThemeColors } from "./theme";

const FIGURE_CLASS = "jp-D2lFigure";
const PLOT_CLASS = "jp-D2lFigure-plot";
const MESSAGE_CLASS = "jp-D2lFigure-message";
const NOTE_CLASS = "jp-D2lFigure-note";
const ERROR_CLASS = "jp-D2lFigure-error";
/** Longest list of validation problems shown; the rest are counted. */
const MAX_PROBLEMS = 12;
/** Name of the User Timing measure of each draw (read by the browser tests and benchmarks). */
export const RENDER_MEASURE = "jupyterlab-d2l-ts:render";

export class RenderedFigure extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private readonly plotNode: HTMLDivElement;
  private readonly messageNode: HTMLDivElement;
  private readonly noteNode: HTMLParagraphElement;
  private model: IRenderMime.IMimeModel | null = null;
  private spec: FigureSpec | null = null;
  private plotted = false;
  private drawing: Promise<void> = Promise.resolve();
  private readonly stopThemeListener: () => void;
  private readonly resizeObserver: ResizeObserver;
  private lastWidth = -1;

  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(FIGURE_CLASS);
    this.plotNode = document.createElement("div");
    this.plotNode.className = PLOT_CLASS;
    this.messageNode = document.createElement("div");
    this.messageNode.className = MESSAGE_CLASS;
    // The payload's note (e.g. "Training stopped …"), as text under the figure.
    this.noteNode = document.createElement("p");
    this.noteNode.className = NOTE_CLASS;
    this.node.append(this.messageNode, this.plotNode, this.noteNode);
    this.stopThemeListener = onThemeChanged(() => void this.redraw());
    this.resizeObserver = new ResizeObserver(() => this.fitToWidth());
    this.resizeObserver.observe(this.node);
  }

  /** Called for the first output and again for every `update_display_data` of it. */
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.model = model;
    return this.redraw();
  }

  /** Draws the current model; draws are queued so a fast series of updates ends on the last one. */
  private redraw(): Promise<void> {
    const started = performance.now();
    this.drawing = this.drawing.then(() => this.draw(started));
    return this.drawing;
  }

  private async draw(started: number): Promise<void> {
    const model = this.model;
    if (model === null || this.isDisposed) return;
    let outcome: FigureOutcome;
    try {
      outcome = figureFromData(this.mimeType, model.data[this.mimeType], readThemeColors(this.node));
    } catch (error) {
      outcome = { kind: "invalid", message: "Cannot draw this d2l-ts figure.", problems: [String(error)] };
    }
    if (outcome.kind !== "figure") {
      await this.clearPlot();
      this.noteNode.textContent = "";
      this.showMessage(outcome, model);
      return;
    }
    this.messageNode.replaceChildren();
    this.noteNode.textContent = outcome.spec.note ?? "";
    this.spec = outcome.spec;
    try {
      const plotly = await loadPlotly();
      if (this.isDisposed) return;
      const size = this.fittedSize(outcome.spec);
      await plotly.react(
        this.plotNode,
        outcome.spec.data as Plotly.Data[],
        { ...outcome.spec.layout, autosize: false, width: size.width, height: size.height },
        outcome.spec.config,
      );
      this.plotted = true;
      this.lastWidth = size.width;
      await nextPaint();
      performance.measure(RENDER_MEASURE, { start: started, detail: { mimeType: this.mimeType } });
    } catch (error) {
      await this.clearPlot();
      this.showMessage({ kind: "invalid", message: "plotly could not draw this d2l-ts figure.", problems: [String(error)] }, model);
    }
  }

  /** The natural size, scaled down (aspect kept) when the output area is narrower. */
  private fittedSize(spec: FigureSpec): { width: number; height: number } {
    const available = this.node.clientWidth;
    const width = available > 0 ? Math.min(spec.width, available) : spec.width;
    return { width: Math.round(width), height: Math.round(spec.height * (width / spec.width)) };
  }

  private fitToWidth(): void {
    if (!this.plotted || this.spec === null || this.isDisposed) return;
    const size = this.fittedSize(this.spec);
    if (size.width === this.lastWidth) return;
    this.lastWidth = size.width;
    void loadedPlotly().then((plotly) => {
      if (plotly !== null && !this.isDisposed && this.plotted) {
        void plotly.relayout(this.plotNode, { width: size.width, height: size.height });
      }
    });
  }

  private async clearPlot(): Promise<void> {
    if (!this.plotted) return;
    const plotly = await loadedPlotly();
    plotly?.purge(this.plotNode);
    this.plotted = false;
    this.spec = null;
  }

  /** A message built from text nodes only: nothing from the data is parsed as HTML. */
  private showMessage(outcome: Exclude<FigureOutcome, { kind: "figure" }>, model: IRenderMime.IMimeModel): void {
    const box = document.createElement("div");
    const title = document.createElement("p");
    title.textContent = outcome.message;
    box.append(title);
    if (outcome.kind === "invalid") {
      box.className = ERROR_CLASS;
      const list = document.createElement("ul");
      for (const problem of outcome.problems.slice(0, MAX_PROBLEMS)) {
        const item = document.createElement("li");
        item.textContent = problem;
        list.append(item);
      }
      if (outcome.problems.length > MAX_PROBLEMS) {
        const more = document.createElement("li");
        more.textContent = `… and ${outcome.problems.length - MAX_PROBLEMS} more`;
        list.append(more);
      }
      box.append(list);
    } else {
      const svg = model.data["image/svg+xml"];
      if (typeof svg === "string") {
        // As an <img>, an SVG is only a picture: its scripts and links do not run.
        const image = document.createElement("img");
        image.alt = "d2l-ts figure (static)";
        image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
        box.append(image);
      }
    }
    this.messageNode.replaceChildren(box);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.stopThemeListener();
    this.resizeObserver.disconnect();
    if (this.plotted) {
      void loadedPlotly().then((plotly) => plotly?.purge(this.plotNode));
      this.plotted = false;
    }
    this.model = null;
    super.dispose();
  }
}

function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}
