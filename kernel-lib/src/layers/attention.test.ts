import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { checkShape } from "../ops/check";
import { maskedSoftmax } from "../ops/masked-softmax";
import { causalMask } from "../ops/masks";
import { normal, seed } from "../ops/random";
import { AdditiveAttention, DotProductAttention } from "./attention";
import { MultiHeadAttention } from "./multi-head-attention";

describe("DotProductAttention and AdditiveAttention (section 11.3)", () => {
  it("run the book's example: weights vanish past valid lengths 2 and 6", () => {
    seed(0);
    const queries = normal(0, 1, [2, 1, 2]);
    const keys = normal(0, 1, [2, 10, 2]);
    const values = normal(0, 1, [2, 10, 4]);
    const attention = new DotProductAttention(0.5);
    attention.eval();
    const out = attention.forward(queries, keys, values, [2, 6]);
    checkShape(out, [2, 1, 4]);
    const w = attention.attentionWeights.arraySync();
    expect(w[0][0].slice(2).every((v) => v === 0)).toBe(true);
    expect(w[1][0].slice(6).every((v) => v === 0)).toBe(true);
    expect(w[1][0].slice(0, 6).every((v) => v > 0)).toBe(true);
    // The weights are softmax(q kᵀ/√d) and the output is weights · values.
    const scores = tf.matMul(queries, keys, false, true).div(Math.sqrt(2));
    const expected = maskedSoftmax(scores, [2, 6]);
    expect(w).toEqual(expected.arraySync());
    const outExpected = tf.matMul(expected, values).dataSync();
    out.dataSync().forEach((v, i) => expect(v).toBeCloseTo(outExpected[i], 6));

    const additive = new AdditiveAttention(8, 0.1);
    additive.eval();
    const q20 = normal(0, 1, [2, 1, 20]);
    checkShape(additive.forward(q20, keys, values, [2, 6]), [2, 1, 4]);
    expect(additive.parameters().map((p) => p.shape)).toEqual([[2, 8], [20, 8], [8, 1]]);
    expect(additive.attentionWeights.arraySync()[0][0].slice(2)).toEqual(Array(8).fill(0));
  });

  it("apply dropout to the weights in training mode, reproducibly after seed()", () => {
    const q = tf.ones([1, 4, 2]);
    const v = tf.range(0, 4).reshape([1, 4, 1]).cast("float32");
    const attention = new DotProductAttention(0.5);
    const run = (): number[] => {
      seed(11);
      return Array.from(attention.forward(q, q, v).dataSync());
    };
    const first = run();
    expect(run()).toEqual(first);
    // Uniform weights 1/4 over values 0..3: without dropout every output is 1.5.
    expect(first.some((x) => x !== 1.5)).toBe(true);
    attention.eval();
    expect(Array.from(attention.forward(q, q, v).dataSync())).toEqual([1.5, 1.5, 1.5, 1.5]);
  });

  it("free the previous attention weights when replaced and leak nothing", () => {
    const attention = new DotProductAttention(0);
    const q = tf.ones([1, 2, 3]);
    attention.forward(q, q, q).dispose();
    const first = attention.attentionWeights;
    const before = tf.memory().numTensors;
    attention.forward(q, q, q).dispose();
    expect(first.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("MultiHeadAttention (section 11.5)", () => {
  it("gives the book's shapes", () => {
    seed(1);
    const attention = new MultiHeadAttention(100, 5, 0.5);
    attention.eval();
    const X = tf.ones([2, 4, 100]);
    const Y = tf.ones([2, 6, 100]);
    checkShape(attention.forward(X, Y, Y, [3, 2]), [2, 4, 100]);
    checkShape(attention.attentionWeights, [10, 4, 6]);
    expect(attention.parameters()).toEqual([attention.Wq.weight, attention.Wk.weight, attention.Wv.weight, attention.Wo.weight]);
  });

  it("repeats each example's valid length once per head (repeat_interleave)", () => {
    seed(2);
    const attention = new MultiHeadAttention(8, 2, 0).eval();
    const X = normal(0, 1, [2, 3, 8]);
    attention.forward(X, X, X, [1, 2]);
    const w = attention.attentionWeights.arraySync();
    // Heads 0 and 1 belong to example 0 (length 1), heads 2 and 3 to example 1 (length 2).
    expect(w.map((head) => head[0].filter((v) => v > 0).length)).toEqual([1, 1, 2, 2]);
    attention.forward(X, X, X, tf.tensor2d([[1, 2, 3], [3, 3, 1]], [2, 3], "int32"));
    const w2 = attention.attentionWeights.arraySync();
    expect(w2.map((head) => head[2].filter((v) => v > 0).length)).toEqual([3, 3, 1, 1]);
    attention.forward(X, X, X, causalMask(3));
    expect(attention.attentionWeights.arraySync()[3][0].filter((v) => v > 0).length).toBe(1);
  });

  it("transposeOutput inverts transposeQkv and splits the features into contiguous heads", () => {
    const attention = new MultiHeadAttention(6, 3, 0);
    const X = tf.range(0, 2 * 2 * 6).reshape([2, 2, 6]).cast("float32");
    const heads = attention.transposeQkv(X);
    checkShape(heads, [6, 2, 2]);
    // Head 1 of example 0 holds features 2..3 of each position.
    expect(heads.arraySync()[1]).toEqual([[2, 3], [8, 9]]);
    expect(heads.arraySync()[3]).toEqual([[12, 13], [18, 19]]);
    expect(attention.transposeOutput(heads).arraySync()).toEqual(X.arraySync());
  });
});
