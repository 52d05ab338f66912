/**
 * Softmax cross-entropy against integer labels (ops/cross-entropy.ts, PyTorch's F.cross_entropy,
 * the loss of 10.7's Seq2Seq) as one WebAssembly kernel each way, for the hook
 * `setCrossEntropyKernel`: per row the log-sum-exp and the label's logit; backward the softmax
 * again from the saved logits, minus the label's one-hot, times the row's upstream gradient. The
 * host loops they replace read the logits back to JavaScript and ran Math.exp per entry.
 */
import type { GradConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import type { CrossEntropyKernel } from "../ops/cross-entropy";
import { f32At, rawValues, type CpuBackend } from "./cpu-backend";
import { Job, Op } from "./job-layout";
import { withCall } from "./runtime";

export const CROSS_ENTROPY_KERNEL = "D2lCrossEntropy";
export const CROSS_ENTROPY_GRAD_KERNEL = "D2lCrossEntropyGrad";

const ROWS_PER_TASK = 64;

/** Runs OP_CROSS_ENTROPY or its gradient; returns the output of `outLength` floats. */
function runRows(args: Parameters<KernelFunc>[0], op: number, outLength: (rows: number, cols: number) => number, dy?: TensorInfo): TensorInfo {
  const { logits, labels } = args.inputs as { logits: TensorInfo; labels: TensorInfo };
  const cpu = args.backend as CpuBackend;
  const [rows, cols] = logits.shape;
  return withCall((call) => {
    const out = call.output("float32", outLength(rows, cols));
    const labelValues = rawValues(cpu, labels);
    if (labelValues === null) throw new Error("d2l-ts fast kernels: cross-entropy labels without data");
    const zAt = f32At(call, cpu, logits);
    const labelsAt = call.i32(labelValues);
    const dyAt = dy ? f32At(call, cpu, dy) : 0;
    const job = call.rt.newJob(op, Math.ceil(rows / ROWS_PER_TASK));
    job[Job.rows] = rows;
    job[Job.cols] = cols;
    job[Job.rowsPerTaskR] = ROWS_PER_TASK;
    job[Job.x] = zAt;
    job[Job.y] = labelsAt;
    job[Job.out] = out.at;
    job[Job.xentDy] = dyAt;
    call.rt.execute(rows * cols * 16);
    return cpu.makeTensorInfo(op === Op.crossEntropy ? [rows] : [rows, cols], "float32", out.values);
  });
}

/** Inputs { logits (N, classes), labels (N) int32 } → the losses (N). */
export const crossEntropyKernel: KernelFunc = (args) => runRows(args, Op.crossEntropy, (rows) => rows);

/** Inputs { logits, labels, dy (N) } → the logits' gradient (N, classes). */
export const crossEntropyGradKernel: KernelFunc = (args) =>
  runRows(args, Op.crossEntropyGrad, (rows, cols) => rows * cols, (args.inputs as { dy: TensorInfo }).dy);

export const crossEntropyGradient: GradConfig = {
  kernelName: CROSS_ENTROPY_KERNEL,
  inputsToSave: ["logits", "labels"],
  gradFunc: (dy, saved) => {
    const [logits, labels] = saved;
    return {
      logits: () => tf.engine().runKernel(CROSS_ENTROPY_GRAD_KERNEL, { logits, labels, dy: dy as tf.Tensor }, {}) as tf.Tensor,
      labels: () => tf.zerosLike(labels),
    };
  },
};

/** The hook's implementation: the kernels for float32 logits on the CPU backend, else null. */
export const fastCrossEntropy: CrossEntropyKernel = (logits, labels) => {
  if (tf.getBackend() !== "cpu" || logits.dtype !== "float32") return null;
  return tf.tidy(() => {
    const labelTensor = tf.tensor1d(labels, "int32");
    return tf.engine().runKernel(CROSS_ENTROPY_KERNEL, { logits, labels: labelTensor }, {}) as tf.Tensor1D;
  });
};
