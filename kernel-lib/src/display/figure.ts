/**
 * A figure ready to show: its payload and the bundle Jupyter receives. Deno's kernel displays a
 * figure that is a cell's last expression through `[Symbol.for("Jupyter.display")]`; tslab and
 * Node print it as its one-line summary.
 */
import type { HeatmapPayload, PlotPayload } from "d2l-ts-figure-contract";
import type { MimeBundle } from "../figures";
import { publishDisplay, type PublishOptions } from "../kernel";

export class Figure<P extends HeatmapPayload | PlotPayload = HeatmapPayload | PlotPayload> {
  constructor(
    readonly payload: P,
    readonly bundle: MimeBundle,
  ) {}

  /** The `text/plain` summary. */
  toString(): string {
    return String(this.bundle.data["text/plain"]);
  }

  /** The `image/svg+xml` fallback. */
  get svg(): string {
    return String(this.bundle.data["image/svg+xml"]);
  }

  /** Sends the figure as one `display_data` message (or prints its summary in plain Node).
   * In Deno it returns the promise of the send: `await` it so the output stays with its cell. */
  display(options: PublishOptions = {}): Promise<void> | undefined {
    return publishDisplay(this.bundle, options);
  }

  /** Deno's Jupyter kernel: the bundle to show when this object ends a cell. */
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return this.bundle.data;
  }

  /** Node's `util.inspect` (tslab prints a cell's last value with it): the summary. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
