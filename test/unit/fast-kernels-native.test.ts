/**
 * The native matmul (kernel-lib/src/fast/native): built by the set-up on an x86-64 Linux machine
 * with AVX2 and FMA (as this project's machines), and chosen by the fast kernels there, so that a
 * missing build fails here instead of silently running the slower WebAssembly matmul. Off by
 * D2L_NATIVE=0, with the reason given. (Its results are checked in fast-kernels.test.ts and
 * fast-kernels-ops.test.ts, next to the WebAssembly matmul's.)
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fastMatMulIsa, nativeMatMulUnavailableReason } from "../../kernel-lib/src/fast";
import { expectedMatMulIsa } from "../cpu-isa";

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

describe("native matmul", () => {
  const expected = expectedMatMulIsa();

  it(`runs the matrix products on ${expected}, as this CPU allows`, () => {
    expect(fastMatMulIsa()).toBe(expected);
    if (expected !== "WebAssembly SIMD128") expect(nativeMatMulUnavailableReason()).toBeNull();
  });

  it("D2L_NATIVE=0 keeps the WebAssembly matmul and says so", () => {
    const script = [
      `import { fastMatMulIsa, nativeMatMulUnavailableReason } from ${JSON.stringify(path.join(ROOT, "kernel-lib", "src", "fast"))};`,
      "console.log(JSON.stringify([fastMatMulIsa(), nativeMatMulUnavailableReason()]));",
    ].join("\n");
    const out = execFileSync(TSX, ["--eval", script], { cwd: ROOT, env: { ...process.env, D2L_NATIVE: "0" }, encoding: "utf8" });
    expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual(["WebAssembly SIMD128", "turned off by D2L_NATIVE=0"]);
  }, 60_000);
});
