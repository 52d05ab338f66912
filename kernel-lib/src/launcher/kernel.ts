/**
 * Starts tslab's kernel in this process with the launcher's configuration (typescript-seam.ts)
 * and, when tracing, timestamps of its phases: TypeScript loaded, converter (type-checker) set
 * up, sockets bound, and each cell's compile (type-check + emit) and run.
 */
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
  const jupyter = require(join(tslab.dist, "jupyter.js")) as { ZmqServer: typeof Jupyter.ZmqServer };
  const init = jupyter.ZmqServer.prototype.init;
  jupyter.ZmqServer.prototype.init = async function (this: Jupyter.ZmqServer) {
    await init.call(this);
    trace.mark("sockets bound");
  };
  process.on("exit", () => trace.mark("exit"));
}

/** Starts the kernel: tslab's own `startKernel`, after the launcher's configuration. */
export function startKernel(start: KernelStart): void {
  const { tslab, trace, typescript } = start;
  if (typescript) provideModule(tslab.typescriptFile, configuredTypeScript(typescript.ts, typescript.seam));
  require(join(tslab.dist, "converter.js")); // loads TypeScript, from disk unless provided above
  trace.mark("typescript loaded");
  if (trace.enabled) traceTslab(tslab, trace);
  const main = require(join(tslab.dist, "main.js")) as typeof Main;
  trace.mark("tslab loaded");
  main.startKernel({ configPath: start.configPath, jsKernel: start.jsKernel, enableFindLocal: false });
}
