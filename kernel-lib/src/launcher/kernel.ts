/**
 * Starts tslab's kernel in this process with the launcher's configuration (typescript-seam.ts),
 * d2l-ts loaded while the kernel waits for its first cell, and, when tracing, timestamps of its
 * phases: TypeScript loaded, converter (type-checker) set up, sockets bound, and each cell's
 * compile (type-check + emit) and run.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as TS from "@tslab/typescript-for-tslab";
import type * as Converter from "tslab/dist/converter";
import type * as Executor from "tslab/dist/executor";
import type * as Jupyter from "tslab/dist/jupyter";
import type * as Main from "tslab/dist/main";
import { declarationCacheUse } from "./declaration-cache";
import type { Trace } from "./trace";
import type { TslabInstall } from "./tslab-install";
import { configuredTypeScript, provideModule, type SeamOptions } from "./typescript-seam";

export interface KernelStart {
  readonly tslab: TslabInstall;
  readonly configPath: string;
  readonly jsKernel: boolean;
  readonly trace: Trace;
  /** tslab's TypeScript and how to configure it; undefined runs tslab exactly as `tslab kernel` does. */
  readonly typescript?: { readonly ts: typeof TS; readonly seam: SeamOptions };
  /** Load d2l-ts from the notebook's folder once the kernel listens (preloadD2l). */
  readonly preload: boolean;
}

/** Wraps tslab's exported factories so that the trace sees each phase (only when tracing). */
function traceTslab(tslab: TslabInstall, trace: Trace): void {
  const converter = require(join(tslab.dist, "converter.js")) as { createConverter: typeof Converter.createConverter };
  const createConverter = converter.createConverter;
  converter.createConverter = (options) => {
    trace.mark("converter start", { browser: Boolean(options?.isBrowser) });
    const made = createConverter(options);
    trace.mark("converter ready", { ...declarationCacheUse });
    const convert = made.convert.bind(made);
    made.convert = (prevDecl, src) => {
      trace.mark("compile start");
      const result = convert(prevDecl, src);
      trace.mark("compile end", { diagnostics: result.diagnostics.length, ...declarationCacheUse });
      return result;
    };
    return made;
  };
  const executor = require(join(tslab.dist, "executor.js")) as { createExecutor: typeof Executor.createExecutor };
  const createExecutor = executor.createExecutor;
  executor.createExecutor = (...args) => {
    const made = createExecutor(...args);
    const execute = made.execute.bind(made);
    made.execute = async (src) => {
      trace.mark("cell start", { source: src.split("\n", 1)[0].slice(0, 60) });
      try {
        return await execute(src);
      } finally {
        trace.mark("cell end");
      }
    };
    return made;
  };
  process.on("exit", () => trace.mark("exit"));
}

/**
 * Runs `then` once tslab's sockets are bound: the kernel then waits for the client (its
 * kernel_info round trips, the notebook opening, the user reading) before the first cell.
 */
function whenListening(tslab: TslabInstall, then: () => void): void {
  const jupyter = require(join(tslab.dist, "jupyter.js")) as { ZmqServer: typeof Jupyter.ZmqServer };
  const init = jupyter.ZmqServer.prototype.init;
  jupyter.ZmqServer.prototype.init = async function (this: Jupyter.ZmqServer) {
    await init.call(this);
    setImmediate(then);
  };
}

/**
 * Loads d2l-ts (TensorFlow.js and all: ~0.15 s of CPU) from the notebook's folder while the kernel
 * waits for its first cell, so that `import * as d2l from "d2l-ts"` finds it loaded. Nothing is
 * run that the import would not run; a folder without d2l-ts, or one whose d2l-ts fails to load,
 * is left to the cell (which then reports the error as usual).
 */
function preloadD2l(cwd: string, trace: Trace): void {
  try {
    createRequire(join(cwd, "__d2l_preload__.js"))("d2l-ts");
    trace.mark("d2l-ts preloaded");
  } catch {
    trace.mark("d2l-ts not preloaded");
  }
}

/** Starts the kernel: tslab's own `startKernel`, after the launcher's configuration. */
export function startKernel(start: KernelStart): void {
  const { tslab, trace, typescript } = start;
  if (typescript) provideModule(tslab.typescriptFile, configuredTypeScript(typescript.ts, typescript.seam));
  require(join(tslab.dist, "converter.js")); // loads TypeScript, from disk unless provided above
  trace.mark("typescript loaded");
  if (trace.enabled) traceTslab(tslab, trace);
  if (trace.enabled || start.preload) {
    const cwd = process.cwd();
    whenListening(tslab, () => {
      trace.mark("sockets bound");
      if (start.preload) preloadD2l(cwd, trace);
    });
  }
  const main = require(join(tslab.dist, "main.js")) as typeof Main;
  trace.mark("tslab loaded");
  main.startKernel({ configPath: start.configPath, jsKernel: start.jsKernel, enableFindLocal: false });
}
