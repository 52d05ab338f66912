/**
 * Reductions for float32 tensors on tfjs's CPU backend, in the WebAssembly kernels: Sum and Mean
 * over any axes in one pass over the input (over innermost axes four rows at a time, over others
 * 16 neighbouring outputs at a time), Max and ArgMax along rows.
 *
 * tfjs first transposes the reduced axes to the end (slowly, see transpose.ts); the gradients of
 * broadcasting ops (e.g. additive attention's queries + keys) are such sums over middle axes.
 * Like tfjs, each sum accumulates in double precision, in the input's row-major order, and is
 * rounded once; a mean divides every element by the count first (in float32), as tfjs's Mean
 * does, so both are bit-identical to tfjs's. Max and ArgMax follow tfjs's running maximum: NaN
 * wins in Max and never in ArgMax, and the first of equal values is kept.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { rawValues, type CpuBackend } from "./cpu-backend";
import { COLUMN_SUM_BLOCK, Job, Op } from "./job-layout";
import { floatBits, withCall, type Call, type Values } from "./runtime";
import { mergeDims, rowMajorStrides, type StridedWalk } from "./strided";
import { transposeValues } from "./transpose";

/** Tasks a sum over middle axes is split into (the threads take them when it is large enough). */
const AXIS_SUM_TASKS = 16;
/** Columns the kernel sums together (axis_sum16 in wasm/elementwise.c): tasks split at multiples. */
const AXIS_SUM_BLOCK = 16;

/**
 * Sums of `x` over `axes` (any of them; each element divided by `divisor` first when not 0) in
 * the WebAssembly kernel (OP_AXIS_SUM in wasm/kernels.h): the output as rows of its innermost
 * kept run of dimensions, the reduced elements of each output as a table of outer terms times an
 * inner strided run.
 */
function axisSum(call: Call, x: Values, shape: readonly number[], axes: number[], divisor = 0): Float32Array {
  const outSize = shape.reduce((p, d, i) => (axes.includes(i) ? p : p * d), 1);
  if (x.length === 0) return call.array("float32", outSize).fill(0);
  const strides = rowMajorStrides(shape);
  const order = [...shape.keys()];
  // Runs of kept and of reduced dimensions (merged where contiguous in x): the kernel loops over
  // the innermost run of each (removed here) and takes the outer ones' offsets from the table.
  const kept = mergeDims(shape, strides, order.filter((d) => !axes.includes(d)));
  const reduced = mergeDims(shape, strides, order.filter((d) => axes.includes(d)));
  const [cols = 1, colStride = 0] = [kept.dims.pop(), kept.strides.pop()];
  const [inner = 1, innerStride = 0] = [reduced.dims.pop(), reduced.strides.pop()];
  const rows = outSize / cols;
  const terms = reduced.dims.reduce((p, d) => p * d, 1);
  const at = call.f32(x);
  const table = call.output("int32", rows + terms);
  writeOffsets(table.values as Int32Array, 0, kept);
  writeOffsets(table.values as Int32Array, rows, reduced);
  const out = call.output("float32", outSize);
  // Whole rows per task where there are enough of them, else blocks of columns.
  const rowsPerTask = Math.ceil(rows / AXIS_SUM_TASKS);
  const colBlocks = Math.ceil(AXIS_SUM_TASKS / rows);
  const colsPerTask = Math.min(cols, AXIS_SUM_BLOCK * Math.ceil(cols / colBlocks / AXIS_SUM_BLOCK));
  const job = call.rt.newJob(Op.axisSum, Math.ceil(rows / rowsPerTask) * Math.ceil(cols / colsPerTask));
  job[Job.rows] = rows;
  job[Job.cols] = cols;
  job[Job.x] = at;
  job[Job.y] = table.at;
  job[Job.out] = out.at;
  job[Job.rowsPerTaskR] = rowsPerTask;
  job[Job.sumColsPerTask] = colsPerTask;
  job[Job.sumTerms] = terms;
  job[Job.sumInner] = inner;
  job[Job.sumInnerStride] = innerStride;
  job[Job.sumColStride] = colStride;
  job[Job.scale] = floatBits(divisor);
  call.rt.execute(x.length);
  return out.values as Float32Array;
}

/** The element offsets of a walk over `dims` in row-major order, written into `table` from `from`. */
function writeOffsets(table: Int32Array, from: number, { dims, strides }: StridedWalk): void {
  const count = dims.reduce((p, d) => p * d, 1);
  const index = new Array<number>(dims.length).fill(0);
  let offset = 0;
  for (let i = from; i < from + count; i++) {
    table[i] = offset;
    for (let d = dims.length - 1; d >= 0; d--) {
      offset += strides[d];
      if (++index[d] < dims[d]) break;
      offset -= strides[d] * dims[d];
      index[d] = 0;
    }
  }
}

/**
 * The kernel registered for Sum or Mean (float32; other dtypes go to `fallback`). A mean divides
 * each element by the count first, as tfjs's Mean does.
 */
export function makeSumOrMean(kind: "sum" | "mean", fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const xv = rawValues(cpu, x);
    if (x.dtype !== "float32" || xv === null) return fallback(args);
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const divisor = kind === "mean" ? axes.reduce((p, d) => p * x.shape[d], 1) : undefined;
    const outShape = x.shape.filter((_, d) => !axes.includes(d));
    const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    return withCall((call) => {
      const values = sumsRows(x.shape, axes)
        ? rowReduce(call, "sum", xv, x.shape, axes, divisor)
        : axisSum(call, xv, x.shape, axes, divisor);
      return cpu.makeTensorInfo(shape, "float32", values);
    });
  };
}

/**
 * `x` with the reduced `axes` moved last (a temporary transposed copy when they are not last
 * already), as rows of the reduced elements.
 */
function reducedRows(call: Call, x: Values, shape: readonly number[], axes: number[]): { rows: number; cols: number; at: number } {
  const perm = tf.backend_util.getAxesPermutation(axes, shape.length);
  const cols = axes.reduce((p, d) => p * shape[d], 1);
  const rows = cols === 0 ? 0 : x.length / cols;
  if (perm === null) return { rows, cols, at: call.f32(x) };
  return { rows, cols, at: call.f32(transposeValues(call, x, shape, perm).values) };
}

const REDUCE_KIND = { max: 0, argmax: 1, sum: 2 } as const;

/**
 * Max (float32 per row), ArgMax (int32) or Sum (float32; each element divided by `divisor`
 * first when given) over the rows of `x` along `axes`.
 */
function rowReduce(
  call: Call, kind: keyof typeof REDUCE_KIND, x: Values, shape: readonly number[], axes: number[], divisor = 0,
): Float32Array | Int32Array {
  const { rows, cols, at } = reducedRows(call, x, shape, axes);
  const out = call.output(kind === "argmax" ? "int32" : "float32", rows);
  if (rows > 0) {
    const job = call.rt.newJob(Op.rowReduce, Math.ceil(rows / 256));
    job[Job.rows] = rows;
    job[Job.cols] = cols;
    job[Job.x] = at;
    job[Job.out] = out.at;
    job[Job.rowsPerTaskR] = 256;
    job[Job.reduceKind] = REDUCE_KIND[kind];
    job[Job.scale] = floatBits(divisor);
    call.rt.execute(x.length);
  }
  return out.values as Float32Array | Int32Array;
}

/** Whether a sum over `axes` runs as sums of rows: innermost axes, a non-empty reduction. */
function sumsRows(shape: readonly number[], axes: number[]): boolean {
  return tf.backend_util.getAxesPermutation(axes, shape.length) === null &&
    axes.length > 0 && axes.every((d) => shape[d] > 0);
}

/** The kernel registered for Max (float32 with a non-empty reduction; anything else to `fallback`). */
export function makeMax(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const xv = rawValues(cpu, x);
    const { reductionIndices, keepDims } = args.attrs as { reductionIndices: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(reductionIndices, x.shape);
    if (x.dtype !== "float32" || xv === null || axes.some((d) => x.shape[d] === 0)) return fallback(args);
    const outShape = x.shape.filter((_, d) => !axes.includes(d));
    return withCall((call) => {
      const values = rowReduce(call, "max", xv, x.shape, axes);
      return cpu.makeTensorInfo(keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape, "float32", values);
    });
  };
}

/** The kernel registered for ArgMax (float32 with a non-empty axis; anything else to `fallback`). */
export function makeArgMax(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const xv = rawValues(cpu, x);
    const axes = tf.util.parseAxisParam((args.attrs as { axis: number | number[] }).axis, x.shape).slice(0, 1);
    if (x.dtype !== "float32" || xv === null || x.shape[axes[0]] === 0) return fallback(args);
    const outShape = x.shape.filter((_, d) => d !== axes[0]);
    return withCall((call) => cpu.makeTensorInfo(outShape, "int32", rowReduce(call, "argmax", xv, x.shape, axes)));
  };
}

/** The sums of the columns of `rows × cols` floats at byte offset `at`: a new result of `call`, in
 * float32 row by row (OP_COLUMN_SUM: bias gradients and other sums over rows). */
export function columnSums(call: Call, at: number, rows: number, cols: number): { values: Values } {
  const out = call.output("float32", cols);
  const job = call.rt.newJob(Op.columnSum, Math.ceil(cols / COLUMN_SUM_BLOCK));
  job[Job.rows] = rows;
  job[Job.cols] = cols;
  job[Job.x] = at;
  job[Job.out] = out.at;
  call.rt.execute(rows * cols);
  return out;
}
