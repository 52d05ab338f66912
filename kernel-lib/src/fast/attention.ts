/**
 * Scaled dot-product attention (section 11.3's DotProductAttention, also inside 11.5's
 * MultiHeadAttention and 11.7's Transformer) as two fused kernels, each with its own gradient
 * kernel, for the hooks `setDotProductAttentionKernels` of layers/attention.ts:
 * - weights: scores Q·Kᵀ, then the book's masking and softmax of scores/√d in place;
 *   backward the softmax's gradient in place, then dQ and dK;
 * - values: weights·V; backward dWeights and dV.
 *
 * Keys past a batch's valid lengths get weight exactly 0 (exp(−1e6 − max) underflows; dropout
 * keeps zeros), so their scores, their terms in weights·V and their rows of dK and dV are not
 * computed at all: with the book's lengths about half of the attention's multiply-adds. The
 * gradient of those weights is not computed either (it is 0 for the weights, which the masking
 * cuts off from the scores). Where a row's weights past its length are not 0 (no key valid, or
 * all scores below −999900) every key is computed.
 */
import type { GradConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import type { ResolvedValidLens } from "../ops/masked-softmax";
import type { DotProductAttentionKernels } from "../layers/attention";
import { rawValues, type CpuBackend } from "./cpu-backend";
import { batchMatMul, type MatMulLimits } from "./matmul";
import { Op } from "./job-layout";
import { withCall, type Call, type Values } from "./runtime";
import { rowKernel, rowMask, type RowMask } from "./softmax";

export const ATTENTION_WEIGHTS_KERNEL = "D2lAttentionWeights";
export const ATTENTION_WEIGHTS_GRAD_KERNEL = "D2lAttentionWeightsGrad";
export const ATTENTION_VALUES_KERNEL = "D2lAttentionValues";
export const ATTENTION_VALUES_GRAD_KERNEL = "D2lAttentionValuesGrad";

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

/** The key limits, or null when some row's weights past its length are not 0 (no key may be skipped). */
function safeLimits(attrs: AttentionAttrs, weights: Values, keys: number): Int32Array | null {
  const { keyLimits: limits, rowLengths } = attrs;
  if (!limits || !rowLengths) return null;
  for (let r = 0; r < rowLengths.length; r++) {
    if (rowLengths[r] < keys && weights[r * keys + rowLengths[r]] !== 0) return null;
  }
  return limits;
}

/** A heap result as a row kernel's output (its block and view), so that the rows are computed in place. */
function inPlace(values: Float32Array): { at: number; values: Float32Array } {
  return { at: values.byteOffset, values };
}

type Product = (a: Values, aShape: number[], b: Values, bShape: number[], transposeA: boolean, transposeB: boolean, limits: MatMulLimits) => { values: Float32Array; shape: number[] };

function products(call: Call): Product {
  return (a, aShape, b, bShape, transposeA, transposeB, limits) =>
    batchMatMul(call, { a, b, aShape, bShape, transposeA, transposeB }, limits);
}

/** Inputs { queries (B, nq, d), keys (B, nk, d) } → weights (B, nq, nk). */
export const attentionWeightsKernel: KernelFunc = (args) => {
  const { queries, keys } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as AttentionAttrs;
  const cpu = args.backend as CpuBackend;
  return withCall((call) => {
    const scores = products(call)(rawValues(cpu, queries)!, queries.shape, rawValues(cpu, keys)!, keys.shape, false, true, { n: attrs.keyLimits });
    rowKernel(call, Op.softmax, keys.shape[1], scores.values, undefined, attrs, attrs.scale, inPlace(scores.values));
    return cpu.makeTensorInfo(scores.shape, "float32", scores.values);
  });
};

/** Inputs { queries, keys, weights, dWeights } → [dQueries, dKeys]. */
export const attentionWeightsGradKernel: KernelFunc = (args) => {
  const { queries, keys, weights, dWeights } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as AttentionAttrs;
  const cpu = args.backend as CpuBackend;
  const [q, k, p, dp] = [queries, keys, weights, dWeights].map((t) => rawValues(cpu, t)!);
  const limits = safeLimits(attrs, p, keys.shape[1]);
  return withCall((call) => {
    // The softmax's and the scale's gradient into a new block, then dQ = dS·K and dK = dSᵀ·Q.
    const dScores = rowKernel(call, Op.softmaxGrad, keys.shape[1], p, dp, attrs, attrs.scale);
    const mm = products(call);
    const dq = mm(dScores, weights.shape, k, keys.shape, false, false, { k: limits });
    const dk = mm(dScores, weights.shape, q, queries.shape, true, false, { m: limits });
    return [dq, dk].map((r) => cpu.makeTensorInfo(r.shape, "float32", r.values));
  });
};

/** Inputs { weights (B, nq, nk), values (B, nk, dv) } → output (B, nq, dv). */
export const attentionValuesKernel: KernelFunc = (args) => {
  const { weights, values } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as AttentionAttrs;
  const cpu = args.backend as CpuBackend;
  const p = rawValues(cpu, weights)!;
  const limits = safeLimits(attrs, p, weights.shape[2]);
  return withCall((call) => {
    const out = products(call)(p, weights.shape, rawValues(cpu, values)!, values.shape, false, false, { k: limits });
    return cpu.makeTensorInfo(out.shape, "float32", out.values);
  });
};

/** Inputs { weights, values, dy } → [dWeights (0 past the limits), dValues]. */
export const attentionValuesGradKernel: KernelFunc = (args) => {
  const { weights, values, dy } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as AttentionAttrs;
  const cpu = args.backend as CpuBackend;
  const [p, v, g] = [weights, values, dy].map((t) => rawValues(cpu, t)!);
  const limits = safeLimits(attrs, p, weights.shape[2]);
  return withCall((call) => {
    const mm = products(call);
    const dp = mm(g, dy.shape, v, values.shape, false, true, { n: limits });
    const dv = mm(p, weights.shape, g, dy.shape, true, false, { m: limits });
    return [dp, dv].map((r) => cpu.makeTensorInfo(r.shape, "float32", r.values));
  });
};

export const attentionGradients: GradConfig[] = [
  {
    kernelName: ATTENTION_WEIGHTS_KERNEL,
    inputsToSave: ["queries", "keys"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [queries, keys, weights] = saved;
      const inputs = { queries, keys, weights, dWeights: dy as tf.Tensor };
      const [dq, dk] = tf.engine().runKernel(ATTENTION_WEIGHTS_GRAD_KERNEL, inputs, attrs) as tf.Tensor[];
      return { queries: () => dq, keys: () => dk };
    },
  },
  {
    kernelName: ATTENTION_VALUES_KERNEL,
    inputsToSave: ["weights", "values"],
    gradFunc: (dy, saved, attrs) => {
      const [weights, values] = saved;
      const [dp, dv] = tf.engine().runKernel(ATTENTION_VALUES_GRAD_KERNEL, { weights, values, dy: dy as tf.Tensor }, attrs) as tf.Tensor[];
      return { weights: () => dp, values: () => dv };
    },
  },
];

/** The attributes for scores of shape (batch, queries, keys) with depth d. */
function attentionAttrs(batch: number, queries: number, keys: number, d: number, lens: ResolvedValidLens): AttentionAttrs {
  const mask = rowMask([batch, queries, keys], lens);
  return { ...mask, keyLimits: keyLimits(mask.rowLengths, batch, queries, keys), scale: Math.fround(Math.sqrt(d)) };
}

const onCpu = (...ts: tf.Tensor[]) => tf.getBackend() === "cpu" && ts.every((t) => t.dtype === "float32");

/** The hooks' implementation: the fused kernels for float32 on the CPU backend, else null (the chain). */
export const fastDotProductAttention: DotProductAttentionKernels = {
  weights(queries, keys, lens) {
    if (!onCpu(queries, keys)) return null;
    const attrs = attentionAttrs(queries.shape[0], queries.shape[1], keys.shape[1], queries.shape[2], lens);
    return tf.engine().runKernel(ATTENTION_WEIGHTS_KERNEL, { queries, keys }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D;
  },
  values(weights, values, lens) {
    if (!onCpu(weights, values)) return null;
    const attrs = attentionAttrs(weights.shape[0], weights.shape[1], weights.shape[2], 1, lens);
    return tf.engine().runKernel(ATTENTION_VALUES_KERNEL, { weights, values }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D;
  },
};
