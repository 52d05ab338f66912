import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { attentionPool, diff } from "./attention-pool";
import { gaussian } from "./kernels";
import { nadarayaWatson } from "./nadaraya-watson";

const queries = [0.3, 1.9, 4.2];
const keys = [0.0, 1.0, 2.0, 3.5, 4.8];
const values = [1.5, -0.5, 2.0, 0.25, 3.0];

describe("diff and attentionPool (section 11.2)", () => {
  it("diff is query minus key for every pair, (nQueries, nKeys)", () => {
    const d = diff(tf.tensor1d(queries), tf.tensor1d(keys));
    expect(d.shape).toEqual([3, 5]);
    const got = d.arraySync();
    queries.forEach((q, i) => keys.forEach((k, j) => expect(got[i][j]).toBeCloseTo(q - k, 6)));
    d.dispose();
  });

  it("pools with softmax(-d²/2) over the keys: rows sum to 1 and match Nadaraya-Watson with the gaussian", () => {
    const [q, k, v] = [queries, keys, values].map((a) => tf.tensor1d(a));
    const d = diff(q, k);
    const before = tf.memory().numTensors;
    const { yHat, attentionWeights } = attentionPool(d, v);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(attentionWeights.shape).toEqual([3, 5]);
    expect(yHat.shape).toEqual([3]);
    const w = attentionWeights.arraySync() as number[][];
    w.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6));
    // The same estimator in the book's other layout: weights transposed, same predictions.
    const nw = nadarayaWatson(k, v, q, gaussian);
    const nwWeights = nw.attentionWeights.arraySync() as number[][];
    w.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(nwWeights[j][i], 6)));
    Array.from(yHat.dataSync()).forEach((y, i) => expect(y).toBeCloseTo(nw.yHat.dataSync()[i], 5));
    tf.dispose([q, k, v, d, yHat, attentionWeights, nw.yHat, nw.attentionWeights]);
  });

  it("pools vector values (nKeys, d) into (nQueries, d)", () => {
    const d = diff(tf.tensor1d(queries), tf.tensor1d(keys));
    const vec = tf.tensor2d(values.map((x) => [x, 2 * x]));
    const { yHat, attentionWeights } = attentionPool(d, vec);
    expect(yHat.shape).toEqual([3, 2]);
    const rows = yHat.arraySync() as number[][];
    rows.forEach(([a, b]) => expect(b).toBeCloseTo(2 * a, 5));
    tf.dispose([d, vec, yHat, attentionWeights]);
  });

  it("names the argument, its shape and the expectation on bad input", () => {
    const d = diff(tf.tensor1d(queries), tf.tensor1d(keys));
    const v3 = tf.tensor1d([1, 2, 3]);
    expect(() => attentionPool(d, v3)).toThrow(
      /attentionPool: values must be of number of keys = 5, as queryKeyDiffs of shape \[3,5\]; got shape \[3\]/,
    );
    expect(() => attentionPool(v3, v3)).toThrow(/attentionPool: queryKeyDiffs must be 2-D \(nQueries, nKeys\); got shape \[3\]/);
    expect(() => diff([1, 2] as unknown as tf.Tensor, v3)).toThrow(/diff: queries must be a tf.Tensor/);
    tf.dispose([d, v3]);
  });
});
