/**
 * Softmax over the last axis and its gradient, one pass per row in the WebAssembly kernel, rows
 * shared among the threads. tfjs's CPU Softmax instead runs max, sub, exp, sum and div as separate
 * kernels, two of them broadcasting (slow on that backend); its gradient likewise. The masked
 * softmax of section 11.3 (ops/masked-softmax.ts) runs on the same kernel through its hook,
 * with the valid lengths applied per row (no mask tensor is built).
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { hostMaskedSoftmaxKernels, type MaskedSoftmaxKernels, type ResolvedValidLens } from "../ops/masked-softmax";
import { Job, Op } from "./job-layout";
import { floatBits, withCall, type Call, type Values } from "./runtime";
import { rawValues, type CpuBackend } from "./cpu-backend";

const ROWS_PER_TASK = 64;

/** Which scores of each row the masked softmax keeps: all, the first `rowLengths[r]`, or by flag. */
export interface RowMask {
  rowLengths?: Int32Array | null;
  keep?: Uint8Array | null;
}

/**
 * Runs OP_SOFTMAX (`x` → softmax(x)) or OP_SOFTMAX_GRAD (`x` = softmax output, `y` = upstream
 * gradient → input gradient) over rows of length `cols`. Masked scores (past the row's length,
 * or with flag 0) are replaced by the book's -1e6 first and get a zero gradient. With `scale`,
 * the scores are divided by it first (and so is the gradient). The result goes to `out` (which
 * may be `x` or `y`: the rows are computed in place) or to a new block.
 */
export function rowKernel(
  call: Call, op: number, cols: number, x: Values, y?: Values, mask: RowMask = {}, scale = 0, out?: { at: number; values: Values },
): Float32Array {
  const target = out ?? call.output("float32", x.length);
  if (x.length === 0 || cols === 0) return target.values as Float32Array;
  const rows = x.length / cols;
  const job = call.rt.newJob(op, Math.ceil(rows / ROWS_PER_TASK));
  job[Job.rows] = rows;
  job[Job.cols] = cols;
  job[Job.x] = call.f32(x);
  job[Job.y] = y ? call.f32(y) : 0;
  job[Job.out] = target.at;
  job[Job.rowsPerTaskR] = ROWS_PER_TASK;
  job[Job.mask] = mask.keep ? call.u8(mask.keep) : 0;
  job[Job.rowLengths] = mask.rowLengths ? call.i32(mask.rowLengths) : 0;
  job[Job.scale] = floatBits(scale);
  call.rt.execute(x.length * 8);
  return target.values as Float32Array;
}

function lastAxis(dim: number | undefined, rank: number): boolean {
  return dim === undefined || dim === -1 || dim === rank - 1;
}

/** The kernel registered for Softmax (float32, last axis); anything else goes to `fallback`. */
export function makeSoftmax(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { logits } = args.inputs as { logits: TensorInfo };
    const { dim } = args.attrs as { dim?: number };
    const cpu = args.backend as CpuBackend;
    const x = rawValues(cpu, logits);
    if (x === null || logits.dtype !== "float32" || logits.shape.length === 0 || !lastAxis(dim, logits.shape.length)) {
      return fallback(args);
    }
    const cols = logits.shape[logits.shape.length - 1];
    return withCall((call) => cpu.makeTensorInfo(logits.shape.slice(), "float32", rowKernel(call, Op.softmax, cols, x)));
  };
}

/** Name of the kernel computing softmax's input gradient from its output `y` and `dy`. */
export const SOFTMAX_GRAD_KERNEL = "D2lSoftmaxGrad";

/** dx = y * (dy - sum(dy * y)) along the last axis (attrs: an optional RowMask). */
export const softmaxGrad: KernelFunc = (args) => {
  const { y, dy } = args.inputs as { y: TensorInfo; dy: TensorInfo };
  const cpu = args.backend as CpuBackend;
  const cols = y.shape[y.shape.length - 1];
  return withCall((call) => {
    const out = rowKernel(call, Op.softmaxGrad, cols, rawValues(cpu, y)!, rawValues(cpu, dy)!, args.attrs as RowMask);
    return cpu.makeTensorInfo(y.shape.slice(), "float32", out);
  });
};

/** Name of the masked softmax's forward kernel (input x, attrs a RowMask). */
export const MASKED_SOFTMAX_KERNEL = "D2lMaskedSoftmax";

export const maskedSoftmaxKernel: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  const cpu = args.backend as CpuBackend;
  const cols = x.shape[x.shape.length - 1];
  return withCall((call) =>
    cpu.makeTensorInfo(x.shape.slice(), "float32", rowKernel(call, Op.softmax, cols, rawValues(cpu, x)!, undefined, args.attrs as RowMask)),
  );
};

/** The masked rows of scores `(batch, queries, keys)` for resolved valid lengths. */
export function rowMask(shape: readonly number[], lens: ResolvedValidLens): RowMask {
  const [batch, queries, keys] = shape;
  if (lens.kind === "none") return {};
  if (lens.kind === "mask") return { keep: lens.mask.expand(batch, queries, keys) };
  const rowLengths = new Int32Array(batch * queries);
  for (let r = 0; r < rowLengths.length; r++) {
    const length = lens.perQuery ? lens.values[r] : lens.values[Math.floor(r / queries)];
    rowLengths[r] = Math.min(length, keys);
  }
  return { rowLengths };
}

/**
 * The masked softmax's pair for its hook (`setMaskedSoftmaxKernels`): one kernel call each way
 * on the CPU backend; the TypeScript loops on other backends.
 */
export const fastMaskedSoftmaxKernels: MaskedSoftmaxKernels = {
  forward(x, lens) {
    if (tf.getBackend() !== "cpu" || x.dtype !== "float32") return hostMaskedSoftmaxKernels.forward(x, lens);
    const attrs = rowMask(x.shape, lens) as unknown as tf.NamedAttrMap;
    return tf.engine().runKernel(MASKED_SOFTMAX_KERNEL, { x }, attrs) as tf.Tensor3D;
  },
  backward(y, dy, lens) {
    if (tf.getBackend() !== "cpu" || y.dtype !== "float32" || dy.dtype !== "float32") return hostMaskedSoftmaxKernels.backward(y, dy, lens);
    const attrs = rowMask(y.shape, lens) as unknown as tf.NamedAttrMap;
    return tf.engine().runKernel(SOFTMAX_GRAD_KERNEL, { y, dy }, attrs) as tf.Tensor3D;
  },
};
