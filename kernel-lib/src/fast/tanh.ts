/**
 * Tanh for tfjs's CPU backend on the WebAssembly SIMD kernel (Cephes' single-precision tanh),
 * elements shared among the threads. tfjs calls Math.tanh per element (~25 ns each here);
 * additive attention (section 11.3) takes the tanh of a (batch, queries, keys, hiddens) tensor.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { Job, Op } from "./job-layout";
import { getRuntime } from "./runtime";
import { cpuValues, type CpuBackend } from "./cpu-backend";

const ELEMENTS_PER_TASK = 1 << 14;

export function tanhValues(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  if (x.length === 0) return out;
  const rt = getRuntime();
  const arena = rt.arena();
  const xAt = arena.alloc(x.length * 4);
  const outAt = arena.alloc(x.length * 4);
  arena.commit();
  arena.f32(xAt, x.length).set(x);
  const job = rt.newJob(Op.tanh, Math.ceil(x.length / ELEMENTS_PER_TASK));
  job[Job.rows] = x.length;
  job[Job.x] = xAt;
  job[Job.out] = outAt;
  job[Job.rowsPerTaskR] = ELEMENTS_PER_TASK;
  rt.execute(x.length * 16, out);
  out.set(arena.f32(outAt, out.length));
  return out;
}

/** The kernel registered for Tanh (float32; anything else goes to `fallback`). */
export function makeTanh(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== "float32") return fallback(args);
    const cpu = args.backend as CpuBackend;
    return cpu.makeTensorInfo(x.shape.slice(), "float32", tanhValues(cpuValues(cpu, x)));
  };
}

/** Name of the kernel computing tanh's input gradient dy·(1 − y²) from its output y in one pass. */
export const TANH_GRAD_KERNEL = "D2lTanhGrad";

export const tanhGrad: KernelFunc = (args) => {
  const { y, dy } = args.inputs as { y: TensorInfo; dy: TensorInfo };
  const cpu = args.backend as CpuBackend;
  const yv = cpuValues(cpu, y);
  const dyv = cpuValues(cpu, dy);
  const out = new Float32Array(yv.length);
  // tfjs's gradient computes (1 - y²) · dy with float32 roundings after each op; so does this.
  for (let i = 0; i < out.length; i++) {
    const square = Math.fround(yv[i] * yv[i]);
    out[i] = Math.fround(1 - square) * dyv[i];
  }
  return cpu.makeTensorInfo(y.shape.slice(), "float32", out);
};
