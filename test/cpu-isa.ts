/**
 * What the fast kernels' matrix products should run on here, read from /proc/cpuinfo: the native
 * module's "AVX-512" or "AVX2-FMA" on an x86-64 Linux machine with them, else "WebAssembly
 * SIMD128" (d2l.fastMatMulIsa() must say the same: a missing native build then fails a test
 * instead of silently running the slower matmul).
 */
import { readFileSync } from "node:fs";

export function expectedMatMulIsa(): string {
  if (process.platform !== "linux" || process.arch !== "x64") return "WebAssembly SIMD128";
  const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags")) ?? "";
  const flags = new Set(line.split(":")[1]?.trim().split(/\s+/) ?? []);
  // D2L_NATIVE_ISA=avx2 (for tests) makes the native module use AVX2 on an AVX-512 CPU.
  if (flags.has("avx512f") && process.env.D2L_NATIVE_ISA !== "avx2") return "AVX-512";
  return flags.has("avx2") && flags.has("fma") ? "AVX2-FMA" : "WebAssembly SIMD128";
}
