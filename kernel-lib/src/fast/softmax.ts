/**
 * Softmax over the last axis and its gradient, one pass per row in the WebAssembly kernel, rows
 * shared among the threads. tfjs's CPU Softmax instead runs max, sub, exp, sum and div as separate
 * kernels, two of them broadcasting (slow on that backend); its gradient likewise.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { Job, Op } from "./job-layout";
import { getRuntime } from "./runtime";
import { cpuValues, type CpuBackend } from "./cpu-backend";

const ROWS_PER_TASK = 64;

/**
 * Runs OP_SOFTMAX (`x` → softmax(x)) or OP_SOFTMAX_GRAD (`x` = softmax output, `y` = upstream
 * gradient → input gradient) over rows of length `cols`. With `keep` (one flag per element),
 * scores whose flag is 0 are replaced by the book's -1e6 first and get a zero gradient.
 */
export function rowKernel(
  op: number, cols: number, x: Float32Array, y?: Float32Array, keep?: Uint8Array | null,
): Float32Array {
  const out = new Float32Array(x.length);
  if (x.length === 0 || cols === 0) return out;
  const rows = x.length / cols;
  const rt = getRuntime();
  const arena = rt.arena();
  const xAt = arena.alloc(x.length * 4);
  const yAt = y ? arena.alloc(y.length * 4) : 0;
  const outAt = arena.alloc(out.length * 4);
  const keepAt = keep ? arena.alloc(keep.length) : 0;
  arena.commit();
  arena.f32(xAt, x.length).set(x);
  if (y) arena.f32(yAt, y.length).set(y);
  if (keep) arena.u8(keepAt, keep.length).set(keep);
  const job = rt.newJob(op, Math.ceil(rows / ROWS_PER_TASK));
  job[Job.rows] = rows;
  job[Job.cols] = cols;
  job[Job.x] = xAt;
  job[Job.y] = yAt;
  job[Job.out] = outAt;
  job[Job.rowsPerTaskR] = ROWS_PER_TASK;
  job[Job.mask] = keepAt;
  rt.execute(x.length * 8, out);
  out.set(arena.f32(outAt, out.length));
  return out;
}

function lastAxis(dim: number | undefined, rank: number): boolean {
  return dim === undefined || dim === -1 || dim === rank - 1;
}

/** The kernel registered for Softmax (float32, last axis); anything else goes to `fallback`. */
export function makeSoftmax(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { logits } = args.inputs as { logits: TensorInfo };
    const { dim } = args.attrs as { dim?: number };
    if (logits.dtype !== "float32" || logits.shape.length === 0 || !lastAxis(dim, logits.shape.length)) {
      return fallback(args);
    }
    const cpu = args.backend as CpuBackend;
    const cols = logits.shape[logits.shape.length - 1];
    const out = rowKernel(Op.softmax, cols, cpuValues(cpu, logits));
    return cpu.makeTensorInfo(logits.shape.slice(), "float32", out);
  };
}

/** Name of the kernel computing softmax's input gradient from its output `y` and `dy`. */
export const SOFTMAX_GRAD_KERNEL = "D2lSoftmaxGrad";

/** dx = y * (dy - sum(dy * y)) along the last axis. */
export const softmaxGrad: KernelFunc = (args) => {
  const { y, dy } = args.inputs as { y: TensorInfo; dy: TensorInfo };
  const cpu = args.backend as CpuBackend;
  const cols = y.shape[y.shape.length - 1];
  const out = rowKernel(Op.softmaxGrad, cols, cpuValues(cpu, y), cpuValues(cpu, dy));
  return cpu.makeTensorInfo(y.shape.slice(), "float32", out);
};

/**
 * The masked softmax's host computations (kernel-lib/src/ops/masked-softmax.ts's hook
 * `setMaskedSoftmaxKernels`), same contracts as `maskedSoftmaxForward` / `maskedSoftmaxBackward`.
 */
export function maskedSoftmaxForwardFast(x: Float32Array, rows: number, cols: number, keep: Uint8Array | null): Float32Array {
  checkRows("forward", x, rows, cols, keep);
  return rowKernel(Op.softmax, cols, x, undefined, keep);
}

export function maskedSoftmaxBackwardFast(
  y: Float32Array, dy: Float32Array, rows: number, cols: number, keep: Uint8Array | null,
): Float32Array {
  checkRows("backward", y, rows, cols, keep);
  if (dy.length !== y.length) throw new Error(`maskedSoftmax backward: dy has ${dy.length} values, y ${y.length}`);
  return rowKernel(Op.softmaxGrad, cols, y, dy, keep);
}

function checkRows(which: string, x: Float32Array, rows: number, cols: number, keep: Uint8Array | null): void {
  if (x.length !== rows * cols || (keep !== null && keep.length !== x.length)) {
    throw new Error(
      `maskedSoftmax ${which}: ${x.length} values and ${keep?.length ?? "no"} keep flags for ${rows} rows of ${cols}`,
    );
  }
}
