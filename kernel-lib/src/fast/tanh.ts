/**
 * Tanh for tfjs's CPU backend on the WebAssembly SIMD kernel (Cephes' single-precision tanh),
 * elements shared among the threads. tfjs calls Math.tanh per element (~25 ns each here);
 * additive attention (section 11.3) takes the tanh of a (batch, queries, keys, hiddens) tensor.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { Job, Op } from "./job-layout";
import { withCall, type Call, type Values } from "./runtime";
import { rawValues, type CpuBackend } from "./cpu-backend";

const ELEMENTS_PER_TASK = 1 << 14;

export function tanhValues(call: Call, x: Values): Float32Array {
  const out = call.output("float32", x.length);
  if (x.length === 0) return out.values as Float32Array;
  const job = call.rt.newJob(Op.tanh, Math.ceil(x.length / ELEMENTS_PER_TASK));
  job[Job.rows] = x.length;
  job[Job.x] = call.f32(x);
  job[Job.out] = out.at;
  job[Job.rowsPerTaskR] = ELEMENTS_PER_TASK;
  call.rt.execute(x.length * 16);
  return out.values as Float32Array;
}

/** The kernel registered for Tanh (float32; anything else goes to `fallback`). */
export function makeTanh(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = rawValues(cpu, x);
    if (x.dtype !== "float32" || values === null) return fallback(args);
    return withCall((call) => cpu.makeTensorInfo(x.shape.slice(), "float32", tanhValues(call, values)));
  };
}

/** Name of the kernel computing tanh's input gradient dy·(1 − y²) from its output y in one pass. */
export const TANH_GRAD_KERNEL = "D2lTanhGrad";

export const tanhGrad: KernelFunc = (args) => {
  const { y, dy } = args.inputs as { y: TensorInfo; dy: TensorInfo };
  const cpu = args.backend as CpuBackend;
  const yv = rawValues(cpu, y)!;
  const dyv = rawValues(cpu, dy)!;
  return withCall((call) => {
    const out = call.array("float32", yv.length);
    // tfjs's gradient computes (1 - y²) · dy with float32 roundings after each op; so does this.
    for (let i = 0; i < out.length; i++) {
      const square = Math.fround(yv[i] * yv[i]);
      out[i] = Math.fround(1 - square) * dyv[i];
    }
    return cpu.makeTensorInfo(y.shape.slice(), "float32", out);
  });
};
