/**
 * The one seam where the launcher configures tslab: the TypeScript module tslab loads.
 *
 * tslab 1.0.22 gives TypeScript's `createWatchCompilerHost` fixed options and no way to change
 * them. Before tslab is loaded, the launcher puts into Node's module cache, under the file name of
 * tslab's own TypeScript (`@tslab/typescript-for-tslab`), an object that forwards every export of
 * that very module except `createWatchCompilerHost`, which it wraps to
 * - set `types` (the global @types packages loaded into every cell's program; tslab sets none,
 *   so TypeScript loads every package under every `node_modules/@types` from the notebook's
 *   folder upwards — ~45 in a JupyterLab project); imported packages still find their @types;
 * - hand TypeScript a lighter builder program (light-builder.ts).
 * No file of tslab or TypeScript changes; tslab's version is checked by the caller.
 */
import { Module } from "node:module";
import type * as TS from "@tslab/typescript-for-tslab";
import type { DeclarationCache } from "./declaration-cache";
import { lightBuilderProgram } from "./light-builder";

export interface SeamOptions {
  /** Global @types packages for every cell (tsconfig's `types`); undefined keeps tslab's default (all). */
  readonly types?: readonly string[];
  /** Replace TypeScript's default builder program by light-builder.ts's. */
  readonly lightBuilder: boolean;
  /** Declarations parsed in the start-up snapshot. */
  readonly declarations?: DeclarationCache;
}

/** `ts` with `createWatchCompilerHost` configured by `options`; every other export forwarded. */
export function configuredTypeScript(ts: typeof TS, options: SeamOptions): typeof TS {
  // Values, not getters: tslab reads `ts.…` thousands of times per cell (through its own getters).
  const configured: Record<string, unknown> = {};
  for (const key of Object.keys(ts)) if (key !== "createWatchCompilerHost") configured[key] = ts[key as keyof typeof TS];
  const createProgram = options.lightBuilder ? lightBuilderProgram(ts, options.declarations) : undefined;
  const createWatchCompilerHost = (
    rootFiles: string[],
    compilerOptions: TS.CompilerOptions,
    system: TS.System,
    tslabCreateProgram?: TS.CreateProgram<TS.BuilderProgram>,
    ...rest: [TS.DiagnosticReporter?, TS.WatchStatusReporter?, TS.ProjectReference[]?, TS.WatchOptions?]
  ): TS.WatchCompilerHostOfFilesAndCompilerOptions<TS.BuilderProgram> => {
    const withTypes = options.types && !compilerOptions.types ? { ...compilerOptions, types: [...options.types] } : compilerOptions;
    return ts.createWatchCompilerHost(rootFiles, withTypes, system, tslabCreateProgram ?? createProgram, ...rest);
  };
  Object.defineProperty(configured, "createWatchCompilerHost", { enumerable: true, value: createWatchCompilerHost });
  return configured as typeof TS;
}

/** Makes `require(fileName)` (tslab's `require("@tslab/typescript-for-tslab")`) return `exports`. */
export function provideModule(fileName: string, exports: unknown): void {
  const module = new Module(fileName);
  module.filename = fileName;
  module.loaded = true;
  module.exports = exports;
  require.cache[fileName] = module;
}
