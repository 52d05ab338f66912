/**
 * `d2l-tslab`: a launcher for tslab's Jupyter kernel that starts faster and checks each cell with
 * less work, for notebooks that use d2l-ts (docs/benchmarks.md, "Notebook latency"). Register it
 * as the `tslab` kernel with tslab's own installer:
 *
 *     npx tslab install --sys-prefix --binary="$PWD/node_modules/.bin/d2l-tslab"
 *
 * Commands:
 *   d2l-tslab kernel --config-path FILE [--js]   what the kernelspec runs (as `tslab kernel`)
 *   d2l-tslab snapshot [--cwd DIR]               build the start-up snapshot for notebooks in DIR
 *   d2l-tslab snapshot --check [--cwd DIR]       exit status 0 when it is up to date, else 1
 *
 * Like tslab, it lets the notebook's folder decide: when the folder sees another d2l-ts, that
 * one's launcher runs (or, if it has none, tslab unchanged). It runs tslab itself (the first
 * node_modules/tslab from the notebook's folder upwards, else the one beside d2l-ts), unchanged,
 * with four differences:
 * - only the `node` global @types are loaded into every cell's program (D2L_KERNEL_TYPES, a comma
 *   list, or `*` for tslab's default of every @types package in sight);
 * - a lighter builder program (light-builder.ts);
 * - a start-up snapshot with TypeScript loaded and the usual declarations parsed (snapshot.ts;
 *   D2L_KERNEL_SNAPSHOT=0 turns it off, D2L_KERNEL_CACHE moves its folder);
 * - d2l-ts loaded while the kernel waits for its first cell (kernel.ts; D2L_KERNEL_PRELOAD=0: not).
 * D2L_KERNEL_PLAIN=1 runs tslab exactly as `tslab kernel` (for comparison); so does a tslab
 * other than the tested 1.0.22. D2L_KERNEL_TRACE=FILE appends phase timestamps to FILE (trace.ts).
 */
import { resolve } from "node:path";
import type * as TS from "@tslab/typescript-for-tslab";
import { startKernel } from "./kernel";
import { buildSnapshot, buildSnapshotInBackground, followParent, runFromSnapshotInChild, snapshotIsFresh, snapshotPaths } from "./snapshot";
import type { SnapshotState } from "./snapshot-types";
import { createTrace } from "./trace";
import { findTslab, localLauncher, TESTED_TSLAB_VERSION, type TslabInstall } from "./tslab-install";

const USAGE = "usage: d2l-tslab kernel --config-path FILE [--js] | d2l-tslab snapshot [--check] [--cwd DIR]";

/** The global @types packages every cell's program loads (undefined: tslab's default, all). */
export function globalTypes(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const value = env.D2L_KERNEL_TYPES ?? "node";
  return value.trim() === "*" ? undefined : value.split(",").map((t) => t.trim()).filter(Boolean);
}

/** Whether to load d2l-ts while the kernel waits for its first cell (D2L_KERNEL_PRELOAD=0: no). */
function preload(env: NodeJS.ProcessEnv): boolean {
  return env.D2L_KERNEL_PRELOAD !== "0";
}

interface KernelArgs {
  configPath: string;
  jsKernel: boolean;
}

function kernelArgs(args: readonly string[]): KernelArgs {
  const at = args.indexOf("--config-path");
  if (args[0] !== "kernel" || at < 0 || !args[at + 1]) throw new Error(USAGE);
  return { configPath: args[at + 1], jsKernel: args.includes("--js") };
}

function configurable(tslab: TslabInstall, env: NodeJS.ProcessEnv): boolean {
  if (env.D2L_KERNEL_PLAIN === "1") return false;
  if (tslab.version === TESTED_TSLAB_VERSION) return true;
  console.error(`d2l-tslab: tslab ${tslab.version} is not the tested ${TESTED_TSLAB_VERSION}; running it unchanged`);
  return false;
}

function runKernel(args: readonly string[], env: NodeJS.ProcessEnv): void {
  const { configPath, jsKernel } = kernelArgs(args);
  const local = localLauncher(process.cwd(), __filename);
  if (local && "main" in local) {
    (require(local.main) as { main(args: readonly string[]): void }).main(args);
    return;
  }
  const tslab = findTslab(process.cwd());
  if ((local && "plain" in local) || !configurable(tslab, env)) {
    startKernel({ tslab, configPath, jsKernel, trace: createTrace(env.D2L_KERNEL_TRACE), preload: false });
    return;
  }
  const types = globalTypes(env);
  const useSnapshot = env.D2L_KERNEL_SNAPSHOT !== "0" && types !== undefined;
  if (useSnapshot) {
    const paths = snapshotPaths(tslab, types);
    if (snapshotIsFresh(paths)) {
      createTrace(env.D2L_KERNEL_TRACE).mark("launcher: starting from snapshot");
      runFromSnapshotInChild(paths, args);
      return;
    }
  }
  const trace = createTrace(env.D2L_KERNEL_TRACE);
  const ts = require(tslab.typescriptFile) as typeof TS;
  startKernel({ tslab, configPath, jsKernel, trace, typescript: { ts, seam: { types, lightBuilder: true } }, preload: preload(env) });
  if (useSnapshot) setTimeout(() => buildSnapshotInBackground(require.resolve("../../bin/d2l-tslab.js"), process.cwd()), 2000).unref();
}

/** The kernel in a process started from the snapshot (snapshot-entry.ts calls this). */
export function runFromSnapshot(state: SnapshotState, args: readonly string[]): void {
  followParent();
  const env = process.env;
  const trace = createTrace(env.D2L_KERNEL_TRACE);
  trace.mark("snapshot deserialised", { declarations: state.declarations.size });
  const { configPath, jsKernel } = kernelArgs(args);
  const tslab = findTslab(process.cwd());
  // The launcher checked this before starting the process; a different tslab would need its own TypeScript.
  const same = tslab.typescriptFile === state.typescriptFile && tslab.version === TESTED_TSLAB_VERSION;
  const ts = same ? state.ts : (require(tslab.typescriptFile) as typeof TS);
  const seam = { types: globalTypes(env), lightBuilder: true, declarations: same ? state.declarations : undefined };
  startKernel({ tslab, configPath, jsKernel, trace, typescript: { ts, seam }, preload: preload(env) });
}

function snapshotCommand(args: readonly string[]): number {
  const at = args.indexOf("--cwd");
  const cwd = resolve(at >= 0 && args[at + 1] ? args[at + 1] : process.cwd());
  const tslab = findTslab(cwd);
  const types = globalTypes() ?? [];
  if (args.includes("--check")) {
    const fresh = snapshotIsFresh(snapshotPaths(tslab, types));
    console.log(`d2l-tslab: start-up snapshot ${fresh ? "up to date" : "missing or out of date"}: ${snapshotPaths(tslab, types).blob}`);
    return fresh ? 0 : 1;
  }
  const started = Date.now();
  const failed = buildSnapshot(tslab, types, cwd);
  if (failed) {
    console.error(`d2l-tslab: no snapshot built: ${failed}`);
    return 1;
  }
  console.log(`d2l-tslab: start-up snapshot for ${cwd} built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${snapshotPaths(tslab, types).blob}`);
  return 0;
}

/** The command line (argv without node and the script). */
export function main(args: readonly string[]): void {
  try {
    if (args[0] === "kernel") runKernel(args, process.env);
    else if (args[0] === "snapshot") process.exitCode = snapshotCommand(args);
    else throw new Error(USAGE);
  } catch (error) {
    console.error(`d2l-tslab: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
