/**
 * Scaled dot-product attention (section 11.3's DotProductAttention, also inside 11.5's
 * MultiHeadAttention) as one kernel each way, for the hook `setDotProductAttentionKernel` of
 * layers/attention.ts: scores Q·Kᵀ, the book's masking and softmax of scores/√d in place, then
 * the weights times V; backward the four products and the softmax's gradient.
 *
 * Keys past a batch's valid lengths get weight exactly 0 (exp(−1e6 − max) underflows), so their
 * scores, their terms in weights·V and their rows of dK and dV are not computed at all: with the
 * book's lengths about half of the attention's multiply-adds. Where a row's weights past its
 * length are not 0 (no key valid, or all scores below −999900), every key is computed.
 */
import type { GradConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import type { DotProductAttentionKernel } from "../layers/attention";
import { rawValues, type CpuBackend } from "./cpu-backend";
import { broadcastBinary } from "./binary";
import { batchMatMul, type MatMulLimits } from "./matmul";
import { Op } from "./job-layout";
import { withCall } from "./runtime";
import { rowKernel, rowMask, type RowMask } from "./softmax";

export const DOT_ATTENTION_KERNEL = "D2lDotAttention";
export const DOT_ATTENTION_GRAD_KERNEL = "D2lDotAttentionGrad";

/** The kernels' attributes: the masked rows, per-batch key limits and the scale √d. */
interface AttentionAttrs extends RowMask {
  keyLimits: Int32Array | null;
  scale: number;
}

/**
 * Per-batch number of keys that can have a nonzero weight: the largest valid length of the
 * batch's rows; null (all keys) with a mask, without lengths, or when a row has length 0 (its
 * weights are uniform over all keys).
 */
function keyLimits(rowLengths: Int32Array | null | undefined, batch: number, queries: number, keys: number): Int32Array | null {
  if (!rowLengths || queries === 0) return null;
  const limits = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    let most = 0;
    for (let q = 0; q < queries; q++) {
      const len = rowLengths[b * queries + q];
      if (len === 0) return null;
      if (len > most) most = len;
    }
    limits[b] = most;
  }
  return limits.every((l) => l >= keys) ? null : limits;
}

/** Whether some row's weights past its length are not 0 (so no key may be skipped). */
function weightsPastLengths(weights: Float32Array, rowLengths: Int32Array, keys: number): boolean {
  for (let r = 0; r < rowLengths.length; r++) {
    if (rowLengths[r] < keys && weights[r * keys + rowLengths[r]] !== 0) return true;
  }
  return false;
}

/** Inputs { queries (B, nq, d), keys (B, nk, d), values (B, nk, dv) } → [output (B, nq, dv), weights (B, nq, nk)]. */
export const dotAttentionKernel: KernelFunc = (args) => {
  const { queries, keys, values } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as AttentionAttrs;
  const cpu = args.backend as CpuBackend;
  const [q, k, v] = [queries, keys, values].map((t) => rawValues(cpu, t)!);
  return withCall((call) => {
    let limits: MatMulLimits = { n: attrs.keyLimits };
    const scores = batchMatMul(call, { a: q, b: k, aShape: queries.shape, bShape: keys.shape, transposeA: false, transposeB: true }, limits);
    const nk = keys.shape[1];
    const weights = rowKernel(call, Op.softmax, nk, scores.values, undefined, attrs, attrs.scale, inPlace(scores.values));
    if (attrs.keyLimits && weightsPastLengths(weights, attrs.rowLengths!, nk)) limits = {};
    const output = batchMatMul(call, { a: weights, b: v, aShape: scores.shape, bShape: values.shape, transposeA: false, transposeB: false }, { k: limits.n });
    return [cpu.makeTensorInfo(output.shape, "float32", output.values), cpu.makeTensorInfo(scores.shape, "float32", weights)];
  });
};

/**
 * Inputs { queries, keys, values, weights, dy (B, nq, dv), dWeights (B, nq, nk) when the weights
 * themselves have a gradient } → [dQueries, dKeys, dValues].
 */
export const dotAttentionGradKernel: KernelFunc = (args) => {
  const { queries, keys, values, weights, dy, dWeights } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as AttentionAttrs;
  const cpu = args.backend as CpuBackend;
  const [q, k, v, p, g] = [queries, keys, values, weights, dy].map((t) => rawValues(cpu, t)!);
  const dw = dWeights ? rawValues(cpu, dWeights) : null;
  const nk = keys.shape[1];
  const safe = attrs.keyLimits && !weightsPastLengths(p as Float32Array, attrs.rowLengths!, nk);
  const limit = safe ? attrs.keyLimits : null;
  return withCall((call) => {
    const mm = (a: typeof q, aShape: number[], b: typeof q, bShape: number[], transposeA: boolean, transposeB: boolean, limits: MatMulLimits) =>
      batchMatMul(call, { a, b, aShape, bShape, transposeA, transposeB }, limits);
    // dWeights = dy·Vᵀ, then through the softmax and the scale, in place.
    let dScores = mm(g, dy.shape, v, values.shape, false, true, { n: limit });
    if (dw) dScores = broadcastBinary(call, "add", dScores.values, dScores.shape, dw, dWeights.shape);
    rowKernel(call, Op.softmaxGrad, nk, p, dScores.values, attrs, attrs.scale, inPlace(dScores.values));
    const dq = mm(dScores.values, weights.shape, k, keys.shape, false, false, { k: limit });
    const dk = mm(dScores.values, weights.shape, q, queries.shape, true, false, { m: limit });
    const dv = mm(p, weights.shape, g, dy.shape, true, false, { m: limit });
    return [dq, dk, dv].map((r) => cpu.makeTensorInfo(r.shape, "float32", r.values));
  });
};

/** A heap result as a row kernel's output (its block and view), so that the rows are computed in place. */
function inPlace(values: Float32Array): { at: number; values: Float32Array } {
  return { at: values.byteOffset, values };
}

export const dotAttentionGradient: GradConfig = {
  kernelName: DOT_ATTENTION_KERNEL,
  inputsToSave: ["queries", "keys", "values"],
  outputsToSave: [false, true],
  gradFunc: (dys, saved, attrs) => {
    const [queries, keys, values, weights] = saved;
    const [dOutput, dWeights] = dys as (tf.Tensor | null)[];
    const dy = dOutput ?? tf.zeros([weights.shape[0], weights.shape[1], values.shape[2]] as number[]);
    const inputs: tf.NamedTensorMap = { queries, keys, values, weights, dy };
    if (dWeights) inputs.dWeights = dWeights;
    const [dq, dk, dv] = tf.engine().runKernel(DOT_ATTENTION_GRAD_KERNEL, inputs, attrs) as tf.Tensor[];
    return { queries: () => dq, keys: () => dk, values: () => dv };
  },
};

/** The hook's implementation: the fused kernels for float32 on the CPU backend, else null. */
export const fastDotProductAttention: DotProductAttentionKernel = (queries, keys, values, lens) => {
  if (tf.getBackend() !== "cpu" || [queries, keys, values].some((t) => t.dtype !== "float32")) return null;
  const [batch, nq] = queries.shape;
  const nk = keys.shape[1];
  const mask = rowMask([batch, nq, nk], lens);
  const attrs: AttentionAttrs = {
    ...mask,
    keyLimits: keyLimits(mask.rowLengths, batch, nq, nk),
    scale: Math.fround(Math.sqrt(queries.shape[2])),
  };
  const [output, weights] = tf.engine().runKernel(DOT_ATTENTION_KERNEL, { queries, keys, values }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D[];
  return { output, weights };
};
