/**
 * Section 11.3's additive attention scores `s[b,i,j] = Σ_h w_v[h]·tanh(q[b,i,h] + k[b,j,h])` as
 * one kernel each way (wasm OP_ADDITIVE_SCORES and its gradient), for the hook
 * `setAdditiveAttentionKernels` of layers/attention.ts. The book's chain (broadcast sum, tanh,
 * the w_v product, a squeeze) materialises (batch, queries, keys, h) features, and its backward
 * sums their gradient over a middle axis for the queries and another for the keys; in 11.4's
 * decoder that runs at every step. The fused forward keeps the features tanh(q + k) after the
 * scores in their heap block (`Call.outputWithTrailing`), where its gradient reads them.
 */
import type { GradConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import type { AdditiveAttentionKernels } from "../layers/attention";
import { numericValues, type CpuBackend } from "./cpu-backend";
import { Job, Op } from "./job-layout";
import { columnSums } from "./reduce";
import { withCall } from "./runtime";

export const ADDITIVE_SCORES_KERNEL = "D2lAdditiveScores";
export const ADDITIVE_SCORES_GRAD_KERNEL = "D2lAdditiveScoresGrad";

/** Rows (batch · queries) per task of the forward. */
const ROWS_PER_TASK = 8;

/** Work per (query, key, hidden unit): forward a tanh (~20 operations) and a multiply-add; backward ~8 operations. */
const WORK_PER_TERM = 24;
const GRAD_WORK_PER_TERM = 8;

/** Inputs { queries (b, q, h), keys (b, k, h), wv (h, 1) } → scores (b, q, k), followed in memory by the features (b, q, k, h). */
export const additiveScoresKernel: KernelFunc = (args) => {
  const { queries, keys, wv } = args.inputs as Record<string, TensorInfo>;
  const cpu = args.backend as CpuBackend;
  const [batch, nq, h] = queries.shape;
  const nk = keys.shape[1];
  const rows = batch * nq;
  return withCall((call) => {
    const { values: scores, trailingAt: featuresAt } = call.outputWithTrailing(rows * nk, rows * nk * h);
    if (rows * nk > 0) {
      const qAt = call.f32(numericValues(cpu, queries));
      const kAt = call.f32(numericValues(cpu, keys));
      const wAt = call.f32(numericValues(cpu, wv));
      const job = call.rt.newJob(Op.additiveScores, Math.ceil(rows / ROWS_PER_TASK));
      job[Job.rows] = rows;
      job[Job.cols] = h;
      job[Job.x] = qAt;
      job[Job.y] = kAt;
      job[Job.out] = scores.byteOffset;
      job[Job.rowsPerTaskR] = ROWS_PER_TASK;
      job[Job.attQueries] = nq;
      job[Job.attKeys] = nk;
      job[Job.attWv] = wAt;
      job[Job.attFeatures] = featuresAt;
      call.rt.execute(rows * nk * h * WORK_PER_TERM);
    }
    return cpu.makeTensorInfo([batch, nq, nk], "float32", scores);
  });
};

/**
 * Inputs { queries, keys, wv, scores (the forward's, with the features after them), dy (b, q, k)
 * } → [dQueries (b, q, h), dKeys (b, k, h), dWv (h, 1)].
 */
export const additiveScoresGradKernel: KernelFunc = (args) => {
  const { queries, keys, wv, scores, dy } = args.inputs as Record<string, TensorInfo>;
  const cpu = args.backend as CpuBackend;
  const [batch, nq, h] = queries.shape;
  const nk = keys.shape[1];
  return withCall((call) => {
    const dq = call.output("float32", batch * nq * h);
    const dk = call.output("float32", batch * nk * h);
    const terms = call.output("float32", batch * h);
    if (batch * h > 0) {
      // Each task (one batch) writes its rows of dq, dk and the terms in full.
      const job = call.rt.newJob(Op.additiveScoresGrad, batch);
      job[Job.cols] = h;
      job[Job.attFeatures] = call.trailingOf(numericValues(cpu, scores), batch * nq * nk);
      job[Job.attWv] = call.f32(numericValues(cpu, wv));
      job[Job.attDs] = call.f32(numericValues(cpu, dy));
      job[Job.attQueries] = nq;
      job[Job.attKeys] = nk;
      job[Job.attDq] = dq.at;
      job[Job.attDk] = dk.at;
      job[Job.attDwv] = terms.at;
      call.rt.execute(batch * nq * nk * h * GRAD_WORK_PER_TERM);
    }
    // dw_v: the batches' terms summed column by column (no batches: zeros).
    const dw = batch * h > 0 ? columnSums(call, terms.at, batch, h) : { values: call.array("float32", h).fill(0) };
    return [
      cpu.makeTensorInfo([batch, nq, h], "float32", dq.values),
      cpu.makeTensorInfo([batch, nk, h], "float32", dk.values),
      cpu.makeTensorInfo([h, 1], "float32", dw.values),
    ];
  });
};

export const additiveScoresGradient: GradConfig = {
  kernelName: ADDITIVE_SCORES_KERNEL,
  inputsToSave: ["queries", "keys", "wv"],
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const [queries, keys, wv, scores] = saved;
    const inputs = { queries, keys, wv, scores, dy: dy as tf.Tensor };
    const [dq, dk, dw] = tf.engine().runKernel(ADDITIVE_SCORES_GRAD_KERNEL, inputs, {}) as tf.Tensor[];
    return { queries: () => dq, keys: () => dk, wv: () => dw };
  },
};

/** The hook's implementation: the kernels for float32 on the CPU backend, else null (the chain of ops). */
export const fastAdditiveAttention: AdditiveAttentionKernels = {
  scores(queries, keys, wv) {
    if (tf.getBackend() !== "cpu" || [queries, keys, wv].some((t) => t.dtype !== "float32")) return null;
    return tf.engine().runKernel(ADDITIVE_SCORES_KERNEL, { queries, keys, wv }, {}) as tf.Tensor3D;
  },
};
