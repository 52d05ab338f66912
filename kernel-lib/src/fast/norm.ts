/**
 * Layer normalisation over the last axis (section 8.5's nn.LayerNorm, AddNorm in 11.7) as one
 * kernel each way (wasm/norm.c), for the hook `setLayerNormKernel` of layers/layer-norm.ts.
 * tfjs runs it as moments (two means and a squared difference), a subtraction, an rsqrt, two
 * products and a sum, and about twenty kernels backward.
 */
import type { GradConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import type { LayerNormKernel } from "../layers/layer-norm";
import { f32At, type CpuBackend } from "./cpu-backend";
import { Job, Op } from "./job-layout";
import { floatBits, withCall } from "./runtime";

export const LAYER_NORM_KERNEL = "D2lLayerNorm";
export const LAYER_NORM_GRAD_KERNEL = "D2lLayerNormGrad";

const ROWS_PER_TASK = 32;

/** Inputs { x (…, n), weight (n), bias (n) }, attrs { eps } → [y, mean (rows), rstd (rows)]. */
export const layerNormKernel: KernelFunc = (args) => {
  const { x, weight, bias } = args.inputs as Record<string, TensorInfo>;
  const cpu = args.backend as CpuBackend;
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : tf.util.sizeFromShape(x.shape) / n;
  return withCall((call) => {
    const y = call.output("float32", rows * n);
    const mean = call.output("float32", rows);
    const rstd = call.output("float32", rows);
    if (rows > 0 && n > 0) {
      const job = call.rt.newJob(Op.layerNorm, Math.ceil(rows / ROWS_PER_TASK));
      job[Job.rows] = rows;
      job[Job.cols] = n;
      job[Job.x] = f32At(call, cpu, x);
      job[Job.w] = f32At(call, cpu, weight);
      job[Job.v] = f32At(call, cpu, bias);
      job[Job.out] = y.at;
      job[Job.mean] = mean.at;
      job[Job.rstd] = rstd.at;
      job[Job.eps] = floatBits((args.attrs as { eps: number }).eps);
      job[Job.rowsPerTaskR] = ROWS_PER_TASK;
      call.rt.execute(rows * n * 8);
    }
    return [
      cpu.makeTensorInfo(x.shape.slice(), "float32", y.values),
      cpu.makeTensorInfo([rows], "float32", mean.values),
      cpu.makeTensorInfo([rows], "float32", rstd.values),
    ];
  });
};

/** Inputs { x, weight, mean, rstd, dy } → [dx, dWeight, dBias]. */
export const layerNormGradKernel: KernelFunc = (args) => {
  const { x, weight, mean, rstd, dy } = args.inputs as Record<string, TensorInfo>;
  const cpu = args.backend as CpuBackend;
  const n = x.shape[x.shape.length - 1];
  const rows = mean.shape[0];
  return withCall((call) => {
    const dx = call.output("float32", rows * n);
    const dw = call.output("float32", n);
    const db = call.output("float32", n);
    const job = call.rt.newJob(Op.layerNormGrad, 1);
    job[Job.scratch] = call.temp(n * 16);
    job[Job.rows] = rows;
    job[Job.cols] = n;
    job[Job.x] = f32At(call, cpu, x);
    job[Job.w] = f32At(call, cpu, weight);
    job[Job.mean] = f32At(call, cpu, mean);
    job[Job.rstd] = f32At(call, cpu, rstd);
    job[Job.dy] = f32At(call, cpu, dy);
    job[Job.out] = dx.at;
    job[Job.dq] = dw.at;
    job[Job.dk] = db.at;
    call.rt.execute(0);
    return [
      cpu.makeTensorInfo(x.shape.slice(), "float32", dx.values),
      cpu.makeTensorInfo(weight.shape.slice(), "float32", dw.values),
      cpu.makeTensorInfo(weight.shape.slice(), "float32", db.values),
    ];
  });
};

export const layerNormGradient: GradConfig = {
  kernelName: LAYER_NORM_KERNEL,
  inputsToSave: ["x", "weight"],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved) => {
    const [x, weight, mean, rstd] = saved;
    const dy = (dys as (tf.Tensor | null)[])[0] ?? tf.zerosLike(x);
    const [dx, dw, db] = tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x, weight, mean, rstd, dy }, {}) as tf.Tensor[];
    return { x: () => dx, weight: () => dw, bias: () => db };
  },
};

/** The hook's implementation: the fused kernels for float32 on the CPU backend, else null (the chain). */
export const fastLayerNorm: LayerNormKernel = (x, weight, bias, eps) => {
  if (tf.getBackend() !== "cpu" || [x, weight, bias].some((t) => t.dtype !== "float32")) return null;
  const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM_KERNEL, { x, weight, bias }, { eps }) as tf.Tensor[];
  tf.dispose([mean, rstd]); // (the gradient keeps its own references)
  return y;
};
