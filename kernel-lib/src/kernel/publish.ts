/**
 * Sends a bundle to whatever runs this code: the tslab kernel, Deno's Jupyter kernel, or plain
 * Node (scripts, tests), where the text summary is printed and the bundle stays with the caller.
 */
import type { MimeBundle } from "../figures/bundle";

export type KernelKind = "tslab" | "deno" | "node";

export interface PublishOptions {
  /** Identifies a display that later publications replace (a live figure). */
  displayId?: string;
  /** Replace the display `displayId` (`update_display_data`) instead of adding an output. */
  update?: boolean;
}

/** Thrown when code runs inside a kernel but cannot reach its display channel. */
export class KernelDisplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelDisplayError";
  }
}

type WriteDisplayData = (
  message: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

/** The part of Deno's `Deno.jupyter` namespace used here: `broadcast` sends one IOPub message. */
interface DenoJupyter {
  broadcast(
    msgType: "display_data" | "update_display_data",
    content: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } },
  ): Promise<void> | void;
}

function denoJupyter(): DenoJupyter | null {
  const deno = (globalThis as { Deno?: { jupyter?: DenoJupyter } }).Deno;
  if (deno === undefined) return null;
  try {
    return deno.jupyter ?? null;
  } catch {
    return null; // `deno run`: the getter throws outside `deno jupyter`; figures print as in Node
  }
}

/** Where display output goes from here. */
export function detectKernel(): KernelKind {
  if (denoJupyter() !== null) return "deno";
  if ((globalThis as { __tslab__?: unknown }).__tslab__ !== undefined) return "tslab";
  return "node";
}

/**
 * tslab's own writer of the running cell. tslab's public `display` sends one MIME type per
 * message; the module behind it, `tslab/dist/jupyter.js` as loaded by the kernel, exports the
 * writer of whole `display_data` / `update_display_data` messages.
 */
function tslabWriter(): WriteDisplayData {
  const cache = typeof require === "function" ? require.cache : undefined;
  if (cache === undefined) throw new KernelDisplayError("tslab: the CommonJS module cache is not available, so the kernel's display writer cannot be found");
  const keys = Object.keys(cache).filter((k) => k.replace(/\\/g, "/").endsWith("tslab/dist/jupyter.js"));
  for (const key of keys) {
    const writer = (cache[key]?.exports as { lastWriteDisplayData?: WriteDisplayData | null } | undefined)?.lastWriteDisplayData;
    if (typeof writer === "function") return writer;
  }
  throw new KernelDisplayError(
    keys.length === 0
      ? "tslab: running in the tslab kernel but its module tslab/dist/jupyter.js is not loaded; cannot display the figure"
      : "tslab: the kernel has not executed a cell yet (no display writer); cannot display the figure",
  );
}

export type NodeDisplayHandler = (bundle: MimeBundle, options: PublishOptions) => void;

/** Plain Node prints a new display's text summary; updates of a live display stay quiet. */
const printSummary: NodeDisplayHandler = (bundle, options) => {
  if (options.update === true) return;
  const summary = bundle.data["text/plain"];
  if (typeof summary === "string") console.log(summary);
};

let nodeHandler: NodeDisplayHandler = printSummary;

/** Replaces what plain Node does with a bundle (tests capture bundles this way); returns the
 * previous handler. `null` restores printing the summary. */
export function setNodeDisplayHandler(handler: NodeDisplayHandler | null): NodeDisplayHandler {
  const previous = nodeHandler;
  nodeHandler = handler ?? printSummary;
  return previous;
}

/** Deno displays not yet handed to the kernel (see `displaysSettled`). */
const pendingDisplays = new Set<Promise<void>>();

/**
 * Resolves once every display sent so far has reached the kernel. Deno 2.9 queues a display
 * synchronously (nothing to wait for); Deno versions whose `Deno.jupyter.broadcast` returns a
 * promise may report a cell finished (status idle) before a display the cell did not await, and
 * front ends then drop it. Awaiting this (or the promise `showHeatmaps`/`plot` return there)
 * keeps the output with its cell. In tslab and Node it resolves at once.
 */
export async function displaysSettled(): Promise<void> {
  while (pendingDisplays.size > 0) await Promise.all([...pendingDisplays]);
}

/**
 * Publishes `bundle` as one `display_data` (or `update_display_data`) message. In tslab, Node
 * and Deno 2.9 the message is out (queued with the running cell) on return, and nothing is
 * returned, so a figure call that ends a cell shows no value. Where Deno's broadcast is
 * asynchronous it returns the promise of the send (rejections are reported on stderr as a
 * `KernelDisplayError`, never swallowed).
 */
export function publishDisplay(bundle: MimeBundle, options: PublishOptions = {}): Promise<void> | undefined {
  const update = options.update === true;
  if (update && options.displayId === undefined) {
    throw new KernelDisplayError("publishDisplay: an update needs the displayId of the display it replaces");
  }
  const transient = options.displayId === undefined ? {} : { display_id: options.displayId };
  switch (detectKernel()) {
    case "tslab": {
      tslabWriter()({ data: bundle.data, metadata: bundle.metadata, transient }, update);
      return undefined;
    }
    case "deno": {
      // broadcast, not Deno.jupyter.display: display awaits a formatting step first, so a call
      // the cell does not await queues its message only after the cell has finished, and Deno
      // then often sends the cell's idle status first (front ends drop the figure). Deno 2.9's
      // broadcast queues the message before it returns, while the cell still runs.
      const jupyter = denoJupyter() as DenoJupyter;
      if (typeof jupyter.broadcast !== "function") {
        throw new KernelDisplayError("Deno: Deno.jupyter.broadcast is missing (Deno 1.37 or later is needed); cannot display the figure");
      }
      const queued = jupyter.broadcast(update ? "update_display_data" : "display_data", { data: bundle.data, metadata: bundle.metadata, transient });
      if (queued === undefined) return undefined;
      const sent = Promise.resolve(queued).catch((e: unknown) => {
        console.error(new KernelDisplayError(`Deno.jupyter.broadcast failed: ${String(e)}`));
      });
      pendingDisplays.add(sent);
      void sent.finally(() => pendingDisplays.delete(sent));
      return sent;
    }
    case "node":
      nodeHandler(bundle, options);
      return undefined;
  }
}
