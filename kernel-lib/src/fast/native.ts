/**
 * The native module (native/matmul.c with native/gru.c, a Node-API module built by
 * scripts/build-native.mjs): matrix products and the GRU step's gate arithmetic (the ops in
 * `NATIVE_OPS`) run there instead of in the WebAssembly module when it loads and the CPU has AVX2
 * with FMA or AVX-512; the GRU's results are bit-identical to WebAssembly's. Everything else, and
 * every machine without it (another CPU, no clang at build time, D2L_NATIVE=0), uses the
 * WebAssembly kernels.
 */
import { join } from "node:path";
import { Op } from "./job-layout";

/** Where the build puts the module, relative to this file in src/fast/ and in dist/fast/ alike. */
export const NATIVE_PATH = join(__dirname, "..", "..", "generated", `fast-matmul-${process.platform}-${process.arch}.node`);

/** The ops (job-layout.ts's `Op` codes) whose jobs the native module runs. */
export const NATIVE_OPS: ReadonlySet<number> = new Set([Op.matmul, Op.gruCell, Op.gruCellGrad]);

export interface NativeMatMul {
  /** The module's file (the worker threads load it too). */
  readonly path: string;
  /** The instruction set its micro-kernel uses on this CPU: "AVX-512" or "AVX2-FMA". */
  readonly isa: string;
  /**
   * This thread's share of the job (one of `NATIVE_OPS`) at byte offset `job` of the memory
   * `view` is a view of (its start is the base of the job's offsets); false if it could not run.
   */
  readonly run: (view: Uint8Array, job: number) => boolean;
}

interface NativeModule {
  isa(): string | null;
  run(view: Uint8Array, job: number): boolean;
}

let loaded: NativeMatMul | null | undefined;
let reason = "";

/** The native matmul, or null (then `nativeMatMulUnavailableReason()` says why). */
export function nativeMatMul(): NativeMatMul | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.D2L_NATIVE === "0") {
    reason = "turned off by D2L_NATIVE=0";
    return loaded;
  }
  let module: NativeModule;
  try {
    module = require(NATIVE_PATH) as NativeModule;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    reason = `${NATIVE_PATH} did not load (${message})`;
    return loaded;
  }
  const isa = module.isa();
  if (isa === null) {
    reason = "this CPU has neither AVX2 with FMA nor AVX-512";
    return loaded;
  }
  loaded = { path: NATIVE_PATH, isa, run: module.run };
  return loaded;
}

let enabled = true;

/**
 * Turns the native module off (WebAssembly then runs every matmul and GRU step) or back on, e.g.
 * to compare both in tests; it has no effect where the module is not available.
 */
export function setNativeMatMulEnabled(enable: boolean): void {
  enabled = enable;
}

/** The native module when it is available and enabled, else null. */
export function activeNativeMatMul(): NativeMatMul | null {
  return enabled ? nativeMatMul() : null;
}

/** Why matmuls (and GRU steps) run in WebAssembly, or null when they run natively. */
export function nativeMatMulUnavailableReason(): string | null {
  if (!nativeMatMul()) return reason;
  return enabled ? null : "turned off by setNativeMatMulEnabled(false)";
}
