/**
 * Gaussian attention pooling written as a softmax (section 11.2, the form the parametric model
 * builds on): `diff` pairs every query with every key, `attentionPool` weighs the values.
 */
import { tf } from "../tf";
import { expectMinRank, expectRank, fail, formatShape } from "../ops/check";
import type { PoolingResult } from "./nadaraya-watson";

/**
 * Section 11.2: the differences `query - key` of every query with every key.
 *
 * @param queries any float32 tensor, flattened to `(nQueries)`
 * @param keys any float32 tensor, flattened to `(nKeys)`
 * @returns `(nQueries, nKeys)`
 */
export function diff(queries: tf.Tensor, keys: tf.Tensor): tf.Tensor2D {
  const q = expectMinRank("diff", "queries", queries, 0, "(nQueries)");
  const k = expectMinRank("diff", "keys", keys, 0, "(nKeys)");
  return tf.tidy(() => q.reshape([-1, 1]).sub(k.reshape([1, -1])) as tf.Tensor2D);
}

/**
 * Section 11.2: Gaussian attention pooling, weights `softmax(-diffs²/2)` over the keys.
 *
 * @param queryKeyDiffs `(nQueries, nKeys)`, e.g. from `diff`
 * @param values `(nKeys)` or `(nKeys, d)`
 * @returns `yHat` `(nQueries)` (or `(nQueries, d)`) and `attentionWeights` `(nQueries, nKeys)`,
 *   each row summing to 1 (the transpose of `nadarayaWatson`'s layout, as in the book).
 */
export function attentionPool(queryKeyDiffs: tf.Tensor, values: tf.Tensor): PoolingResult {
  const fn = "attentionPool";
  const diffs = expectRank(fn, "queryKeyDiffs", queryKeyDiffs, 2, "(nQueries, nKeys)");
  const vals = expectMinRank(fn, "values", values, 1, "(nKeys) or (nKeys, d)");
  if (vals.rank > 2) fail(fn, "values", "1-D (nKeys) or 2-D (nKeys, d)", `shape ${formatShape(vals.shape)}`);
  if (vals.shape[0] !== diffs.shape[1]) {
    fail(
      fn,
      "values",
      `of number of keys = ${diffs.shape[1]}, as queryKeyDiffs of shape ${formatShape(diffs.shape)}`,
      `shape ${formatShape(vals.shape)}`,
    );
  }
  const [yHat, attentionWeights] = tf.tidy(() => {
    const weights = tf.softmax(tf.neg(tf.square(diffs)).div(2), 1);
    const pooled =
      vals.rank === 1 ? weights.matMul(vals.reshape([-1, 1])).reshape([-1]) : weights.matMul(vals);
    return [pooled, weights];
  });
  return { yHat, attentionWeights };
}
