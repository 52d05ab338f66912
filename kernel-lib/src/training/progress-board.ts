/**
 * Section 3.2's `ProgressBoard`: records points per label, averaging every `everyN` of them,
 * and (when `display` is on) shows the averaged curves as one live figure.
 */
import { plotBundle, plotPayload, parseColor, parseLineStyle, type MimeBundle } from "../figures";
import { publishDisplay } from "../kernel";
import { D2lArgumentError } from "../ops/check";

/** Display ids count up per process, so re-running a notebook gives the same ids. */
let nextBoardId = 0;

export interface Point {
  x: number;
  y: number;
}

export type Scale = "linear" | "log";

export interface ProgressBoardOptions {
  xlabel?: string | null;
  ylabel?: string | null;
  xlim?: [number, number] | null;
  ylim?: [number, number] | null;
  xscale?: Scale;
  yscale?: Scale;
  /** Line styles of the first, second, … label (the book's `['-', '--', '-.', ':']`). */
  ls?: string[];
  /** Colours of the first, second, … label (the book's `['C0', 'C1', 'C2', 'C3']`). */
  colors?: string[];
  figsize?: [number, number];
  /** Draw the figure on every averaged point (the book's default); false only records. */
  display?: boolean;
}

/** Section 3.2: a board that plots data points in animation (the book's `d2l.ProgressBoard`). */
export class ProgressBoard {
  xlabel: string | null;
  ylabel: string | null;
  xlim: [number, number] | null;
  ylim: [number, number] | null;
  xscale: Scale;
  yscale: Scale;
  ls: string[];
  colors: string[];
  figsize: [number, number];
  display: boolean;
  /** Points drawn since the last average, per label (the book's `raw_points`). */
  readonly rawPoints = new Map<string, Point[]>();
  /** The averaged points, per label in order of first use (the book's `data`). */
  readonly data = new Map<string, Point[]>();

  constructor(options: ProgressBoardOptions = {}) {
    this.xlabel = options.xlabel ?? null;
    this.ylabel = options.ylabel ?? null;
    this.xlim = options.xlim ?? null;
    this.ylim = options.ylim ?? null;
    this.xscale = options.xscale ?? "linear";
    this.yscale = options.yscale ?? "linear";
    this.ls = options.ls ?? ["-", "--", "-.", ":"];
    this.colors = options.colors ?? ["C0", "C1", "C2", "C3"];
    this.figsize = options.figsize ?? [3.5, 2.5];
    this.display = options.display ?? true;
  }

  /**
   * Section 3.2: adds `(x, y)` to `label`'s pending points; once `everyN` are pending, their
   * mean becomes one point of the curve (and the figure is redrawn when `display` is on).
   */
  draw(x: number, y: number, label: string, everyN = 1): void {
    if (typeof x !== "number") throw new D2lArgumentError(`ProgressBoard.draw: x must be a number; got ${typeof x}`);
    if (typeof y !== "number") throw new D2lArgumentError(`ProgressBoard.draw: y must be a number; got ${typeof y}`);
    if (typeof label !== "string") {
      throw new D2lArgumentError(`ProgressBoard.draw: label must be a string; got ${typeof label}`);
    }
    if (!Number.isInteger(everyN) || everyN < 1) {
      throw new D2lArgumentError(`ProgressBoard.draw: everyN must be a positive integer; got ${everyN}`);
    }
    let points = this.rawPoints.get(label);
    let line = this.data.get(label);
    if (points === undefined || line === undefined) {
      points = [];
      line = [];
      this.rawPoints.set(label, points);
      this.data.set(label, line);
    }
    points.push({ x, y });
    if (points.length !== everyN) return;
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    line.push({ x: mean(points.map((p) => p.x)), y: mean(points.map((p) => p.y)) });
    points.length = 0;
    if (!this.display || this.held) return;
    this.render();
  }

  /** The bundle last shown (or, in plain Node, last built), or null before the first draw. */
  lastBundle: MimeBundle | null = null;
  private displayId: string | null = null;

  /** A note shown with the curves (e.g. set by `Trainer.fit` when training stopped on an error), or null. */
  note: string | null = null;

  /** Sets `note` and redraws the figure in place if it is already shown. */
  annotate(note: string | null): void {
    this.note = note;
    if (this.display && !this.held && this.displayId !== null) this.render();
  }

  /** Whether draws only record for now (see `holdDisplay`). */
  private held = false;

  /**
   * Draws and notes only record until `releaseDisplay()`. Where nobody sees a figure update in
   * place (plain Node prints a figure's summary once, when it is first shown), `Trainer.fit`
   * holds its model's board while it prints one line per epoch, so the board is not summarised
   * at its first point but once, complete, when training ends.
   */
  holdDisplay(): void {
    this.held = true;
  }

  /**
   * Ends `holdDisplay()`: when `display` is on and the board has points, shows it as it is now,
   * as a new output (the updates it held were never shown).
   */
  releaseDisplay(): void {
    if (!this.held) return;
    this.held = false;
    if (!this.display || this.data.size === 0) return;
    this.displayId = null;
    this.render();
  }

  /**
   * The curves as a plot bundle: one line per label, in order of first use, with the board's
   * line styles and colours (labels beyond them are not drawn, as in the book). Every point
   * travels, as `plot` draws it: NaN breaks the line (a loss that went NaN shows as the curve
   * ending there), ±Infinity is marked at the panel's edge, and a non-positive value on a log
   * axis breaks the line; the text summary counts the points that are not finite.
   */
  bundle(): MimeBundle {
    const labels = [...this.data.keys()].slice(0, Math.min(this.ls.length, this.colors.length));
    const series = labels.map((label, k) => {
      const line = parseLineStyle(this.ls[k]);
      if (line === null) throw new D2lArgumentError(`ProgressBoard: ls[${k}] must be one of - -- -. :; got ${JSON.stringify(this.ls[k])}`);
      const color = parseColor(this.colors[k]);
      if (color === null) throw new D2lArgumentError(`ProgressBoard: colors[${k}] must be a colour such as C0 or #1f77b4; got ${JSON.stringify(this.colors[k])}`);
      const points = this.data.get(label) ?? [];
      return { x: points.map((p) => p.x), y: points.map((p) => p.y), label, color, line, marker: null };
    });
    const payload = plotPayload({
      figsize: this.figsize,
      ...(this.note === null ? {} : { note: this.note }),
      axes: [{
        series,
        xlabel: this.xlabel,
        ylabel: this.ylabel,
        xlim: this.xlim,
        ylim: this.ylim,
        xscale: this.xscale,
        yscale: this.yscale,
        legend: true,
      }],
    });
    return plotBundle(payload);
  }

  /** Shows the board as one output, replaced in place (`update_display_data`) on every redraw. */
  protected render(): void {
    this.lastBundle = this.bundle();
    const update = this.displayId !== null;
    this.displayId ??= `d2l-ts-progress-board-${nextBoardId++}`;
    publishDisplay(this.lastBundle, { displayId: this.displayId, update });
  }
}
