/**
 * Softmax cross-entropy as one WebAssembly kernel each way (kernel-lib/src/fast/cross-entropy.ts,
 * hook `setCrossEntropyKernel`) against the host loops it replaces (ops/cross-entropy.ts, double
 * precision, checked against PyTorch by the parity suite): per-row losses within
 * 1e-5·(1 + |reference|) and the logits' gradient within 1e-6 (absolute: its entries lie in
 * [−|dy|, |dy|] and dy ≤ 3 here), for every reduction, odd class counts and large logits.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { useFastKernels } from "../../kernel-lib/src/fast";

const tf = d2l.tf;

afterAll(() => useFastKernels(true));

function run(rows: number, classes: number, reduction: "mean" | "sum" | "none", spread: number): { loss: Float32Array; grad: Float32Array } {
  return tf.tidy(() => {
    const z = tf.tensor2d(Float32Array.from({ length: rows * classes }, (_, i) => spread * Math.sin(1.7 * i + 0.3)), [rows, classes]);
    const labels = tf.tensor1d(Int32Array.from({ length: rows }, (_, r) => (7 * r + 3) % classes), "int32");
    const w = tf.tensor1d(Float32Array.from({ length: rows }, (_, r) => 1 + (r % 3)));
    const loss = d2l.crossEntropy(z, labels, reduction);
    const grad = tf.grad((t: d2l.tf.Tensor) => {
      const l = d2l.crossEntropy(t, labels, reduction);
      return reduction === "none" ? tf.sum(tf.mul(l, w)) : l;
    })(z);
    return { loss: (loss.dataSync() as Float32Array).slice(), grad: (grad.dataSync() as Float32Array).slice() };
  });
}

describe("cross-entropy, fused", () => {
  it.each([
    [1152, 200, "none", 3],
    [5, 1, "mean", 1],
    [7, 3, "sum", 1],
    [9, 5, "none", 1],
    [4, 13, "mean", 80],
  ] as const)("%i rows of %i classes, reduction %s, logits up to ±%f: losses and gradient equal the host loops", (rows, classes, reduction, spread) => {
    useFastKernels(false);
    const reference = run(rows, classes, reduction, spread);
    useFastKernels(true);
    const fused = run(rows, classes, reduction, spread);
    expect(fused.loss.length).toBe(reference.loss.length);
    const lossAt = reference.loss.findIndex((e, i) => !(Math.abs(fused.loss[i] - e) <= 1e-5 * (1 + Math.abs(e))));
    expect(lossAt, `loss[${lossAt}]: ${fused.loss[lossAt]} vs ${reference.loss[lossAt]}`).toBe(-1);
    expect(fused.grad.length).toBe(reference.grad.length);
    const gradAt = reference.grad.findIndex((e, i) => !(Math.abs(fused.grad[i] - e) <= 1e-6));
    expect(gradAt, `grad[${gradAt}]: ${fused.grad[gradAt]} vs ${reference.grad[gradAt]}`).toBe(-1);
  });

  it("runs as one kernel forward", async () => {
    useFastKernels(true);
    const z = tf.randomUniform([6, 4]);
    const info = await tf.profile(() => d2l.crossEntropy(z, [0, 1, 2, 3, 0, 1], "none"));
    expect(info.kernelNames).toContain("D2lCrossEntropy");
    tf.dispose([z, info.result as d2l.tf.Tensor]);
  });
});
