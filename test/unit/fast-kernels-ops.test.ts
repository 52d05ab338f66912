/**
 * The fast kernels for data movement, elementwise maths and reductions (kernel-lib/src/fast:
 * movement.ts, unary.ts, binary.ts, reduce.ts) against tfjs's reference CPU kernels on odd
 * shapes, every axis, negative and broadcast cases, int32 and bool data, NaN/±∞/−0, and their
 * gradients. Copies, selections and exactly rounded arithmetic must be bit-identical; Exp, Log,
 * Sigmoid and Tanh (Cephes' single-precision methods) within 2 ulp.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { useFastKernels } from "../../kernel-lib/src/fast";
import { Op } from "../../kernel-lib/src/fast/job-layout";
import { getRuntime } from "../../kernel-lib/src/fast/runtime";
import { nativeMatMul, setNativeMatMulEnabled } from "../../kernel-lib/src/fast/native";
import { parametricAttentionPool } from "../../kernel-lib/src/pooling/parametric-pool";

const tf = d2l.tf;
type Tensor = d2l.tf.Tensor;
type Values = Float32Array | Int32Array | Uint8Array;

/** Runs `f` on the reference kernels and on the fast kernels; returns shapes, dtypes and values of both. */
function bothWays(f: () => Tensor | Tensor[]) {
  const run = (fast: boolean) => {
    useFastKernels(fast);
    return tf.tidy(() => {
      const out = f();
      return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync() as Values }));
    });
  };
  const reference = run(false);
  const fast = run(true);
  return { reference, fast };
}

/** Same bits everywhere (NaN equals any NaN; +0 and −0 differ). */
function expectIdentical(actual: Values, expected: Values, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    throw new Error(`${label}: element ${i} is ${Object.is(a, -0) ? "-0" : a}, expected ${Object.is(e, -0) ? "-0" : e}`);
  }
}

/** Every output equal in shape, dtype and bits. */
function expectSame(f: () => Tensor | Tensor[], label: string): void {
  const { reference, fast } = bothWays(f);
  expect(fast.length).toBe(reference.length);
  fast.forEach((out, i) => {
    expect(out.shape, `${label} #${i}: shape`).toEqual(reference[i].shape);
    expect(out.dtype, `${label} #${i}: dtype`).toBe(reference[i].dtype);
    expectIdentical(out.values, reference[i].values, `${label} #${i}`);
  });
}

/** Within `ulps` float32 ulps of the reference (of its magnitude), or both non-finite alike. */
function expectUlps(actual: Values, expected: Values, ulps: number, label: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    // One ulp of e: 2^(exponent − 23), at least the smallest denormal.
    const ulp = Math.max(2 ** -149, e === 0 ? 0 : 2 ** (Math.floor(Math.log2(Math.abs(e))) - 23));
    if (!(Math.abs(a - e) <= ulps * ulp)) throw new Error(`${label}: element ${i} is ${a}, expected ${e} (±${ulps} ulp)`);
  }
}

let seedValue = 7;
const normal = (shape: number[]) => tf.randomNormal(shape, 0, 1, "float32", seedValue++);
/** A float32, an int32 and a bool tensor of `shape`. */
const threeDtypes = (shape: number[]): Tensor[] => {
  const x = normal(shape);
  return [x, tf.cast(tf.mul(x, 10), "int32"), tf.greater(x, 0)];
};
const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, 1e-40, -1e-45, 3.4e38, -3.4e38, Infinity, -Infinity, NaN, 88.7, -87.5, -100, 1e-7];

beforeAll(() => {
  tf.setBackend("cpu");
});

afterAll(() => {
  useFastKernels(true);
});

describe("slicing, splitting and stacking (bit-identical copies)", () => {
  const slices: Array<[number[], number[], number[]]> = [
    [[7], [2], [4]],
    [[5, 9], [1, 2], [3, 5]],
    [[128, 9, 256], [0, 3, 0], [128, 1, 256]], // one decoder step of a sequence
    [[9, 6, 5], [3, 0, 0], [1, 6, 5]], // contiguous: a view, as in tfjs
    [[3, 4, 5, 6], [1, 1, 2, 3], [2, -1, 3, 2]],
    [[4, 0, 3], [1, 0, 0], [2, 0, 3]],
  ];
  it.each(slices)("slice of %j from %j, size %j, for float32, int32 and bool, with its gradient", (shape, begin, size) => {
    const xs = threeDtypes(shape);
    expectSame(() => [
      ...xs.map((x) => tf.slice(x, begin, size)),
      tf.grad((t: Tensor) => tf.sum(tf.square(tf.slice(t, begin, size))))(xs[0]),
    ], "slice");
    tf.dispose(xs);
  });

  it("stridedSlice with positive and negative strides, masks, new and shrunk axes", () => {
    const xs = threeDtypes([6, 7, 5]);
    const cases: Array<Parameters<typeof tf.stridedSlice>> = [];
    for (const x of xs) {
      cases.push(
        [x, [0, 3, 0], [6, 4, 5], [1, 1, 1], 0, 0, 0, 0, 2],
        [x, [1, 0, 4], [6, 7, 0], [2, 3, -1]],
        [x, [5, 6, 3], [0, 0, 0], [-1, -2, -1], 0, 0b100],
        [x, [0, 1], [0, 5], [1, 2], 0b1, 0b1, 0, 0b1],
        [x, [2, 0, 0], [3, 7, 5], [1, 1, 1], 0, 0, 0, 0, 0b1],
        [x, [0, 0, 0], [6, 7, 5], [1, 1, 1]],
        [x, [1], [4], [1], 0, 0, 0b1],
      );
    }
    expectSame(() => cases.map((c) => tf.stridedSlice(...c)), "stridedSlice"); // (tfjs has no gradient for it)
    tf.dispose(xs);
  });

  const splits: Array<[number[], number | number[], number]> = [
    [[128, 768], 3, 1], // a GRU's gates
    [[6, 5], [2, -1, 1], 0],
    [[3, 4, 7], [1, 5, 1], 2],
    [[4, 6, 2], 2, -2],
  ];
  it.each(splits)("split of %j into %j along %i, for all dtypes, with its gradient", (shape, parts, axis) => {
    const xs = threeDtypes(shape);
    expectSame(() => [
      ...xs.flatMap((x) => tf.split(x, parts, axis)),
      tf.grad((t: Tensor) => tf.addN(tf.split(t, parts, axis).map((p, i) => tf.sum(tf.mul(p, i + 1)))))(xs[0]),
    ], "split");
    tf.dispose(xs);
  });

  const joins: Array<[number[][], number]> = [
    [[[128, 256], [128, 256]], 1],
    [[[2, 3, 4], [2, 5, 4], [2, 1, 4]], 1],
    [[[3, 5], [4, 5]], 0],
    [[[2, 3, 1], [2, 3, 6]], -1],
    [[[2, 0, 3], [2, 4, 3]], 1],
  ];
  it.each(joins)("concat of %j along %i, for all dtypes, with its gradient", (shapes, axis) => {
    const parts = shapes.map(threeDtypes);
    expectSame(() => [
      ...[0, 1, 2].map((k) => tf.concat(parts.map((p) => p[k]), axis)),
      ...tf.grads((...ts: Tensor[]) => tf.sum(tf.square(tf.concat(ts, axis))))(parts.map((p) => p[0])),
    ], "concat");
    tf.dispose(parts.flat());
  });

  it.each([0, 1, 2, -1])("stack and unstack along %i for all dtypes, with gradients", (axis) => {
    const parts = [0, 1, 2, 3].map(() => threeDtypes([3, 5]));
    const whole = threeDtypes([4, 3, 5]);
    const unstackAxis = axis === 2 || axis === -1 ? 2 : axis;
    expectSame(() => [
      ...[0, 1, 2].map((k) => tf.stack(parts.map((p) => p[k]), axis)),
      ...whole.flatMap((w) => tf.unstack(w, unstackAxis)),
      ...tf.grads((...ts: Tensor[]) => tf.sum(tf.square(tf.stack(ts, axis))))(parts.map((p) => p[0])),
      tf.grad((t: Tensor) => tf.addN(tf.unstack(t, unstackAxis).map((u, i) => tf.sum(tf.mul(u, i)))))(whole[0]),
    ], "stack/unstack");
    tf.dispose([...parts.flat(), ...whole]);
  });

  it("tile, reverse and pad for all dtypes, with gradients", () => {
    const xs = threeDtypes([3, 1, 4]);
    expectSame(() => [
      ...xs.map((x) => tf.tile(x, [2, 9, 1])),
      ...xs.map((x) => tf.tile(x, [1, 1, 3])),
      ...xs.map((x) => tf.reverse(x, [0, 2])),
      ...xs.map((x) => tf.reverse(x, 1)),
      ...xs.slice(0, 2).map((x) => tf.pad(x, [[1, 2], [0, 3], [2, 0]], 1.5)),
      tf.pad(xs[2], [[0, 1], [1, 0], [0, 0]]),
      tf.grad((t: Tensor) => tf.sum(tf.square(tf.tile(t, [2, 3, 2]))))(xs[0]),
      tf.grad((t: Tensor) => tf.sum(tf.mul(tf.reverse(t, [0, 2]), tf.reverse(xs[0], 2))))(xs[0]),
      tf.grad((t: Tensor) => tf.sum(tf.square(tf.pad(t, [[1, 0], [2, 2], [0, 1]]))))(xs[0]),
    ], "tile/reverse/pad");
    tf.dispose(xs);
  });
});

describe("embedding lookups: gather and its gradient", () => {
  // (The book's size, 1152 ids into (200, 256), takes tfjs's gradient 15 s; a smaller table here.)
  it("gathers rows of a (60, 256) table by (32, 9) ids, and the gradient sums rows by id", () => {
    const table = normal([60, 256]);
    const ids = tf.tensor2d(Array.from({ length: 32 * 9 }, (_, i) => (7 * i + 3) % 60), [32, 9], "int32");
    const dy = normal([32, 9, 256]);
    expectSame(() => [
      tf.gather(table, ids),
      tf.grad((t: Tensor) => tf.sum(tf.mul(tf.gather(t, ids), dy)))(table),
    ], "embedding");
    tf.dispose([table, ids, dy]);
  });

  it.each([0, 1, 2])("gathers along axis %i for all dtypes, with repeated ids and its gradient", (axis) => {
    const xs = threeDtypes([4, 5, 3]);
    const ids = tf.tensor2d([[2, 0, 2], [1, 1, 0]], [2, 3], "int32");
    expectSame(() => [
      ...xs.map((x) => tf.gather(x, ids, axis)),
      tf.grad((t: Tensor) => tf.sum(tf.square(tf.gather(t, ids, axis))))(xs[0]),
    ], "gather");
    tf.dispose([...xs, ids]);
  });

  it("refuses an index out of range with tfjs's message", () => {
    const x = tf.ones([3, 2]);
    for (const fast of [false, true]) {
      useFastKernels(fast);
      expect(() => tf.gather(x, tf.tensor1d([0, 3], "int32"))).toThrow("GatherV2: the index value 3 is not in [0, 2]");
    }
    x.dispose();
  });

  it("unsortedSegmentSum ignores ids outside [0, segments) and sums in order in double precision", () => {
    const x = tf.tensor2d([[1, 2], [1e8, -3], [4, 5], [-1e8, 1e-3], [7, 8]]);
    const ids = tf.tensor1d([1, 1, -1, 1, 4], "int32");
    expectSame(() => tf.unsortedSegmentSum(x, ids, 3), "segment sum");
    useFastKernels(true);
    expect(Array.from(tf.unsortedSegmentSum(x, ids, 3).dataSync())).toEqual([0, 0, 1, Math.fround(-3 + 2 + 1e-3), 0, 0]);
    tf.dispose([x, ids]);
  });

  it("unsortedSegmentSum keeps a NaN or infinity in its own segment (tfjs's mask spreads it to all)", () => {
    useFastKernels(true);
    const x = tf.tensor2d([[NaN, 1], [2, Infinity], [3, 4]]);
    const sums = tf.unsortedSegmentSum(x, tf.tensor1d([0, 1, 2], "int32"), 3).dataSync();
    expectIdentical(sums, Float32Array.from([NaN, 1, 2, Infinity, 3, 4]), "segments");
    x.dispose();
  });
});

describe("oneHot, where and cast", () => {
  it("oneHot with out-of-range ids, on/off values and both dtypes", () => {
    const ids = tf.tensor2d([[0, 4, -1], [3, 5, 2]], [2, 3], "int32");
    expectSame(() => [tf.oneHot(ids, 5), tf.oneHot(ids, 5, 2, -1), tf.oneHot(ids, 5, 1, 0, "float32"), tf.oneHot(tf.tensor1d([1, 0], "int32"), 3)], "oneHot");
    ids.dispose();
  });

  it("where (Select) with a condition per element (and per row, left to tfjs), for all dtypes, with gradients", () => {
    const c = tf.greater(normal([4, 5]), 0);
    const row = tf.tensor1d([true, false, true, false], "bool");
    const [a, ai, ab] = threeDtypes([4, 5]);
    const [b, bi, bb] = threeDtypes([4, 5]);
    expectSame(() => [
      tf.where(c, a, b), tf.where(c, ai, bi), tf.where(c, ab, bb),
      // One condition per row reaches the kernel only directly (tf.where broadcasts first).
      tf.engine().runKernel("Select", { condition: row, t: a, e: b }) as Tensor,
      tf.engine().runKernel("Select", { condition: row, t: ai, e: bi }) as Tensor,
      ...tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.square(tf.where(c, x, y))))([a, b]),
    ], "where");
    tf.dispose([c, row, a, ai, ab, b, bi, bb]);
  });

  it("cast between float32, int32 and bool, including NaN, ±∞, −0 and large values", () => {
    const x = tf.tensor1d([...SPECIAL, 2.7, -2.7, 2147483647.5, 3e9, -3e9]);
    const i = tf.tensor1d([0, -5, 7, 2147483647], "int32");
    expectSame(() => [
      tf.cast(x, "int32"), tf.cast(x, "bool"), tf.cast(i, "bool"), tf.cast(i, "float32"),
      tf.cast(tf.cast(x, "bool"), "float32"), tf.cast(tf.cast(x, "bool"), "int32"),
    ], "cast");
    tf.dispose([x, i]);
  });
});

describe("elementwise maths", () => {
  const inputs = () => tf.concat([tf.tensor1d(SPECIAL), tf.mul(normal([5003]), 6), tf.abs(tf.mul(normal([3001]), 1e-3))]);
  const exact: Array<[string, (x: Tensor) => Tensor]> = [
    ["relu", tf.relu],
    ["sqrt", tf.sqrt],
    ["rsqrt", tf.rsqrt],
    ["square", tf.square],
    ["abs", tf.abs],
    ["neg", tf.neg],
  ];
  it.each(exact)("%s is bit-identical to tfjs's, forward and gradient", (_, f) => {
    const x = inputs();
    expectSame(() => [f(x), tf.grad((t: Tensor) => tf.sum(tf.mul(f(t), 1.5)))(x)], "unary");
    x.dispose();
  });

  const approximate: Array<[string, (x: Tensor) => Tensor]> = [
    ["exp", tf.exp],
    ["log", tf.log],
    ["sigmoid", tf.sigmoid],
    ["tanh", tf.tanh],
  ];
  it.each(approximate)("%s is within 2 ulp of tfjs's, and so is its gradient up to the forward's difference", (_, f) => {
    const x = inputs();
    const { reference, fast } = bothWays(() => [f(x), tf.grad((t: Tensor) => tf.sum(tf.mul(f(t), 1.5)))(x)]);
    expectUlps(fast[0].values, reference[0].values, 2, "forward");
    // The gradients take the forward's output (y·(1 − y), 1 − y², y): 2 ulp of y, scaled by dy = 1.5.
    const g = fast[1].values;
    reference[1].values.forEach((e, i) => {
      if (Number.isNaN(e)) expect(g[i]).toBeNaN();
      else if (!Number.isFinite(e)) expect(g[i]).toBe(e);
      else expect(Math.abs(g[i] - e), `gradient at ${i}`).toBeLessThanOrEqual(1.5 * 4 * 2 ** -23 * Math.max(1, Math.abs(e)));
    });
    x.dispose();
  });

  it("the fused gradients of sigmoid, relu and tanh equal tfjs's composed ops bit for bit", () => {
    const y = tf.concat([tf.tensor1d([0, -0, 1, 0.5, NaN, Infinity, -Infinity]), tf.sigmoid(normal([999]))]);
    const dy = tf.concat([tf.tensor1d([-1, 2, 3, -4, 1, 1, -2]), normal([999])]);
    for (const [op, kernel] of [["Sigmoid", "D2lSigmoidGrad"], ["Relu", "D2lReluGrad"], ["Tanh", "D2lTanhGrad"]]) {
      useFastKernels(false);
      const expected = tf.tidy(() => tf.getGradient(op)!.gradFunc(dy, [y], {}).x().dataSync());
      useFastKernels(true);
      const actual = tf.tidy(() => (tf.engine().runKernel(kernel, { a: y, dy }, {}) as Tensor).dataSync());
      expectIdentical(actual as Float32Array, expected as Float32Array, op);
    }
    tf.dispose([y, dy]);
  });

  const pairs: Array<[number[], number[]]> = [
    [[7], [7]],
    [[3, 5], [1, 5]],
    [[4, 1, 6], [3, 1]],
    [[2, 3], []],
    [[16, 9, 64], [16, 9, 64]],
  ];
  it.each(pairs)("maximum and minimum of %j and %j broadcast bit-identically (with gradients for equal shapes)", (sa, sb) => {
    const a = tf.concat([tf.tensor1d(SPECIAL), normal([Math.max(0, sa.reduce((p, d) => p * d, 1) - SPECIAL.length)])]).slice(0, sa.reduce((p, d) => p * d, 1)).reshape(sa);
    const b = sb.length === 0 ? tf.scalar(-0) : normal(sb);
    expectSame(() => [
      tf.maximum(a, b), tf.minimum(a, b), tf.maximum(b, a), tf.minimum(b, a),
      // (tfjs's gradients of Maximum and Minimum do not reduce broadcast dimensions)
      ...(sa.join() === sb.join() ? tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.mul(tf.maximum(x, y), tf.minimum(x, y))))([a, b]) : []),
    ], "max/min");
    tf.dispose([a, b]);
  });

  it("broadcasting add, sub, mul and div walk strided operands bit-identically", () => {
    const cases: Array<[number[], number[]]> = [[[2, 3, 4], [3, 1]], [[5, 1, 7], [1, 6, 1]], [[1], [9, 2]], [[4, 1], [4, 8]], [[10, 1], [1, 50]]];
    for (const [sa, sb] of cases) {
      const a = normal(sa);
      const b = normal(sb);
      expectSame(() => [tf.add(a, b), tf.sub(b, a), tf.mul(a, b), tf.div(a, b)], `${sa} with ${sb}`);
      tf.dispose([a, b]);
    }
  });
});

describe("reductions", () => {
  const cases: Array<[number[], number | number[]]> = [
    [[1152, 200], -1], // cross-entropy's rows
    [[5, 7], 0],
    [[3, 4, 5], [0, 2]],
    [[3, 4, 5], 1],
    [[6], 0],
  ];
  it.each(cases)("max, mean and argMax of %j over %j equal tfjs's, with gradients", (shape, axis) => {
    const x = normal(shape);
    const single = Array.isArray(axis) ? axis[0] : axis;
    expectSame(() => [
      tf.max(x, axis), tf.max(x, axis, true), tf.mean(x, axis), tf.mean(x, axis, true), tf.argMax(x, single),
      tf.grad((t: Tensor) => tf.sum(tf.max(t, axis)))(x),
      tf.grad((t: Tensor) => tf.sum(tf.square(tf.mean(t, axis))))(x),
    ], "reduction");
    x.dispose();
  });

  it("max is NaN for a row with NaN and keeps the sign of tfjs's ±0; argMax skips NaN", () => {
    const rows = [
      [1, NaN, 3, 2, 0, 1, 1, 1],
      [-0, 0, -1, -2, -3, -4, -5, -6],
      [0, -0, -1, -2, -3, -4, -5, -6],
      [NaN, 1, 5, 5, 2, 1, 0, 5],
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
    ];
    const x = tf.tensor2d(rows);
    expectSame(() => [tf.max(x, 1), tf.argMax(x, 1), tf.max(x, 0), tf.argMax(x, 0)], "special rows");
    x.dispose();
  });

  it("logSoftmax and softmaxCrossEntropy (composed of these kernels) match tfjs within float32 rounding", () => {
    const logits = tf.mul(normal([96, 50]), 3);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 96 }, (_, i) => (7 * i + 3) % 50), "int32"), 50);
    const { reference, fast } = bothWays(() => [
      tf.logSoftmax(logits),
      tf.grad((t: Tensor) => tf.sum(tf.mul(tf.logSoftmax(t), labels)))(logits),
      tf.losses.softmaxCrossEntropy(labels, logits),
      tf.grad((t: Tensor) => tf.losses.softmaxCrossEntropy(labels, t))(logits),
    ]);
    reference.forEach((r, i) => {
      const f = fast[i].values;
      for (let j = 0; j < r.values.length; j++) {
        expect(Math.abs(f[j] - r.values[j])).toBeLessThanOrEqual(1e-6 + 1e-6 * Math.abs(r.values[j]));
      }
    });
    tf.dispose([logits, labels]);
  });
});

describe("sums and means over axes that are not all innermost (bit-identical to tfjs's)", () => {
  /**
   * Values over 21 decades, three in ten ±2^60 (which cancel, after swallowing the small terms
   * added to them in double precision): a sum in another order or precision rounds differently.
   */
  const wide = (shape: number[]): Tensor => {
    const values = new Float32Array(shape.reduce((p, d) => p * d, 1));
    let state = 2024;
    const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let i = 0; i < values.length; i++) {
      const u = next();
      values[i] = u < 0.3 ? Math.sign(u - 0.15) * 2 ** 60 : (next() - 0.5) * 10 ** (Math.floor(next() * 21) - 10);
    }
    return tf.tensor(values, shape);
  };
  const cases: Array<[number[], number[]]> = [
    [[128, 1, 9, 256], [2]], // additive attention's broadcast gradient (11.3, 11.4)
    [[1152, 200], [0]], // a bias gradient
    [[30, 37, 5], [1]], // 5 columns: the 4-wide and single-column paths
    [[2, 3, 4, 35], [1, 2]], // 35 columns: two blocks of 16 and a tail
    [[6, 4, 50, 3, 32], [1, 3]], // two reduced runs: a table of outer terms
    [[4, 400, 3], [0, 2]], // an outer and the innermost axis: strided columns
    [[8, 50, 6, 3], [0, 2]], // single columns with outer terms
    [[60, 40, 3], [0, 1]],
    [[5, 1, 6, 1, 7], [1, 3]], // only size-1 axes: a copy
    [[5, 6, 7], []],
    [[1, 1], [0]],
    [[0, 3], [0]], // empty sums: zeros
    [[3, 0, 4], [1]],
    [[3, 0, 4], [0]], // an empty result
    [[2, 3, 0], [0]],
  ];
  it.each(cases)("sum and mean of %j over %j, with and without keepDims", (shape, axes) => {
    const x = wide(shape);
    expectSame(() => [tf.sum(x, axes), tf.sum(x, axes, true), tf.mean(x, axes), tf.mean(x, axes, true)], "sum and mean");
    x.dispose();
  });

  it.each([
    [[64, 33, 1000], [1]], // rows split between the threads
    [[2, 1100, 1000], [1]], // few rows: blocks of columns
  ])("sum and mean of %j over %j, large enough for the threads", (shape, axes) => {
    const x = wide(shape);
    expectSame(() => [tf.sum(x, axes), tf.mean(x, axes)], "threaded sum and mean");
    x.dispose();
  });

  it("sums in double precision and keeps NaN and infinities, as tfjs", () => {
    const big = 3.4e38; // two of them overflow float32, not the double accumulator
    const x = tf.tensor3d([
      [[big, 1, NaN, Infinity, -Infinity, 1e-45]],
      [[big, 2, 0, Infinity, 5, 1e-45]],
      [[-big, 3, 1, -Infinity, 7, -0]],
    ]);
    expectSame(() => [tf.sum(x, 0), tf.sum(x, [0, 1]), tf.mean(x, 0), tf.sum(x, [0, 2])], "special values");
    useFastKernels(true);
    const sums = tf.tidy(() => tf.sum(x, 0).dataSync());
    expect(Array.from(sums)).toEqual([Math.fround(big), 6, NaN, NaN, -Infinity, 2 * 2 ** -149]);
    // A sum starts from +0 (as tfjs's): the sum of -0 alone is +0.
    const zero = tf.tidy(() => tf.sum(tf.tensor2d([[-0]]), 0).dataSync()[0]);
    expect(Object.is(zero, 0)).toBe(true);
    x.dispose();
  });

  it("int32 and bool go to tfjs's kernels; float32 made from bool is summed here", () => {
    const xs = threeDtypes([4, 6, 5]);
    expectSame(() => [
      ...xs.flatMap((x) => [tf.sum(x, 1), tf.mean(x, [0, 2])]),
      tf.sum(tf.cast(xs[2], "float32"), 0),
    ], "dtypes");
    tf.dispose(xs);
  });

  it("runs in the WebAssembly kernel (OP_AXIS_SUM), not as tfjs's transpose and row sums", () => {
    useFastKernels(true);
    const rt = getRuntime();
    const newJob = vi.spyOn(rt, "newJob");
    const x = wide([4, 9, 16]);
    try {
      tf.tidy(() => tf.sum(x, 1).dataSync());
      expect(newJob.mock.calls.map(([op]) => op)).toEqual([Op.axisSum]);
    } finally {
      newJob.mockRestore();
      x.dispose();
    }
  });
});

describe("parametric attention pooling (section 11.2), fused", () => {
  /** |a − e| ≤ tol·(1 + |e|) everywhere (NaN where the other is NaN). */
  const expectNear = (a: Values, e: Values, tol: number, label: string) => {
    expect(a.length).toBe(e.length);
    e.forEach((x, i) => {
      if (Number.isNaN(x)) expect(a[i], `${label}[${i}]`).toBeNaN();
      else expect(Math.abs(a[i] - x), `${label}[${i}]: ${a[i]} vs ${x}`).toBeLessThanOrEqual(tol * (1 + Math.abs(x)));
    });
  };

  it.each([[10, 50], [10, 5000], [7, 3], [1, 1], [13, 129]])(
    "%i queries over %i keys: values, weights and every gradient equal the book's chain of ops",
    (nq, nk) => {
      const q = tf.mul(tf.randomUniform([nq], 0, 1, "float32", seedValue++), 5);
      const k = tf.mul(tf.randomUniform([nk], 0, 1, "float32", seedValue++), 5);
      const v = normal([nk]);
      const w = tf.tensor1d([1.7]);
      const dy = normal([nq]);
      const dWeights = normal([nq, nk]);
      const { reference, fast } = bothWays(() => {
        const { yHat, attentionWeights } = parametricAttentionPool(q, k, w, v);
        const grads = tf.grads((...xs: Tensor[]) => {
          const r = parametricAttentionPool(xs[0], xs[1], xs[2], xs[3]);
          return tf.add(tf.sum(tf.mul(r.yHat, dy)), tf.sum(tf.mul(r.attentionWeights, dWeights)));
        })([q, k, w, v]);
        const onlyYHat = tf.grad((t: Tensor) => tf.sum(tf.mul(parametricAttentionPool(q, k, t, v).yHat, dy)))(w);
        return [yHat, attentionWeights, ...grads, onlyYHat];
      });
      const labels = ["yHat", "weights", "dQueries", "dKeys", "dW", "dValues", "dW (yHat only)"];
      fast.forEach((f, i) => {
        expect(f.shape).toEqual(reference[i].shape);
        // Sums over up to 5000 terms in another order: relative 1e-4 (dW sums 50000).
        expectNear(f.values, reference[i].values, i < 2 ? 2e-6 : 2e-4, labels[i]);
      });
      tf.dispose([q, k, v, w, dy, dWeights]);
    },
  );

  it("trains NWKernelRegression to the same width on both kernel sets", () => {
    const fit = async (fast: boolean) => {
      useFastKernels(fast);
      d2l.seed(3);
      const data = new d2l.NonlinearData(50, 10);
      const model = new d2l.NWKernelRegression(data.xTrain, data.yTrain, 1);
      model.board.display = false;
      await new d2l.Trainer({ maxEpochs: 3 }).fit(model, data);
      const w = model.w.dataSync()[0];
      model.dispose();
      return w;
    };
    return (async () => {
      const reference = await fit(false);
      const fast = await fit(true);
      expect(Math.abs(fast - reference)).toBeLessThanOrEqual(1e-4 * Math.abs(reference));
    })();
  });
});

describe("layer norm, fused", () => {
  it.each([[[128, 9, 256]], [[5, 7]], [[3, 1]], [[2, 3, 33]]])("LayerNorm over the last axis of %j and its gradients equal the chain of ops", (shape) => {
    const n = shape[shape.length - 1];
    const norm = new d2l.LayerNorm(n);
    norm.weight.assign(tf.add(normal([n]), 1));
    norm.bias.assign(normal([n]));
    const x = tf.add(tf.mul(normal(shape), 3), 0.5);
    const dy = normal(shape);
    const { reference, fast } = bothWays(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(norm.forward(x), dy)) as d2l.tf.Scalar, [norm.weight, norm.bias]);
      const dx = tf.grad((t: Tensor) => tf.sum(tf.mul(norm.forward(t), dy)))(x);
      return [norm.forward(x), value, grads[norm.weight.name], grads[norm.bias.name], dx];
    });
    const labels = ["y", "loss", "dWeight", "dBias", "dx"];
    fast.forEach((f, i) => {
      expect(f.shape).toEqual(reference[i].shape);
      reference[i].values.forEach((e, j) => {
        expect(Math.abs(f.values[j] - e), `${labels[i]}[${j}]`).toBeLessThanOrEqual(2e-5 * (1 + Math.abs(e)));
      });
    });
    tf.dispose([x, dy]);
    norm.dispose();
  });
});

describe("dot-product attention, fused", () => {
  /** |a − e| ≤ tol·(1 + |e|) everywhere. */
  const expectNear = (a: Values, e: Values, tol: number, label: string) => {
    expect(a.length).toBe(e.length);
    e.forEach((x, i) => expect(Math.abs(a[i] - x), `${label}[${i}]: ${a[i]} vs ${x}`).toBeLessThanOrEqual(tol * (1 + Math.abs(x))));
  };
  const lengthCases: Array<[string, (b: number, q: number, k: number) => d2l.ValidLens | null]> = [
    ["no lengths", () => null],
    ["one length per example (the book's 1 + 37b mod keys)", (b, _q, k) => Array.from({ length: b }, (_, i) => 1 + ((37 * i) % k))],
    ["lengths per query, some 0 and some past the keys", (b, q, k) => Array.from({ length: b }, (_, i) => Array.from({ length: q }, (_, j) => (i * 5 + j * 3) % (k + 3)))],
    ["a causal AttentionMask", (_b, q, k) => d2l.causalMask(Math.min(q, k)).keep.length === q * k ? d2l.causalMask(q) : null],
  ];
  // Both engines of the fast matmul (the limits skip masked keys in either).
  const engines = nativeMatMul() ? ["native", "WebAssembly"] : ["WebAssembly"];
  const engineLengthCases = engines.flatMap((engine) => lengthCases.map(([name, lens]) => [engine, name, lens] as const));
  afterAll(() => setNativeMatMulEnabled(true));
  it.each(engineLengthCases)("%s matmul: forward, weights and gradients equal the chain of ops: %s", (engine, _, lens) => {
    setNativeMatMulEnabled(engine === "native");
    for (const [b, q, k, d, dv] of [[3, 5, 7, 4, 6], [4, 9, 9, 8, 3], [2, 33, 17, 16, 16]]) {
      const Q = normal([b, q, d]);
      const K = normal([b, k, d]);
      const V = normal([b, k, dv]);
      const G = normal([b, q, dv]);
      const W = normal([b, q, k]);
      const valid = lens(b, q, k);
      const attention = new d2l.DotProductAttention(0);
      const { reference, fast } = bothWays(() => {
        const out = attention.forward(Q, K, V, valid);
        const weights = attention.attentionWeights.clone();
        const grads = tf.grads((x: Tensor, y: Tensor, z: Tensor) => tf.sum(tf.mul(attention.forward(x, y, z, valid), G)))([Q, K, V]);
        // A loss on the weights too (the fused gradient adds it before the softmax's gradient).
        const both = tf.grads((x: Tensor, y: Tensor, z: Tensor) => {
          const o = attention.forward(x, y, z, valid);
          return tf.add(tf.sum(tf.mul(o, G)), tf.sum(tf.mul(attention.attentionWeights, W)));
        })([Q, K, V]);
        return [out, weights, ...grads, ...both];
      });
      const labels = ["output", "weights", "dQ", "dK", "dV", "dQ (both)", "dK (both)", "dV (both)"];
      fast.forEach((f, i) => {
        expect(f.shape).toEqual(reference[i].shape);
        expectNear(f.values, reference[i].values, 1e-5, `${labels[i]} at ${[b, q, k, d, dv]}`);
      });
      attention.dispose();
      tf.dispose([Q, K, V, G, W]);
    }
  });

  it("computes every key when weights past the lengths are not 0 (all scores below -1e6)", () => {
    const Q = tf.mul(tf.ones([2, 3, 4]), 2000);
    const K = tf.mul(tf.ones([2, 5, 4]), -1000); // scores -1e6 · 8 / 2 = -4e6 < -1e6
    const V = normal([2, 5, 3]);
    const attention = new d2l.DotProductAttention(0);
    const { reference, fast } = bothWays(() => [
      attention.forward(Q, K, V, [2, 3]),
      ...tf.grads((x: Tensor, y: Tensor, z: Tensor) => tf.sum(attention.forward(x, y, z, [2, 3])))([Q, K, V]),
    ]);
    fast.forEach((f, i) => expectNear(f.values, reference[i].values, 1e-5, `#${i}`));
    attention.dispose();
    tf.dispose([Q, K, V]);
  });

  it("with dropout active in training, the same draws give the same output and gradients", () => {
    const Q = normal([3, 6, 4]);
    const K = normal([3, 8, 4]);
    const V = normal([3, 8, 5]);
    const attention = new d2l.DotProductAttention(0.3);
    attention.train();
    const { reference, fast } = bothWays(() => {
      d2l.seed(11);
      return tf.grads((x: Tensor, y: Tensor, z: Tensor) => tf.sum(tf.square(attention.forward(x, y, z, [2, 8, 5]))))([Q, K, V]);
    });
    fast.forEach((f, i) => expectNear(f.values, reference[i].values, 1e-5, `#${i}`));
    attention.dispose();
    tf.dispose([Q, K, V]);
  });

  it("multi-head attention's forward and parameter gradients equal the chain of ops", () => {
    const X = normal([4, 10, 16]);
    const mha = new d2l.MultiHeadAttention(16, 4, 0);
    mha.eval();
    const lens = [3, 10, 1, 7];
    tf.dispose(mha.forward(X, X, X, lens)); // creates the parameters
    const { reference, fast } = bothWays(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(mha.forward(X, X, X, lens))) as d2l.tf.Scalar);
      return [value, ...Object.values(grads)];
    });
    fast.forEach((f, i) => expectNear(f.values, reference[i].values, 2e-5, `#${i}`));
    mha.dispose();
    X.dispose();
  });
});

describe("useFastKernels(false)", () => {
  it("restores tfjs's kernel for every replaced op", () => {
    const names = ["GatherV2", "UnsortedSegmentSum", "Slice", "StridedSlice", "SplitV", "Concat", "Pack", "Unpack", "OneHot",
      "Tile", "Reverse", "PadV2", "Cast", "Select", "Sigmoid", "Relu", "Exp", "Log", "Sqrt", "Rsqrt", "Square", "Abs",
      "Maximum", "Minimum", "Max", "Sum", "Mean", "ArgMax"];
    useFastKernels(false);
    const reference = names.map((n) => tf.getKernel(n, "cpu")!.kernelFunc);
    useFastKernels(true);
    names.forEach((n, i) => expect(tf.getKernel(n, "cpu")!.kernelFunc, n).not.toBe(reference[i]));
    useFastKernels(false);
    names.forEach((n, i) => expect(tf.getKernel(n, "cpu")!.kernelFunc, n).toBe(reference[i]));
    useFastKernels(true);
  });
});
