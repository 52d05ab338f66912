/**
 * Parametric attention pooling (section 11.2): the weights `softmax(-((query − key)·w)²/2)` with
 * a learnable width `w`, the form `NWKernelRegression` trains. The book writes it as
 * `attentionPool(diff(queries, keys) * w, values)`; that chain is what runs by default, and a
 * faster implementation of the whole (e.g. the fast CPU kernels' fused kernel, one pass forward
 * and one backward instead of ~20 tfjs ops, which on section 11.2's tiny tensors cost more than
 * their arithmetic) can take its place through `setParametricAttentionPoolKernel`.
 */
import { tf } from "../tf";
import { expectRank, expectSameDim } from "../ops/check";
import { attentionPool, diff } from "./attention-pool";
import type { PoolingResult } from "./nadaraya-watson";

/**
 * A replacement for the chain: the same results (within float32 rounding) with gradients with
 * respect to all four inputs, or null to leave these inputs to the chain.
 */
export type ParametricAttentionPoolKernel = (
  queries: tf.Tensor1D, keys: tf.Tensor1D, w: tf.Tensor, values: tf.Tensor1D,
) => PoolingResult | null;

let kernel: ParametricAttentionPoolKernel | null = null;

/** Installs a replacement for `parametricAttentionPool`'s chain of ops; `null` restores the chain. */
export function setParametricAttentionPoolKernel(replacement: ParametricAttentionPoolKernel | null): void {
  kernel = replacement;
}

/**
 * Section 11.2: `attentionPool(diff(queries, keys) · w, values)`, the parametric attention pooling
 * of `NWKernelRegression`.
 *
 * @param queries `(nQueries)`, float32
 * @param keys `(nKeys)`, float32
 * @param w the width, a float32 tensor broadcastable to `(nQueries, nKeys)` (the model's is `[1]`)
 * @param values `(nKeys)`
 * @returns `yHat` `(nQueries)` and `attentionWeights` `(nQueries, nKeys)`, each row summing to 1
 */
export function parametricAttentionPool(queries: tf.Tensor, keys: tf.Tensor, w: tf.Tensor, values: tf.Tensor): PoolingResult {
  const fn = "parametricAttentionPool";
  const q = expectRank(fn, "queries", queries, 1, "(nQueries)") as tf.Tensor1D;
  const k = expectRank(fn, "keys", keys, 1, "(nKeys)") as tf.Tensor1D;
  const v = expectRank(fn, "values", values, 1, "(nKeys)") as tf.Tensor1D;
  expectSameDim(fn, "keys", k, 0, "values", v, 0, "number of keys");
  return kernel?.(q, k, w, v) ?? attentionPool(diff(q, k).mul(w), v);
}
