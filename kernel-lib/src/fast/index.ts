// Public exports of the fast CPU kernels (WebAssembly SIMD + worker threads, registered in tfjs).
import { fastKernelsEnabled, useFastKernels } from "./register";

export { useFastKernels, fastKernelsEnabled, fastKernelThreads } from "./register";
export { fastMatMulIsa } from "./register";
export { nativeMatMulUnavailableReason } from "./native";

let unavailableReason: string | null = null;

/**
 * Why the fast kernels are off, or null when they are on. They are on by default; the
 * environment variable D2L_FAST_KERNELS=0 keeps tfjs's reference kernels, and a missing
 * generated/fast-kernels.wasm (a build without clang) leaves them off with the reason here.
 */
export function fastKernelsUnavailableReason(): string | null {
  if (fastKernelsEnabled()) return null;
  return unavailableReason ?? "turned off by useFastKernels(false)";
}

if (typeof process !== "undefined" && process.env?.D2L_FAST_KERNELS === "0") {
  unavailableReason = "turned off by D2L_FAST_KERNELS=0";
} else {
  try {
    useFastKernels(true);
  } catch (error) {
    unavailableReason = error instanceof Error ? error.message : String(error);
  }
}
