/**
 * The squared loss of section 3.1.1 (ops/squared-loss.ts, 11.2's NWKernelRegression loss) as one
 * kernel each way (kernel-lib/src/fast/squared-loss.ts, hook `setSquaredLossKernel`) against the
 * book's chain of tfjs ops it replaces, `((yHat - y) ** 2 / 2).mean()`: the loss within
 * 1e-6·(1 + |loss|) (the kernel sums in double precision, tfjs in float32) and both gradients
 * within 1e-6·(1 + |g|), for matching and differing shapes of the same size; NaN propagates.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { useFastKernels } from "../../kernel-lib/src/fast";

const tf = d2l.tf;

afterAll(() => useFastKernels(true));

interface Result {
  loss: number;
  dyHat: Float32Array;
  dy: Float32Array;
  shapes: number[][];
}

function run(yHatShape: number[], yShape: number[], nanAt = -1): Result {
  return tf.tidy(() => {
    const size = yHatShape.reduce((a, b) => a * b, 1);
    const a = Float32Array.from({ length: size }, (_, i) => 3 * Math.sin(1.3 * i + 0.2));
    const b = Float32Array.from({ length: size }, (_, i) => 2 * Math.cos(0.7 * i));
    if (nanAt >= 0) a[nanAt] = NaN;
    const yHat = tf.tensor(a, yHatShape);
    const y = tf.tensor(b, yShape);
    // An upstream gradient other than 1, as when the loss is scaled.
    const [dyHat, dy] = tf.grads((p: d2l.tf.Tensor, q: d2l.tf.Tensor) => d2l.squaredLoss(p, q).mul(1.5))([yHat, y]);
    return {
      loss: d2l.squaredLoss(yHat, y).dataSync()[0],
      dyHat: (dyHat.dataSync() as Float32Array).slice(),
      dy: (dy.dataSync() as Float32Array).slice(),
      shapes: [dyHat.shape, dy.shape],
    };
  });
}

function firstMismatch(got: Float32Array, want: Float32Array): number {
  return want.findIndex((e, i) => !(Math.abs(got[i] - e) <= 1e-6 * (1 + Math.abs(e))));
}

describe("squared loss, fused", () => {
  it.each([
    [[10], [10]],
    [[10, 1], [10]],
    [[3, 4], [12]],
    [[5000], [5000, 1]],
    [[1], [1]],
  ])("yHat %j, y %j: loss and both gradients equal the chain of ops", (yHatShape, yShape) => {
    useFastKernels(false);
    const reference = run(yHatShape, yShape);
    useFastKernels(true);
    const fused = run(yHatShape, yShape);
    expect(Math.abs(fused.loss - reference.loss)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(reference.loss)));
    expect(fused.shapes).toEqual([yHatShape, yShape]);
    expect(reference.shapes).toEqual([yHatShape, yShape]);
    const at = firstMismatch(fused.dyHat, reference.dyHat);
    expect(at, `dyHat[${at}]: ${fused.dyHat[at]} vs ${reference.dyHat[at]}`).toBe(-1);
    const atY = firstMismatch(fused.dy, reference.dy);
    expect(atY, `dy[${atY}]: ${fused.dy[atY]} vs ${reference.dy[atY]}`).toBe(-1);
  });

  it("is the book's mean of ½(ŷ − y)² on known numbers", () => {
    useFastKernels(true);
    // (1 − 0)²/2 = 0.5, (−1 − 1)²/2 = 2, (3 − 3)²/2 = 0: mean 2.5 / 3.
    const loss = d2l.squaredLoss(tf.tensor1d([1, -1, 3]), tf.tensor1d([0, 1, 3]));
    expect(loss.shape).toEqual([]);
    expect(loss.dataSync()[0]).toBeCloseTo(2.5 / 3, 7);
    loss.dispose();
  });

  it("propagates a NaN prediction to the loss and to that entry's gradient only", () => {
    for (const fast of [false, true]) {
      useFastKernels(fast);
      const r = run([6], [6], 2);
      expect(Number.isNaN(r.loss)).toBe(true);
      expect(Array.from(r.dyHat, Number.isNaN)).toEqual([false, false, true, false, false, false]);
    }
    useFastKernels(true);
  });

  it("runs as one kernel forward and one backward", async () => {
    useFastKernels(true);
    const yHat = tf.randomUniform([10]);
    const y = tf.randomUniform([10]);
    const info = await tf.profile(() => tf.grad((p: d2l.tf.Tensor) => d2l.squaredLoss(p, y))(yHat));
    expect(info.kernelNames).toEqual(expect.arrayContaining(["D2lSquaredLoss", "D2lSquaredLossGrad"]));
    expect(info.kernelNames).not.toContain("Square");
    tf.dispose([yHat, y, info.result as d2l.tf.Tensor]);
  });
});
