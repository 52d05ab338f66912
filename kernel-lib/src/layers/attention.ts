/** The two attention scoring functions of section 11.3: scaled dot product and additive. */
import { tf } from "../tf";
import { expectInteger, expectRank, expectSameDim } from "../ops/check";
import { maskedSoftmaxResolved, resolveValidLens, type ResolvedValidLens } from "../ops/masked-softmax";
import type { ValidLens } from "../ops/masks";
import { Dropout } from "./dropout";
import { Layer, keptFromForward, replaceKept } from "./layer";
import { LazyLinear } from "./linear";

/** Checked queries, keys and values of an attention layer. */
interface AttentionInputs {
  queries: tf.Tensor3D;
  keys: tf.Tensor3D;
  values: tf.Tensor3D;
}

/**
 * Checks queries `(batch, queries, dq)`, keys `(batch, keys, dk)` and values `(batch, keys, dv)`;
 * `sameDepth` requires dq = dk (dot-product scoring).
 */
export function checkAttentionInputs(
  fn: string,
  queries: unknown,
  keys: unknown,
  values: unknown,
  sameDepth: boolean,
): AttentionInputs {
  const q = expectRank(fn, "queries", queries, 3, "(batch, queries, d)") as tf.Tensor3D;
  const k = expectRank(fn, "keys", keys, 3, sameDepth ? "(batch, keys, d)" : "(batch, keys, dk)") as tf.Tensor3D;
  const v = expectRank(fn, "values", values, 3, "(batch, keys, dv)") as tf.Tensor3D;
  expectSameDim(fn, "queries", q, 0, "keys", k, 0, "batch size");
  if (sameDepth) expectSameDim(fn, "queries", q, 2, "keys", k, 2, "depth d");
  expectSameDim(fn, "keys", k, 0, "values", v, 0, "batch size");
  expectSameDim(fn, "keys", k, 1, "values", v, 1, "number of keys");
  return { queries: q, keys: k, values: v };
}

/**
 * Replacements for DotProductAttention's two halves (the fast CPU kernels install one kernel each
 * way for each; `setDotProductAttentionKernels(null)` restores the chain of ops). `weights`
 * returns `softmax(masked(Q Kᵀ/√d))` `(batch, queries, keys)`, differentiable with respect to
 * queries and keys; `values` returns `weights · V` `(batch, queries, dv)` for weights from
 * `weights` (dropout may have zeroed some), differentiable with respect to both. Either may
 * return null to leave its inputs to the chain.
 */
export interface DotProductAttentionKernels {
  weights(queries: tf.Tensor3D, keys: tf.Tensor3D, lens: ResolvedValidLens): tf.Tensor3D | null;
  values(weights: tf.Tensor3D, values: tf.Tensor3D, lens: ResolvedValidLens): tf.Tensor3D | null;
}

let attentionKernels: DotProductAttentionKernels | null = null;

export function setDotProductAttentionKernels(replacement: DotProductAttentionKernels | null): void {
  attentionKernels = replacement;
}

/**
 * A replacement for AdditiveAttention's scores (the fast CPU kernels install one kernel each
 * way; `setAdditiveAttentionKernels(null)` restores the chain of ops): `scores(queries (batch,
 * queries, h), keys (batch, keys, h), wv (h, 1))` → `(batch, queries, keys)` with
 * `s[b,i,j] = Σ_h wv[h]·tanh(q[b,i,h] + k[b,j,h])`, differentiable with respect to all three,
 * or null to leave them to the chain.
 */
export interface AdditiveAttentionKernels {
  scores(queries: tf.Tensor3D, keys: tf.Tensor3D, wv: tf.Tensor2D): tf.Tensor3D | null;
}

let additiveKernels: AdditiveAttentionKernels | null = null;

export function setAdditiveAttentionKernels(replacement: AdditiveAttentionKernels | null): void {
  additiveKernels = replacement;
}

/**
 * The book's `DotProductAttention(dropout)` (section 11.3): softmax(Q Kᵀ/√d) V with the masked
 * softmax and dropout on the weights. `forward(queries (batch, queries, d), keys (batch, keys,
 * d), values (batch, keys, dv), validLens?)` → `(batch, queries, dv)`; `attentionWeights`
 * `(batch, queries, keys)` holds the last forward's weights (before dropout).
 */
export class DotProductAttention extends Layer {
  dropout: Dropout;
  private lastWeights: tf.Tensor3D | null = null;

  constructor(dropout: number) {
    super();
    this.dropout = new Dropout(dropout);
  }

  /**
   * Weights of the last forward, `(batch, queries, keys)` (before dropout); owned by the layer,
   * freed by the next forward or `dispose()`. Throws before the first forward.
   */
  get attentionWeights(): tf.Tensor3D {
    return keptFromForward(this.constructor.name, "attentionWeights", this.lastWeights);
  }

  forward(queries: tf.Tensor, keys: tf.Tensor, values: tf.Tensor, validLens?: ValidLens | null): tf.Tensor3D {
    const fn = "DotProductAttention.forward";
    const x = checkAttentionInputs(fn, queries, keys, values, true);
    const scoresShape = [x.queries.shape[0], x.queries.shape[1], x.keys.shape[1]];
    const lens = resolveValidLens(fn, scoresShape, validLens, "the attention scores");
    const fused = attentionKernels;
    return tf.tidy(() => {
      const d = x.queries.shape[2];
      const weights =
        fused?.weights(x.queries, x.keys, lens) ??
        maskedSoftmaxResolved(tf.matMul(x.queries, x.keys, false, true).div(Math.sqrt(d)) as tf.Tensor3D, lens);
      this.lastWeights = replaceKept(this.lastWeights, weights);
      const dropped = this.dropout.forward(weights) as tf.Tensor3D;
      return fused?.values(dropped, x.values, lens) ?? tf.matMul(dropped, x.values);
    });
  }
}

/**
 * The book's `AdditiveAttention(numHiddens, dropout)` (section 11.3): scores
 * `wvᵀ tanh(Wq q + Wk k)` with three bias-free LazyLinear layers, then the masked softmax and
 * dropout. `forward(queries (batch, queries, dq), keys (batch, keys, dk), values (batch, keys,
 * dv), validLens?)` → `(batch, queries, dv)`; `attentionWeights` as DotProductAttention.
 */
export class AdditiveAttention extends Layer {
  Wk: LazyLinear;
  Wq: LazyLinear;
  wv: LazyLinear;
  dropout: Dropout;
  private lastWeights: tf.Tensor3D | null = null;

  constructor(numHiddens: number, dropout: number) {
    super();
    expectInteger("AdditiveAttention", "numHiddens", numHiddens, 1);
    this.Wk = new LazyLinear(numHiddens, { bias: false });
    this.Wq = new LazyLinear(numHiddens, { bias: false });
    this.wv = new LazyLinear(1, { bias: false });
    this.dropout = new Dropout(dropout);
  }

  /**
   * Weights of the last forward, `(batch, queries, keys)` (before dropout); owned by the layer,
   * freed by the next forward or `dispose()`. Throws before the first forward.
   */
  get attentionWeights(): tf.Tensor3D {
    return keptFromForward(this.constructor.name, "attentionWeights", this.lastWeights);
  }

  forward(queries: tf.Tensor, keys: tf.Tensor, values: tf.Tensor, validLens?: ValidLens | null): tf.Tensor3D {
    return this.attend("AdditiveAttention.forward", queries, keys, values, validLens, false);
  }

  /**
   * `forward` with the keys already projected: `projectedKeys` is `this.Wk.forward(keys)`
   * `(batch, keys, numHiddens)`. The same result and gradients as `forward(queries, keys, …)`;
   * a decoder that attends to the same keys at every step (11.4's `Seq2SeqAttentionDecoder`)
   * projects them once per sequence instead of once per step (the book's `W_k(keys)` inside the
   * loop is a quarter of its training step's multiply-adds).
   */
  forwardProjected(queries: tf.Tensor, projectedKeys: tf.Tensor, values: tf.Tensor, validLens?: ValidLens | null): tf.Tensor3D {
    return this.attend("AdditiveAttention.forwardProjected", queries, projectedKeys, values, validLens, true);
  }

  private attend(fn: string, queries: tf.Tensor, keys: tf.Tensor, values: tf.Tensor, validLens: ValidLens | null | undefined, projected: boolean): tf.Tensor3D {
    const x = checkAttentionInputs(fn, queries, keys, values, false);
    const scoresShape = [x.queries.shape[0], x.queries.shape[1], x.keys.shape[1]];
    const lens = resolveValidLens(fn, scoresShape, validLens, "the attention scores");
    return tf.tidy(() => {
      const q = this.Wq.forward(x.queries) as tf.Tensor3D;
      const k = (projected ? x.keys : this.Wk.forward(x.keys)) as tf.Tensor3D;
      if (projected) expectSameDim(fn, "queries projected by Wq", q, 2, "projectedKeys", k, 2, "numHiddens");
      const fused = additiveKernels?.scores(q, k, this.wv.weightFor(q.shape[2]) as tf.Tensor2D) ?? null;
      // (batch, queries, 1, h) + (batch, 1, keys, h) → (batch, queries, keys, h)
      const scores = fused ?? (this.wv.forward(tf.tanh(q.expandDims(2).add(k.expandDims(1)))).squeeze([3]) as tf.Tensor3D);
      const weights = maskedSoftmaxResolved(scores, lens);
      this.lastWeights = replaceKept(this.lastWeights, weights);
      return tf.matMul(this.dropout.forward(weights) as tf.Tensor3D, x.values);
    });
  }
}
