/**
 * Dropout in training as one WebAssembly kernel (kernel-lib/src/fast/dropout.ts, hook
 * `setDropoutKernel`) against the host path (x times `dropoutMaskFromSeed`): bit-identical
 * results and gradients for the same seed, NaN and −0 kept as the product with the mask keeps
 * them, and the share of dropped entries close to p.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { useFastKernels } from "../../kernel-lib/src/fast";

const tf = d2l.tf;

afterAll(() => useFastKernels(true));

/** Dropout's output and the gradient of Σ output·w with respect to x, training mode, from `seed`. */
function run(p: number, values: Float32Array, shape: number[], seed: number): { y: Float32Array; dx: Float32Array } {
  const layer = new d2l.Dropout(p);
  layer.train();
  return tf.tidy(() => {
    const x = tf.tensor(values, shape, "float32");
    const w = tf.tensor(Float32Array.from(values, (_, i) => 1 + (i % 7)), shape, "float32");
    d2l.seed(seed);
    const y = layer.forward(x);
    d2l.seed(seed);
    const dx = tf.grad((t: d2l.tf.Tensor) => tf.sum(tf.mul(layer.forward(t), w)))(x);
    return { y: (y.dataSync() as Float32Array).slice(), dx: (dx.dataSync() as Float32Array).slice() };
  });
}

/** The first index where the bit patterns differ (NaN, +0 and −0 compare exactly), or −1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.findIndex((v, i) => v !== y[i]);
}

describe("dropout, fused", () => {
  it.each([
    [0.2, [128, 9, 256]],
    [0.5, [7]],
    [0.1, [3, 5, 11]],
    [0.9, [1000]],
  ])("p = %f, shape %j: the same output and gradient as the host mask, bit for bit", (p, shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: size }, (_, i) => Math.sin(0.37 * i) * 3);
    if (size > 3) {
      values[1] = NaN;
      values[2] = -1.5;
      values[3] = -0;
    }
    useFastKernels(false);
    const reference = run(p, values, shape, 5);
    useFastKernels(true);
    const fused = run(p, values, shape, 5);
    const dy = firstDifference(fused.y, reference.y);
    expect(dy, `output[${dy}]: ${fused.y[dy]} vs ${reference.y[dy]}`).toBe(-1);
    const ddx = firstDifference(fused.dx, reference.dx);
    expect(ddx, `dx[${ddx}]: ${fused.dx[ddx]} vs ${reference.dx[ddx]}`).toBe(-1);
    if (size >= 1000) {
      const dropped = fused.y.filter((v) => v === 0).length / size;
      expect(Math.abs(dropped - p)).toBeLessThan(0.05);
    }
  });

  it("draws a new mask per call and the same mask again after seed(n)", async () => {
    useFastKernels(true);
    const x = tf.ones([4096]);
    const layer = new d2l.Dropout(0.5);
    layer.train();
    const profile = await tf.profile(() => layer.forward(x));
    expect(profile.kernelNames).toEqual(["D2lDropout"]);
    tf.dispose(profile.result);
    d2l.seed(3);
    const a = layer.forward(x).dataSync();
    const b = layer.forward(x).dataSync();
    d2l.seed(3);
    const c = layer.forward(x).dataSync();
    expect(Array.from(c)).toEqual(Array.from(a));
    expect(Array.from(b)).not.toEqual(Array.from(a));
    // Neighbouring entries are not correlated: kept-after-kept close to 1/4.
    let both = 0;
    for (let i = 1; i < a.length; i++) if (a[i] !== 0 && a[i - 1] !== 0) both++;
    expect(Math.abs(both / (a.length - 1) - 0.25)).toBeLessThan(0.03);
    x.dispose();
  });
});
