/**
 * The native matrix product (native/matmul.c, a Node-API module built by
 * scripts/build-native.mjs): matmul jobs run there instead of in the WebAssembly module when it
 * loads and the CPU has AVX2 with FMA or AVX-512. Everything else, and every machine without it
 * (another CPU, no clang at build time, D2L_NATIVE=0), uses the WebAssembly kernels.
 */
import { join } from "node:path";

/** Where the build puts the module, relative to this file in src/fast/ and in dist/fast/ alike. */
export const NATIVE_PATH = join(__dirname, "..", "..", "generated", `fast-matmul-${process.platform}-${process.arch}.node`);

export interface NativeMatMul {
  /** The module's file (the worker threads load it too). */
  readonly path: string;
  /** The instruction set its micro-kernel uses on this CPU: "AVX-512" or "AVX2-FMA". */
  readonly isa: string;
  /**
   * This thread's share of the OP_MATMUL job at byte offset `job` of the memory `view` is a view
   * of (its start is the base of the job's offsets); false if the job could not run.
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
 * Turns the native matmul off (WebAssembly then runs every matmul) or back on, e.g. to compare
 * both in tests; it has no effect where the module is not available.
 */
export function setNativeMatMulEnabled(enable: boolean): void {
  enabled = enable;
}

/** The native matmul when it is available and enabled, else null. */
export function activeNativeMatMul(): NativeMatMul | null {
  return enabled ? nativeMatMul() : null;
}

/** Why matmuls run in WebAssembly, or null when they run natively. */
export function nativeMatMulUnavailableReason(): string | null {
  if (!nativeMatMul()) return reason;
  return enabled ? null : "turned off by setNativeMatMulEnabled(false)";
}
