import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { seed } from "../ops/random";
import { LazyLinear } from "./linear";
import { Dropout } from "./dropout";
import { LayerNorm } from "./layer-norm";

describe("LazyLinear", () => {
  it("creates weight [in, out] and bias on the first forward, uniform on ±1/√in, seeded", () => {
    seed(0);
    const a = new LazyLinear(3);
    expect(a.parameters()).toEqual([]);
    const y = a.forward(tf.ones([2, 5, 16]));
    expect(y.shape).toEqual([2, 5, 3]);
    expect(a.weight?.shape).toEqual([16, 3]);
    expect(a.bias?.shape).toEqual([3]);
    expect(a.parameters()).toEqual([a.weight, a.bias]);
    const w = a.weight!.dataSync();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.25);
    seed(0);
    const b = new LazyLinear(3);
    b.forward(tf.ones([1, 16]));
    expect(Array.from(b.weight!.dataSync())).toEqual(Array.from(w));
  });

  it("computes X W + b over the last axis", () => {
    const l = new LazyLinear(2);
    l.setWeights([[1, 2], [3, 4], [5, 6]], [0.5, -1]);
    expect(l.forward(tf.tensor2d([[1, 0, 1], [0, 1, 0]])).arraySync()).toEqual([[6.5, 7], [3.5, 3]]);
    expect(l.forward(tf.tensor1d([1, 1, 1])).arraySync()).toEqual([9.5, 11]);
  });

  it("has no bias with bias: false and refuses a bias then", () => {
    const l = new LazyLinear(2, { bias: false });
    l.forward(tf.ones([1, 3]));
    expect(l.bias).toBeNull();
    expect(l.parameters()).toHaveLength(1);
    expect(() => l.setWeights([[1, 2]], [1, 2])).toThrow(/bias must be absent/);
  });

  it("setWeights copies, keeps the variable, and re-creates it for another input size", () => {
    const l = new LazyLinear(1);
    const w = tf.tensor2d([[2], [3]]);
    l.setWeights(w, tf.tensor1d([1]));
    const first = l.weight;
    w.dispose();
    expect(l.forward(tf.ones([1, 2])).arraySync()).toEqual([[6]]);
    l.setWeights([[1], [1]]);
    expect(l.weight).toBe(first);
    l.setWeights([[1], [1], [1]]);
    expect(l.weight?.shape).toEqual([3, 1]);
    expect(first?.isDisposed).toBe(true);
  });
});

describe("Dropout", () => {
  it("is the identity in eval mode and zeroes about p of the entries scaled by 1/(1-p) in training", () => {
    const d = new Dropout(0.25);
    const x = tf.ones([100, 100]);
    d.eval();
    expect(Array.from(d.forward(x).dataSync())).toEqual(Array.from(x.dataSync()));
    d.train();
    seed(7);
    const y = d.forward(x).dataSync();
    const zeros = y.filter((v) => v === 0).length;
    expect(Math.abs(zeros / y.length - 0.25)).toBeLessThan(0.02);
    expect(new Set(y)).toEqual(new Set([0, Math.fround(4 / 3)]));
    seed(7);
    expect(Array.from(d.forward(x).dataSync())).toEqual(Array.from(y));
  });

  it("passes gradients only through kept entries", () => {
    const d = new Dropout(0.5);
    seed(1);
    const x = tf.ones([50]);
    const g = tf.grad((t: tf.Tensor) => d.forward(t).sum())(x).dataSync();
    seed(1);
    const y = d.forward(x).dataSync();
    expect(Array.from(g)).toEqual(Array.from(y));
  });
});

describe("LayerNorm", () => {
  it("normalises over the trailing axes with the biased variance", () => {
    const ln = new LayerNorm(2);
    const y = ln.forward(tf.tensor2d([[1, 2], [2, 3]])).arraySync() as number[][];
    const e = 1 / Math.sqrt(0.25 + 1e-5) * 0.5;
    expect(y[0][0]).toBeCloseTo(-e, 5);
    expect(y[1][1]).toBeCloseTo(e, 5);
    const ln2 = new LayerNorm([2, 3]);
    const z = ln2.forward(tf.tensor3d([1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 6], [2, 2, 3])).arraySync() as number[][][];
    const flat = z[0].flat();
    expect(flat.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 5);
    expect(flat.reduce((s, v) => s + v * v, 0) / 6).toBeCloseTo(1, 3);
    expect(ln2.parameters().map((p) => p.shape)).toEqual([[2, 3], [2, 3]]);
  });
});
