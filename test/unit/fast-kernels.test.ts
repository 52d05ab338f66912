/**
 * The fast CPU kernels (kernel-lib/src/fast) against tfjs's reference CPU kernels and, for
 * matmul, against a float64 triple loop: BatchMatMul with every transpose combination, odd sizes
 * and broadcast batch dimensions (single- and multi-threaded; in the native module where this
 * machine has it, and in WebAssembly), Softmax with masked (-1e6) and
 * fully masked rows, broadcasting Add/Sub/Multiply/RealDiv, and the gradients of all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import {
  fastKernelsEnabled,
  fastKernelsUnavailableReason,
  fastKernelThreads,
  useFastKernels,
} from "../../kernel-lib/src/fast";
import { fastMaskedSoftmaxKernels } from "../../kernel-lib/src/fast/softmax";
import { nativeMatMul, setNativeMatMulEnabled } from "../../kernel-lib/src/fast/native";
import { batchMatMul } from "../../kernel-lib/src/fast/matmul";
import { withCall } from "../../kernel-lib/src/fast/runtime";
import {
  getMaskedSoftmaxKernels,
  hostMaskedSoftmaxKernels,
  type ResolvedValidLens,
} from "../../kernel-lib/src/ops/masked-softmax";

const tf = d2l.tf;
type Tensor = d2l.tf.Tensor;

/** |actual − expected| ≤ abs + rel·|expected| everywhere; names the worst element otherwise. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, abs = 1e-5, rel = 1e-5) {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] === expected[i]) continue; // also equal infinities
    const diff = Math.abs(actual[i] - expected[i]);
    const excess = Number.isNaN(diff) ? Infinity : diff - (abs + rel * Math.abs(expected[i]));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    throw new Error(`${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]}`);
  }
}

/** Runs `f` once on the reference kernels and once on the fast kernels; returns both results. */
function bothWays(f: () => Tensor | Tensor[]): { reference: Float32Array[]; fast: Float32Array[] } {
  const run = (fast: boolean) => {
    useFastKernels(fast);
    return tf.tidy(() => {
      const out = f();
      return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    });
  };
  const reference = run(false);
  const fast = run(true);
  return { reference, fast };
}

/** Deterministic shapes: a small linear congruential generator. */
function shapeSource(seed: number) {
  let s = seed >>> 0;
  return (lo: number, hi: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (s % (hi - lo + 1));
  };
}

/** C = op(A)·op(B) in float64 with numpy-style broadcasting of the batch dimensions. */
function naiveMatMul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Float64Array {
  const av = a.dataSync();
  const bv = b.dataSync();
  const ra = a.rank;
  const rb = b.rank;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const aOuter = a.shape.slice(0, -2);
  const bOuter = b.shape.slice(0, -2);
  const rank = Math.max(aOuter.length, bOuter.length);
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const ao = pad(aOuter);
  const bo = pad(bOuter);
  const out = ao.map((d, i) => Math.max(d, bo[i]));
  const batch = out.reduce((p, d) => p * d, 1);
  const c = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    let rest = bi;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rest % out[d];
      rest = Math.floor(rest / out[d]);
      ia += (ao[d] === 1 ? 0 : idx) * sa;
      ib += (bo[d] === 1 ? 0 : idx) * sb;
      sa *= ao[d];
      sb *= bo[d];
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const x = transposeA ? av[ia * m * k + p * m + i] : av[ia * m * k + i * k + p];
          const y = transposeB ? bv[ib * k * n + j * k + p] : bv[ib * k * n + p * n + j];
          sum += x * y;
        }
        c[(bi * m + i) * n + j] = sum;
      }
    }
  }
  return c;
}

let seed = 1;
const normal = (shape: number[]) => tf.randomNormal(shape, 0, 1, "float32", seed++);

beforeAll(() => {
  tf.setBackend("cpu");
});

afterAll(() => {
  useFastKernels(true);
});

describe("useFastKernels", () => {
  it("is on by default once d2l-ts is imported (unless D2L_FAST_KERNELS=0)", () => {
    expect(fastKernelsUnavailableReason()).toBeNull();
    expect(fastKernelsEnabled()).toBe(true);
    expect(getMaskedSoftmaxKernels()).toBe(fastMaskedSoftmaxKernels);
  });

  it("swaps tfjs's CPU kernels in and out through the kernel registry", () => {
    useFastKernels(false);
    expect(fastKernelsEnabled()).toBe(false);
    const reference = tf.getKernel("BatchMatMul", "cpu")!.kernelFunc;
    useFastKernels(true);
    expect(fastKernelsEnabled()).toBe(true);
    const fast = tf.getKernel("BatchMatMul", "cpu")!.kernelFunc;
    expect(fast).not.toBe(reference);
    useFastKernels(false);
    expect(tf.getKernel("BatchMatMul", "cpu")!.kernelFunc).toBe(reference);
    expect(getMaskedSoftmaxKernels()).toBe(hostMaskedSoftmaxKernels);
    expect(fastKernelsUnavailableReason()).toMatch(/useFastKernels\(false\)/);
    useFastKernels(true);
  });

  it("uses at least one thread and leaks no tensors", () => {
    expect(fastKernelThreads()).toBeGreaterThanOrEqual(1);
    useFastKernels(true);
    const before = tf.memory().numTensors;
    tf.tidy(() => tf.matMul(normal([3, 40, 50]), normal([3, 50, 60])).dataSync());
    tf.tidy(() => tf.softmax(normal([7, 33])).dataSync());
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("BatchMatMul", () => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[1, 1], [1, 1], false, false],
    [[5, 7], [7, 1], false, false], // matrix-vector
    [[1, 9], [9, 13], false, false],
    [[13, 70], [70, 33], false, false],
    [[2, 3, 5], [2, 5, 4], false, false],
    [[2, 5, 3], [2, 5, 4], true, false],
    [[2, 3, 5], [2, 4, 5], false, true],
    [[2, 5, 3], [2, 4, 5], true, true],
    [[4, 1, 6, 9], [3, 9, 10], false, false], // broadcast batch: (4,1) with (3)
    [[1, 6, 9], [5, 9, 11], false, false], // broadcast batch of A
    [[5, 9, 6], [9, 11], true, false], // rank-2 B against a batch of A
    [[3, 70, 65], [3, 65, 129], false, false], // large enough for all threads
    [[2, 129, 67], [2, 131, 67], false, true],
    [[37, 700], [700, 19], false, false], // inner dimension in 3 blocks (KC = 256)
    [[600, 33], [600, 29], true, false], // a weight gradient's shape: blocks of the transposed A
    [[128, 256], [768, 256], false, true], // a GRU step's W_hh·h: few rows, columns split among threads
    [[131, 301], [77, 301], false, true], // the same with edges: partial column panels, k in 2 blocks
    [[1152, 770], [770, 40], false, false], // many rows, k in 4 blocks: larger row tasks
  ];
  const next = shapeSource(7);
  for (let i = 0; i < 12; i++) {
    const [batch, m, k, n] = [next(1, 4), next(1, 40), next(1, 40), next(1, 40)];
    const tA = next(0, 1) === 1;
    const tB = next(0, 1) === 1;
    cases.push([[batch, tA ? k : m, tA ? m : k], [batch, tB ? n : k, tB ? k : n], tA, tB]);
  }

  // Both engines of the fast matmul: the native module where this machine has it, and WebAssembly.
  const engines = nativeMatMul() ? ["native", "WebAssembly"] : ["WebAssembly"];
  const engineCases = engines.flatMap((engine) => cases.map((c) => [engine, ...c] as [string, number[], number[], boolean, boolean]));
  afterAll(() => setNativeMatMulEnabled(true));

  it.each(engineCases)("%s: %j x %j (transposeA %s, transposeB %s) matches a float64 loop and tfjs", (engine, aShape, bShape, tA, tB) => {
    const a = normal(aShape);
    const b = normal(bShape);
    const truth = naiveMatMul(a, b, tA, tB);
    useFastKernels(true);
    setNativeMatMulEnabled(engine === "native");
    const fast = tf.tidy(() => tf.matMul(a, b, tA, tB).dataSync());
    // float32 sums of k products of normal numbers: the rounding error grows with k.
    const k = tA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
    const tol = 1e-5 * Math.max(1, k / 100);
    expectClose(fast, truth, "fast vs float64", tol, tol);
    // tfjs's reference kernel pairs broadcast batches by `index % batchSize`, which is only right
    // when one operand has a single batch or both have the same flattened batch shape.
    const aBatch = aShape.slice(0, -2);
    const bBatch = bShape.slice(0, -2);
    const referenceIsExact =
      aBatch.reduce((p, d) => p * d, 1) === 1 ||
      bBatch.reduce((p, d) => p * d, 1) === 1 ||
      (aBatch.length === bBatch.length && aBatch.every((d, i) => d === bBatch[i]));
    if (referenceIsExact) {
      const { reference } = bothWays(() => tf.matMul(a, b, tA, tB));
      expectClose(fast, reference[0], "fast vs tfjs reference", tol, tol);
    }
    a.dispose();
    b.dispose();
  });

  it.each([
    [[3, 17, 9], [3, 9, 21], false, false],
    [[3, 9, 17], [3, 21, 9], true, true],
    [[2, 64, 70], [2, 70, 66], false, false],
  ] as Array<[number[], number[], boolean, boolean]>)(
    "gradients for %j x %j (transposeA %s, transposeB %s) equal the reference kernels'",
    (aShape, bShape, tA, tB) => {
      const a = normal(aShape);
      const b = normal(bShape);
      const outShape = tf.tidy(() => tf.matMul(a, b, tA, tB).shape);
      const weights = normal(outShape);
      const { reference, fast } = bothWays(() =>
        tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.mul(tf.matMul(x, y, tA, tB), weights)))([a, b]),
      );
      expectClose(fast[0], reference[0], "dA");
      expectClose(fast[1], reference[1], "dB");
      tf.dispose([a, b, weights]);
    },
  );

  it.each(engines)("%s: per-batch limits zero what they leave out, also with no terms (k limit 0) and fewer columns", (engine) => {
    setNativeMatMulEnabled(engine === "native");
    // Stale numbers in the heap block the result will reuse: every entry must still be written.
    withCall((call) => (call.output("float32", 2 * 4 * 6).values as Float32Array).fill(777));
    const c = withCall((call) => {
      const a = new Float32Array(2 * 4 * 3).fill(1);
      const b = new Float32Array(2 * 3 * 6).fill(1);
      const op = { a, b, aShape: [2, 4, 3], bShape: [2, 3, 6], transposeA: false, transposeB: false };
      return Array.from(batchMatMul(call, op, { n: Int32Array.of(2, 6), k: Int32Array.of(0, 3) }).values);
    });
    // Batch 0: no terms, so all 0; batch 1: every column over all 3 terms.
    expect(c).toEqual([...new Array<number>(24).fill(0), ...new Array<number>(24).fill(3)]);
  });

  it.each(engines)("%s: per-batch limits that cut through blocks of columns (few rows: the product is split by columns)", (engine) => {
    setNativeMatMulEnabled(engine === "native");
    const [batch, m, k, n] = [3, 40, 50, 100];
    const limits = { m: Int32Array.of(40, 17, 0), n: Int32Array.of(45, 100, 70), k: Int32Array.of(50, 0, 30) };
    withCall((call) => (call.output("float32", batch * m * n).values as Float32Array).fill(777));
    const a = Float32Array.from({ length: batch * m * k }, (_, i) => ((i * 37) % 17) / 8 - 1);
    const b = Float32Array.from({ length: batch * k * n }, (_, i) => ((i * 11) % 13) / 6 - 1);
    const c = withCall((call) =>
      Array.from(batchMatMul(call, { a, b, aShape: [batch, m, k], bShape: [batch, k, n], transposeA: false, transposeB: false }, limits).values),
    );
    const expected: number[] = [];
    for (let bi = 0; bi < batch; bi++) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0;
          if (i < limits.m[bi] && j < limits.n[bi]) for (let p = 0; p < limits.k[bi]; p++) sum += a[(bi * m + i) * k + p] * b[(bi * k + p) * n + j];
          expected.push(sum);
        }
      }
    }
    expectClose(c, expected, "limited product", 1e-5, 1e-5);
  });

  it("refuses mismatched inner dimensions as tfjs does", () => {
    useFastKernels(true);
    expect(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 2]))).toThrow(/inner shapes \(3\) and \(4\)/);
  });

  it("hands int32 operands to tfjs's own kernel", () => {
    useFastKernels(true);
    const c = tf.matMul(tf.tensor2d([[1, 2]], [1, 2], "int32"), tf.tensor2d([[3], [4]], [2, 1], "int32"));
    expect(c.dtype).toBe("int32");
    expect(Array.from(c.dataSync())).toEqual([11]);
  });
});

describe("Softmax", () => {
  const shapes = [[1], [3], [2, 1], [4, 5], [3, 4, 7], [2, 3, 513], [70, 64], [129, 130]];

  it.each(shapes)("of shape %j equals the reference, forward and gradient", (...shape) => {
    const x = normal(shape);
    const g = normal(shape);
    const { reference, fast } = bothWays(() => {
      const y = tf.softmax(x);
      const [dx] = tf.grads((t: Tensor) => tf.sum(tf.mul(tf.softmax(t), g)))([x]);
      return [y, dx];
    });
    expectClose(fast[0], reference[0], "softmax", 1e-7, 1e-6);
    expectClose(fast[1], reference[1], "gradient", 1e-7, 1e-5);
    tf.dispose([x, g]);
  });

  it("gives exactly 0 for the book's -1e6 masked scores and a uniform row when all are masked", () => {
    const x = tf.tensor2d([
      [0.5, -1e6, 1.5, -1e6, 0.25],
      [-1e6, -1e6, -1e6, -1e6, -1e6],
      [80, -80, 0, 3, -1e6],
    ]);
    const { reference, fast } = bothWays(() => tf.softmax(x));
    expectClose(fast[0], reference[0], "masked softmax", 1e-7, 1e-6);
    expect(fast[0][1]).toBe(0);
    expect(fast[0][3]).toBe(0);
    expect(Array.from(fast[0].slice(5, 10))).toEqual([0.2, 0.2, 0.2, 0.2, 0.2].map(Math.fround));
    x.dispose();
  });

  it("propagates NaN like the reference", () => {
    const x = tf.tensor2d([[1, NaN, 2]]);
    const { fast } = bothWays(() => tf.softmax(x));
    expect(Array.from(fast[0]).every(Number.isNaN)).toBe(true);
    x.dispose();
  });
});

describe("broadcasting Add, Sub, Multiply, RealDiv", () => {
  const pairs: Array<[number[], number[]]> = [
    [[4, 5], [4, 5]],
    [[4, 5], []],
    [[], [3, 2]],
    [[4, 5], [5]],
    [[4, 5], [4, 1]],
    [[3, 4, 5], [3, 4, 1]],
    [[2, 3, 1, 4], [2, 1, 5, 4]], // additive attention's queries.unsqueeze(2) + keys.unsqueeze(1)
    [[1, 3, 1], [2, 1, 4]],
    [[2, 1, 3], [3]],
    [[0, 3], [3]],
  ];
  const ops: Array<[string, (a: Tensor, b: Tensor) => Tensor]> = [
    ["add", tf.add],
    ["sub", tf.sub],
    ["mul", tf.mul],
    ["div", tf.div],
  ];

  for (const [name, op] of ops) {
    it.each(pairs)(`${name} of %j and %j equals the reference, with gradients`, (aShape, bShape) => {
      const a = normal(aShape);
      const b = tf.tidy(() => tf.add(normal(bShape), name === "div" ? 3 : 0));
      const { reference, fast } = bothWays(() => {
        const out = op(a, b);
        return [out, ...tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.square(op(x, y))))([a, b])];
      });
      expect(fast.length).toBe(3);
      for (let i = 0; i < 3; i++) expectClose(fast[i], reference[i], `${name} output ${i}`, 1e-6, 1e-6);
      tf.dispose([a, b]);
    });
  }

  // From 4096 elements, same-shape and one-number operands go through the WebAssembly kernel
  // (threaded from ~1 M): bit-identical to tfjs's arithmetic.
  const large: Array<[number[], number[]]> = [
    [[67, 65], [67, 65]],
    [[67, 65], []],
    [[1], [67, 65]],
    [[1100, 1001], [1100, 1001]],
    [[1100, 1001], [1]],
  ];
  for (const [name, op] of ops) {
    it.each(large)(`${name} of %j and %j (WebAssembly path) is bit-identical to the reference`, (aShape, bShape) => {
      const a = normal(aShape);
      // b starts with 0, -0, ∞ and NaN where it has room: signed zeros and infinities must match too.
      const size = tf.util.sizeFromShape(bShape);
      const b = tf.tidy(() =>
        size >= 4 ? tf.concat([tf.tensor1d([0, -0, Infinity, NaN]), normal([size - 4])]).reshape(bShape) : normal(bShape),
      );
      const { reference, fast } = bothWays(() => op(a, b));
      expect(fast[0].length).toBe(reference[0].length);
      for (let i = 0; i < fast[0].length; i++) {
        if (!Object.is(fast[0][i], reference[0][i]) && !(Number.isNaN(fast[0][i]) && Number.isNaN(reference[0][i]))) {
          throw new Error(`${name}: element ${i} is ${fast[0][i]}, expected ${reference[0][i]}`);
        }
      }
      tf.dispose([a, b]);
    });
  }

  it("accepts float32 tensors whose data tfjs keeps in another typed array (a cast from bool)", () => {
    const x = normal([3, 4]);
    const { reference, fast } = bothWays(() => tf.mul(x, tf.cast(tf.greater(x, 0), "float32")));
    expectClose(fast[0], reference[0], "x * (x > 0)", 0, 0);
    x.dispose();
  });

  it("neg equals the reference (float32 here, int32 in tfjs), with its gradient", () => {
    const x = tf.concat([normal([37]), tf.tensor1d([0, -0, Infinity, NaN])]);
    const { reference, fast } = bothWays(() => [tf.neg(x), tf.grad((t: Tensor) => tf.sum(tf.square(tf.neg(t))))(x)]);
    expect(Array.from(fast[0])).toEqual(Array.from(reference[0]));
    expectClose(fast[1].filter((v) => !Number.isNaN(v)), reference[1].filter((v) => !Number.isNaN(v)), "gradient", 0, 0);
    useFastKernels(true);
    expect(Array.from(tf.neg(tf.tensor1d([3, -4], "int32")).dataSync())).toEqual([-3, 4]);
    x.dispose();
  });

  it("keeps int32 arithmetic in tfjs's kernels", () => {
    useFastKernels(true);
    const s = tf.add(tf.tensor1d([1, 2], "int32"), tf.tensor1d([3, 4], "int32"));
    expect(s.dtype).toBe("int32");
    expect(Array.from(s.dataSync())).toEqual([4, 6]);
  });
});

describe("the masked softmax's kernels", () => {
  const next = shapeSource(11);
  const cases: Array<[number, number]> = [[1, 1], [3, 5], [4, 4], [7, 9], [130, 67], [64, 513]];

  it.each(cases)("%i rows of %i: the WebAssembly forward and backward equal the TypeScript loops", (rows, cols) => {
    const x = tf.tensor3d(Float32Array.from({ length: rows * cols }, () => next(0, 2000) / 100 - 10), [1, rows, cols]);
    const dy = tf.tensor3d(Float32Array.from({ length: rows * cols }, () => next(0, 2000) / 1000 - 1), [1, rows, cols]);
    // Keep flags in the book's pattern (a prefix per row, some rows fully masked) and at random;
    // lengths per query, some 0 and some past the row.
    const prefix = Uint8Array.from({ length: rows * cols }, (_, i) => ((i % cols) < (Math.floor(i / cols) % (cols + 1)) ? 1 : 0));
    const random = Uint8Array.from({ length: rows * cols }, () => next(0, 3) === 0 ? 0 : 1);
    const lengths = Float64Array.from({ length: rows }, (_, r) => (r * 7) % (cols + 3));
    const masks: ResolvedValidLens[] = [
      { kind: "none" },
      { kind: "mask", mask: new d2l.AttentionMask([1, rows, cols], prefix) },
      { kind: "mask", mask: new d2l.AttentionMask([1, rows, cols], random) },
      { kind: "lengths", values: lengths, perQuery: true },
      { kind: "lengths", values: Float64Array.of(Math.floor(cols / 2)), perQuery: false },
    ];
    for (const lens of masks) {
      const y = hostMaskedSoftmaxKernels.forward(x, lens);
      expectClose(fastMaskedSoftmaxKernels.forward(x, lens).dataSync(), y.dataSync(), `forward, ${lens.kind}`, 1e-7, 1e-6);
      expectClose(
        fastMaskedSoftmaxKernels.backward(y, dy, lens).dataSync(),
        hostMaskedSoftmaxKernels.backward(y, dy, lens).dataSync(),
        `backward, ${lens.kind}`,
        1e-7,
        1e-5,
      );
    }
  });

  it("d2l.maskedSoftmax gives the same values and gradients on both kernel sets", () => {
    const X = normal([4, 6, 37]) as d2l.tf.Tensor3D;
    const G = normal([4, 6, 37]);
    for (const lens of [[0, 3, 37, 50], [[1, 2, 3, 4, 5, 6], [0, 0, 9, 9, 40, 1], [7, 7, 7, 7, 7, 7], [2, 30, 2, 30, 2, 30]]]) {
      const { reference, fast } = bothWays(() => [
        d2l.maskedSoftmax(X, lens),
        tf.grad((x: Tensor) => tf.sum(tf.mul(d2l.maskedSoftmax(x as d2l.tf.Tensor3D, lens), G)))(X),
      ]);
      expectClose(fast[0], reference[0], "maskedSoftmax", 1e-7, 1e-6);
      expectClose(fast[1], reference[1], "its gradient", 1e-7, 1e-5);
    }
    tf.dispose([X, G]);
  });
});

describe("Sum, Transpose and Tanh", () => {
  const sums: Array<[number[], number | number[], boolean]> = [
    [[7], 0, false],
    [[4, 5], 0, false],
    [[4, 5], 1, true],
    [[4, 5], [0, 1], false],
    [[2, 3, 1, 4], 2, false],
    [[2, 3, 5, 4], [1, 2], true], // additive attention's broadcast gradient shape
    [[3, 4, 5], [0, 2], false],
    [[2, 1, 3], [0, 1, 2], false],
    [[0, 3], 0, false],
  ];
  it.each(sums)("sum of %j over axes %j (keepDims %s) equals the reference, with its gradient", (shape, axis, keepDims) => {
    const x = normal(shape);
    const { reference, fast } = bothWays(() => [
      tf.sum(x, axis, keepDims),
      tf.grad((t: Tensor) => tf.sum(tf.square(tf.sum(t, axis, keepDims))))(x),
    ]);
    expectClose(fast[0], reference[0], "sum", 1e-6, 1e-6);
    expectClose(fast[1], reference[1], "gradient", 1e-6, 1e-6);
    const shapes = bothWays(() => tf.zeros(tf.tidy(() => tf.sum(x, axis, keepDims).shape)));
    expect(shapes.fast[0].length).toBe(shapes.reference[0].length);
    x.dispose();
  });

  const perms: Array<[number[], number[]]> = [
    [[3, 4], [1, 0]],
    [[2, 3, 4], [0, 2, 1]],
    [[2, 3, 4, 5], [0, 2, 1, 3]], // multi-head attention's transpose_qkv
    [[2, 1, 4, 5], [3, 1, 0, 2]],
    [[5, 7, 1], [2, 0, 1]],
    [[3, 0, 2], [2, 1, 0]],
  ];
  it.each(perms)("transpose of %j by %j equals the reference for float32, int32 and bool", (shape, perm) => {
    const x = normal(shape);
    const { reference, fast } = bothWays(() => [
      tf.transpose(x, perm),
      tf.transpose(tf.cast(tf.mul(x, 10), "int32"), perm),
      tf.transpose(tf.greater(x, 0), perm),
      tf.grad((t: Tensor) => tf.sum(tf.mul(tf.transpose(t, perm), tf.transpose(x, perm))))(x),
    ]);
    for (let i = 0; i < 4; i++) expect(Array.from(fast[i])).toEqual(Array.from(reference[i]));
    useFastKernels(true);
    expect(tf.transpose(tf.zeros(shape, "int32"), perm).dtype).toBe("int32");
    x.dispose();
  });

  it("tanh equals Math.tanh to float32 precision, forward and gradient, including ±0, ±∞, NaN and tiny values", () => {
    const special = [0, -0, 1e-30, -1e-8, 1e-4, 0.3, 0.6249, 0.625, 0.7, -3, 9, 20, 44, 100, Infinity, -Infinity, NaN];
    const x = tf.concat([tf.tensor1d(special), tf.mul(normal([1000]), 4)]);
    const { reference, fast } = bothWays(() => [tf.tanh(x), tf.grad((t: Tensor) => tf.sum(tf.tanh(t)))(x)]);
    expectClose(fast[0].filter((v) => !Number.isNaN(v)), reference[0].filter((v) => !Number.isNaN(v)), "tanh", 1e-7, 2e-7);
    expect(Number.isNaN(fast[0][special.length - 1])).toBe(true);
    expect(Object.is(fast[0][1], -0)).toBe(true);
    // 1 − y² from a y within 2 ulp: an absolute error up to 2·|y|·2 ulp(1) ≈ 2.4e-7 near |y| = 1.
    expectClose(fast[1].filter((v) => !Number.isNaN(v)), reference[1].filter((v) => !Number.isNaN(v)), "gradient", 3e-7, 1e-6);
    x.dispose();
  });
});
