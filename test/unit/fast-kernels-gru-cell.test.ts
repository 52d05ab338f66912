/**
 * The GRU step's kernels (OP_GRU_CELL, OP_GRU_CELL_GRAD) in the native module
 * (kernel-lib/src/fast/native/gru.c) give the same bits as the WebAssembly ones
 * (wasm/elementwise.c) on every output, for random and edge inputs (NaN, ±inf, ±0, denormals,
 * exp's under- and overflow), hidden sizes with every tail length, batches that end mid-task, and
 * dh with and without its two optional parts, on one thread and on the pool's (NaN payloads are
 * not compared). On a CPU with
 * AVX-512 the AVX2 kernels are checked too, forced by D2L_NATIVE_ISA=avx2 in a child process.
 * (The GRU layer built on them is checked against the host implementation in
 * fast-kernels-recurrent.test.ts.)
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nativeMatMul } from "../../kernel-lib/src/fast/native";
import { compareGruCellEngines, GRU_CELL_SHAPES, type EngineComparison } from "../gru-cell-engines";
import { expectedMatMulIsa } from "../cpu-isa";

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const expected = expectedMatMulIsa();

function expectIdentical(comparison: EngineComparison, isa: string): void {
  expect(comparison.isa).toBe(isa);
  expect(comparison.differences).toEqual([]);
  // The jobs ran natively (not WebAssembly twice): per shape and run (3), one forward and two backward.
  expect(comparison.nativeGruJobs).toBe(GRU_CELL_SHAPES.length * 3 * 3);
  expect(comparison.unwritten).toBe(0);
  // The data reached the edge cases: NaN and ±inf outputs next to ordinary numbers.
  expect(comparison.nan).toBeGreaterThan(1000);
  expect(comparison.infinite).toBeGreaterThan(100);
  expect(comparison.normal).toBeGreaterThan(comparison.compared / 2);
}

describe.runIf(expected !== "WebAssembly SIMD128")(`GRU step kernels, native (${expected}) vs WebAssembly`, () => {
  it("are bit-identical on every output", () => {
    expect(nativeMatMul()).not.toBeNull();
    expectIdentical(compareGruCellEngines(), expected);
  });

  it.runIf(expected === "AVX-512")("are bit-identical with the AVX2 kernels too (D2L_NATIVE_ISA=avx2)", () => {
    const script = [
      `import { compareGruCellEngines } from ${JSON.stringify(path.join(ROOT, "test", "gru-cell-engines.ts"))};`,
      "console.log(JSON.stringify(compareGruCellEngines()));",
    ].join("\n");
    const out = execFileSync(TSX, ["--eval", script], { cwd: ROOT, env: { ...process.env, D2L_NATIVE_ISA: "avx2" }, encoding: "utf8" });
    expectIdentical(JSON.parse(out.trim().split("\n").pop()!) as EngineComparison, "AVX2-FMA");
  }, 120_000);
});
