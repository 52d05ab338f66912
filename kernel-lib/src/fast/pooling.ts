/**
 * Section 11.2's parametric attention pooling as one kernel each way (wasm/pooling.c), for the
 * hook `setParametricAttentionPoolKernel`. A training step of `NWKernelRegression` on (10, n)
 * tensors otherwise runs ~20 tfjs ops forward and as many backward, each costing tfjs's
 * per-op bookkeeping (several microseconds) whatever its size.
 */
import type { GradConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import type { ParametricAttentionPoolKernel } from "../pooling/parametric-pool";
import { f32At, type CpuBackend } from "./cpu-backend";
import { Job, Op } from "./job-layout";
import { withCall, type Call } from "./runtime";

export const PARAMETRIC_POOL_KERNEL = "D2lParametricPool";
export const PARAMETRIC_POOL_GRAD_KERNEL = "D2lParametricPoolGrad";

const ROWS_PER_TASK = 16;

/** Writes the inputs both kernels share into `job`: sizes, queries, keys, width and values. */
function poolInputs(job: Int32Array, call: Call, cpu: CpuBackend, inputs: Record<string, TensorInfo>): void {
  const { queries, keys, w, values } = inputs;
  job[Job.rows] = queries.shape[0];
  job[Job.cols] = keys.shape[0];
  job[Job.x] = f32At(call, cpu, queries);
  job[Job.y] = f32At(call, cpu, keys);
  job[Job.w] = f32At(call, cpu, w);
  job[Job.v] = f32At(call, cpu, values);
}

/** Inputs { queries (nq), keys (nk), w (1 element), values (nk) } → [yHat (nq), weights (nq, nk)]. */
export const parametricPoolKernel: KernelFunc = (args) => {
  const inputs = args.inputs as Record<string, TensorInfo>;
  const cpu = args.backend as CpuBackend;
  const nq = inputs.queries.shape[0];
  const nk = inputs.keys.shape[0];
  return withCall((call) => {
    const weights = call.output("float32", nq * nk);
    const yHat = call.output("float32", nq);
    if (nq > 0) {
      const job = call.rt.newJob(Op.nwPool, Math.ceil(nq / ROWS_PER_TASK));
      poolInputs(job, call, cpu, inputs);
      job[Job.out] = weights.at;
      job[Job.yHat] = yHat.at;
      job[Job.rowsPerTaskR] = ROWS_PER_TASK;
      call.rt.execute(nq * nk * 24);
    }
    return [cpu.makeTensorInfo([nq], "float32", yHat.values), cpu.makeTensorInfo([nq, nk], "float32", weights.values)];
  });
};

/**
 * Inputs { queries, keys, w, values, weights, dy (nq), dWeights (nq, nk) or absent } →
 * [dQueries, dKeys, dW (w's shape), dValues].
 */
export const parametricPoolGradKernel: KernelFunc = (args) => {
  const inputs = args.inputs as Record<string, TensorInfo>;
  const { w, weights, dy, dWeights } = inputs as Record<string, TensorInfo | undefined> as Record<string, TensorInfo>;
  const cpu = args.backend as CpuBackend;
  const nq = inputs.queries.shape[0];
  const nk = inputs.keys.shape[0];
  return withCall((call) => {
    const dq = call.output("float32", nq);
    const dk = call.output("float32", nk);
    const dw = call.output("float32", 1);
    const dv = call.output("float32", nk);
    const job = call.rt.newJob(Op.nwPoolGrad, 1);
    poolInputs(job, call, cpu, inputs);
    job[Job.out] = f32At(call, cpu, weights);
    job[Job.dy] = f32At(call, cpu, dy);
    job[Job.dWeights] = dWeights ? f32At(call, cpu, dWeights) : 0;
    job[Job.dq] = dq.at;
    job[Job.dk] = dk.at;
    job[Job.dWidth] = dw.at;
    job[Job.dv] = dv.at;
    call.rt.execute(0);
    return [
      cpu.makeTensorInfo([nq], "float32", dq.values),
      cpu.makeTensorInfo([nk], "float32", dk.values),
      cpu.makeTensorInfo(w.shape.slice(), "float32", dw.values),
      cpu.makeTensorInfo([nk], "float32", dv.values),
    ];
  });
};

/** The gradient of the fused kernel, through its own gradient kernel. */
export const parametricPoolGradient: GradConfig = {
  kernelName: PARAMETRIC_POOL_KERNEL,
  inputsToSave: ["queries", "keys", "w", "values"],
  outputsToSave: [false, true],
  gradFunc: (dys, saved) => {
    const [queries, keys, w, values, weights] = saved;
    const [dyHat, dWeights] = dys as (tf.Tensor | null)[];
    const inputs: tf.NamedTensorMap = { queries, keys, w, values, weights, dy: dyHat ?? tf.zeros(queries.shape) };
    if (dWeights) inputs.dWeights = dWeights;
    const [dq, dk, dw, dv] = tf.engine().runKernel(PARAMETRIC_POOL_GRAD_KERNEL, inputs, {}) as tf.Tensor[];
    return { queries: () => dq, keys: () => dk, w: () => dw, values: () => dv };
  },
};

/**
 * The hook's implementation: the fused kernel for float32 inputs with a one-element width on the
 * CPU backend; null (the book's chain of ops) otherwise.
 */
export const fastParametricAttentionPool: ParametricAttentionPoolKernel = (queries, keys, w, values) => {
  const float = [queries, keys, w, values].every((t) => t.dtype === "float32");
  if (tf.getBackend() !== "cpu" || !float || w.size !== 1) return null;
  const [yHat, attentionWeights] = tf.engine().runKernel(PARAMETRIC_POOL_KERNEL, { queries, keys, w, values }, {}) as tf.Tensor[];
  return { yHat, attentionWeights };
};
