/**
 * Section 3.1.1's squared loss averaged over the examples (ops/squared-loss.ts, the loss of 11.2's
 * `NWKernelRegression`) as one kernel each way, for the hook `setSquaredLossKernel`. The work is a
 * single pass over the examples, so the kernels loop in JavaScript over the backend's values:
 * what they save is tfjs's per-op cost of the ~16 kernels (and their tape entries) they replace.
 */
import type { GradConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import type { SquaredLossKernel } from "../ops/squared-loss";
import { numericValues, type CpuBackend } from "./cpu-backend";
import { withCall } from "./runtime";

export const SQUARED_LOSS_KERNEL = "D2lSquaredLoss";
export const SQUARED_LOSS_GRAD_KERNEL = "D2lSquaredLossGrad";

/** Inputs { yHat, y } (the same size) → the mean of ½(ŷ − y)², summed in double precision. */
export const squaredLossKernel: KernelFunc = (args) => {
  const { yHat, y } = args.inputs as { yHat: TensorInfo; y: TensorInfo };
  const cpu = args.backend as CpuBackend;
  const a = numericValues(cpu, yHat);
  const b = numericValues(cpu, y);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return withCall((call) => {
    const loss = call.array("float32", 1);
    loss[0] = sum / (2 * a.length); // 0 / 0 = NaN for no examples, as tfjs's mean
    return cpu.makeTensorInfo([], "float32", loss);
  });
};

/** Inputs { yHat, y, dy (scalar) } → the gradient for yHat, (ŷ − y)·dy / n, in yHat's shape. */
export const squaredLossGradKernel: KernelFunc = (args) => {
  const { yHat, y, dy } = args.inputs as { yHat: TensorInfo; y: TensorInfo; dy: TensorInfo };
  const cpu = args.backend as CpuBackend;
  const a = numericValues(cpu, yHat);
  const b = numericValues(cpu, y);
  const scale = numericValues(cpu, dy)[0] / a.length;
  return withCall((call) => {
    const g = call.array("float32", a.length);
    for (let i = 0; i < a.length; i++) g[i] = (a[i] - b[i]) * scale;
    return cpu.makeTensorInfo(yHat.shape.slice(), "float32", g);
  });
};

export const squaredLossGradient: GradConfig = {
  kernelName: SQUARED_LOSS_KERNEL,
  inputsToSave: ["yHat", "y"],
  gradFunc: (dy, saved) => {
    const [yHat, y] = saved;
    const gradient = () => tf.engine().runKernel(SQUARED_LOSS_GRAD_KERNEL, { yHat, y, dy: dy as tf.Tensor }, {}) as tf.Tensor;
    return { yHat: gradient, y: () => tf.tidy(() => tf.neg(gradient()).reshape(y.shape)) };
  },
};

/** The hook's implementation: the kernels on the CPU backend (the op checked sizes and dtypes), else null. */
export const fastSquaredLoss: SquaredLossKernel = (yHat, y) => {
  if (tf.getBackend() !== "cpu") return null;
  return tf.engine().runKernel(SQUARED_LOSS_KERNEL, { yHat, y }, {}) as tf.Scalar;
};
