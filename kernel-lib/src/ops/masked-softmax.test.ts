import { afterEach, describe, expect, it } from "vitest";
import { tf } from "../tf";
import {
  getMaskedSoftmaxKernels,
  maskedSoftmax,
  setMaskedSoftmaxKernels,
} from "./masked-softmax";
import { rand, randn, seed } from "./random";
import { fastKernelsEnabled, useFastKernels } from "../fast";

/** The book's computation written with tfjs ops: where(arange < len, X, -1e6), then softmax. */
function bookMaskedSoftmax(X: tf.Tensor3D, lens: number[][] | null): tf.Tensor {
  if (lens === null) return tf.softmax(X);
  const [b, q, k] = X.shape;
  const len = tf.tensor3d(lens.flat(), [b, q, 1]);
  const mask = tf.range(0, k).reshape([1, 1, k]).less(len);
  return tf.softmax(tf.where(mask, X, tf.fill(X.shape, -1e6)));
}

function close(a: tf.Tensor, b: tf.Tensor, tol = 1e-6): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(tol);
}

afterEach(() => setMaskedSoftmaxKernels(null));

describe("maskedSoftmax (section 11.3)", () => {
  it("zeroes the book's example past valid lengths 2 and 3 and rows sum to 1", () => {
    seed(0);
    const X = rand([2, 2, 4]) as tf.Tensor3D;
    const y = maskedSoftmax(X, [2, 3]);
    expect(y.shape).toEqual([2, 2, 4]);
    const v = y.arraySync();
    expect([v[0][0][2], v[0][0][3], v[0][1][2], v[0][1][3], v[1][0][3], v[1][1][3]]).toEqual([0, 0, 0, 0, 0, 0]);
    for (const row of v.flat()) expect(row.reduce((s, a) => s + a, 0)).toBeCloseTo(1, 6);
    expect(v[1][0][2]).toBeGreaterThan(0);
    close(y, bookMaskedSoftmax(X, [[2, 2], [3, 3]]));
  });

  it("takes 2-D valid lengths per query, as arrays and tensors", () => {
    seed(1);
    const X = rand([2, 2, 4]) as tf.Tensor3D;
    const lens = [[1, 3], [2, 4]];
    const expected = bookMaskedSoftmax(X, lens);
    close(maskedSoftmax(X, lens), expected);
    close(maskedSoftmax(X, tf.tensor2d(lens, [2, 2], "int32")), expected);
    close(maskedSoftmax(X, tf.tensor2d(lens, [2, 2], "float32")), expected);
    expect(maskedSoftmax(X, lens).arraySync()[0][0]).toEqual([1, 0, 0, 0]);
  });

  it("is a plain softmax without valid lengths; length 0 is uniform; long lengths mask nothing", () => {
    seed(2);
    const X = randn([3, 2, 5]) as tf.Tensor3D;
    close(maskedSoftmax(X), tf.softmax(X));
    close(maskedSoftmax(X, null), tf.softmax(X));
    const zero = maskedSoftmax(X, [0, 5, 9]).arraySync();
    expect(zero[0][1]).toEqual([0.2, 0.2, 0.2, 0.2, 0.2].map(Math.fround));
    close(tf.tensor(zero[2]), tf.softmax(X).slice([2, 0, 0], [1, 2, 5]).reshape([2, 5]));
    close(tf.tensor(zero[1]), tf.softmax(X).slice([1, 0, 0], [1, 2, 5]).reshape([2, 5]));
  });

  it("matches the book's formulation on random shapes and lengths", () => {
    seed(3);
    for (const [b, q, k] of [[1, 1, 1], [4, 3, 7], [2, 5, 16]]) {
      const X = randn([b, q, k]).mul(4) as tf.Tensor3D;
      const lens = Array.from({ length: b }, (_, i) => Array.from({ length: q }, (_, j) => (i * 7 + j * 3) % (k + 2)));
      close(maskedSoftmax(X, lens), bookMaskedSoftmax(X, lens));
    }
  });

  it("does not modify its input", () => {
    seed(4);
    const X = rand([2, 3, 4]) as tf.Tensor3D;
    const before = Array.from(X.dataSync());
    maskedSoftmax(X, [1, 2]);
    tf.grad((x: tf.Tensor) => maskedSoftmax(x, [1, 2]).sum())(X);
    expect(Array.from(X.dataSync())).toEqual(before);
  });

  it("has the gradient of the book's autograd: equal to tf.grad of the tfjs-op version", () => {
    seed(5);
    const X = randn([2, 3, 5]) as tf.Tensor3D;
    const W = randn([2, 3, 5]);
    const lens = [[0, 2, 5], [1, 4, 7]];
    const loss = (f: (x: tf.Tensor3D) => tf.Tensor) => (x: tf.Tensor) => f(x as tf.Tensor3D).mul(W).sum();
    const ours = tf.grad(loss((x) => maskedSoftmax(x, lens)))(X);
    const book = tf.grad(loss((x) => bookMaskedSoftmax(x, lens)))(X);
    close(ours, book, 1e-6);
    // Masked positions get exactly zero gradient; a zero-length row gets zero everywhere.
    const g = ours.arraySync() as number[][][];
    expect(g[0][0]).toEqual([0, 0, 0, 0, 0]);
    expect(g[0][1].slice(2)).toEqual([0, 0, 0]);
  });

  it("has a gradient that agrees with central differences", () => {
    seed(6);
    const X = randn([1, 2, 4]) as tf.Tensor3D;
    const W = randn([1, 2, 4]);
    const lens = [[3, 4]];
    const f = (x: tf.Tensor) => maskedSoftmax(x, lens).mul(W).sum();
    const analytic = tf.grad(f)(X).dataSync();
    const base = Float64Array.from(X.dataSync());
    const h = 1e-2;
    for (let i = 0; i < base.length; i++) {
      const plus = base.slice();
      const minus = base.slice();
      plus[i] += h;
      minus[i] -= h;
      const fp = f(tf.tensor3d(Float32Array.from(plus), [1, 2, 4])).dataSync()[0];
      const fm = f(tf.tensor3d(Float32Array.from(minus), [1, 2, 4])).dataSync()[0];
      expect(Math.abs((fp - fm) / (2 * h) - analytic[i])).toBeLessThan(2e-3);
    }
  });

  it("runs the replaceable kernels, forward and backward from the same pair", () => {
    const calls: string[] = [];
    setMaskedSoftmaxKernels(null);
    const host = getMaskedSoftmaxKernels(); // the TypeScript loops
    setMaskedSoftmaxKernels({
      forward: (x, lens) => (calls.push("forward"), host.forward(x, lens)),
      backward: (y, dy, lens) => (calls.push("backward"), host.backward(y, dy, lens)),
    });
    const X = tf.ones([1, 1, 3]) as tf.Tensor3D;
    tf.grad((x: tf.Tensor) => maskedSoftmax(x, [2]).sum())(X);
    expect(calls).toEqual(["forward", "backward"]);
    setMaskedSoftmaxKernels(null);
    expect(getMaskedSoftmaxKernels()).toBe(host);
  });

  it("is much faster than the book's formulation in tfjs ops, forward and backward", () => {
    // Compared in the same process, so the ratio holds on a loaded machine.
    const X = tf.zeros([16, 256, 256]) as tf.Tensor3D;
    const dy = tf.onesLike(X);
    const lens = Array.from({ length: 16 }, (_, i) => Array.from({ length: 256 }, (_, j) => (i * 37 + j) % 257));
    const time = (f: (x: tf.Tensor) => tf.Tensor): number => {
      const start = performance.now();
      const g = tf.grad(f)(X, dy);
      g.dataSync();
      g.dispose();
      return performance.now() - start;
    };
    // Both on tfjs's reference CPU kernels: d2l-ts's fast kernels (src/fast) speed up the tfjs-op
    // formulation too, which is not what this compares.
    const fastWasOn = fastKernelsEnabled();
    useFastKernels(false);
    let ours: number;
    let book: number;
    try {
      time((x) => maskedSoftmax(x, lens)); // warm-up
      ours = time((x) => maskedSoftmax(x, lens));
      book = time((x) => bookMaskedSoftmax(x as tf.Tensor3D, lens));
    } finally {
      useFastKernels(fastWasOn);
    }
    tf.dispose([X, dy]);
    expect(ours * 4).toBeLessThan(book); // measured about 30x here
  });

  it("leaves no tensors behind", () => {
    const X = rand([2, 3, 4]);
    const before = tf.memory().numTensors;
    const y = maskedSoftmax(X, [1, 2]);
    const g = tf.grad((x: tf.Tensor) => maskedSoftmax(x, [1, 2]).sum())(X);
    tf.dispose([y, g]);
    expect(tf.memory().numTensors).toBe(before);
    X.dispose();
  });
});

describe("the book's -1e6 mask value and the maskValue option (issue 12)", () => {
  const run = (x: number[][][], lens: number[] | null, options?: { maskValue?: number }) =>
    tf.tidy(() => Array.from(maskedSoftmax(tf.tensor3d(x), lens, options).dataSync()));

  it("follows the book: valid scores below -1e6 hand the weight to the padding", () => {
    expect(run([[[-2e6, -2e6, 0, 0]]], [2])).toEqual([0, 0, 0.5, 0.5]);
    // At the mask value itself, valid and masked keys share the weight.
    expect(run([[[-1e6, -1e6, 0, 0]]], [2]).map((v) => Number(v.toFixed(6)))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("masks exactly with maskValue -Infinity; a row without a valid key stays uniform", () => {
    expect(run([[[-2e6, -2e6, 0, 0]]], [2], { maskValue: -Infinity })).toEqual([0.5, 0.5, 0, 0]);
    expect(run([[[-2e6, -3e6, 7, 0]]], [0], { maskValue: -Infinity })).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(run([[[1, 2, 3]]], null, { maskValue: -Infinity })).toEqual(run([[[1, 2, 3]]], null));
  });

  it("takes the gradient through the masked entries as zero with any mask value", () => {
    const g = tf.tidy(() =>
      Array.from(tf.grad((x: tf.Tensor) => maskedSoftmax(x, [2], { maskValue: -50 }).mul(tf.tensor3d([[[1, 2, 3]]])).sum())(tf.tensor3d([[[0.5, -0.5, 9]]])).dataSync()),
    );
    expect(g[2]).toBe(0);
    expect(g[0]).toBeCloseTo(-g[1], 6);
  });

  it("refuses a mask value that is NaN, +Infinity or not a number", () => {
    for (const bad of [Number.NaN, Infinity, "-1e6"]) {
      expect(() => run([[[1, 2]]], [1], { maskValue: bad as number })).toThrow(/maskedSoftmax: options\.maskValue must be a number/);
    }
  });
});
