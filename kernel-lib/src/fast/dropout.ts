/**
 * Dropout in training (layers/dropout.ts, section 5.6) as one WebAssembly kernel for the hook
 * `setDropoutKernel`: the mask is not built, each entry's keep decision is hashed from the seed and
 * its index (OP_DROPOUT, the same counter-based mask as the host's `dropoutMaskFromSeed`, so both
 * paths give identical results), and the gradient is the same kernel on dy with the same seed. The
 * host path drew ~3.5 million entries per 11.7 training step in JavaScript, copied them into a
 * tensor and multiplied.
 */
import type { GradConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import type { DropoutKernel } from "../layers/dropout";
import { f32At, type CpuBackend } from "./cpu-backend";
import { Job, Op } from "./job-layout";
import { floatBits, withCall } from "./runtime";

export const DROPOUT_KERNEL = "D2lDropout";

const PER_TASK = 1 << 15;

interface DropoutAttrs {
  seed: number;
  /** Entries whose hash is below this (an unsigned 32-bit number) are dropped. */
  threshold: number;
  scale: number;
}

/** Inputs { x }, attrs { seed, threshold, scale } → x times the mask of `seed`. */
export const dropoutKernel: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  const { seed, threshold, scale } = args.attrs as unknown as DropoutAttrs;
  const cpu = args.backend as CpuBackend;
  const count = tf.util.sizeFromShape(x.shape);
  return withCall((call) => {
    const out = call.output("float32", count);
    if (count > 0) {
      const xAt = f32At(call, cpu, x);
      const job = call.rt.newJob(Op.dropout, Math.ceil(count / PER_TASK));
      job[Job.rows] = count;
      job[Job.rowsPerTaskR] = PER_TASK;
      job[Job.x] = xAt;
      job[Job.out] = out.at;
      job[Job.dropSeed] = seed | 0;
      job[Job.dropThreshold] = threshold | 0;
      job[Job.dropScale] = floatBits(scale);
      call.rt.execute(count * 4);
    }
    return cpu.makeTensorInfo(x.shape.slice(), "float32", out.values);
  });
};

export const dropoutGradient: GradConfig = {
  kernelName: DROPOUT_KERNEL,
  gradFunc: (dy, _saved, attrs) => ({
    x: () => tf.engine().runKernel(DROPOUT_KERNEL, { x: dy as tf.Tensor }, attrs) as tf.Tensor,
  }),
};

/** The hook's implementation: the kernel for float32 on the CPU backend and 0 < p < 1, else null. */
export const fastDropout: DropoutKernel = (x, p, seed) => {
  const threshold = Math.ceil(p * 4294967296);
  if (tf.getBackend() !== "cpu" || x.dtype !== "float32" || !(threshold > 0 && threshold <= 0xffffffff)) return null;
  const attrs = { seed, threshold, scale: 1 / (1 - p) };
  return tf.engine().runKernel(DROPOUT_KERNEL, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
};
