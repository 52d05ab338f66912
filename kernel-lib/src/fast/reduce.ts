/**
 * Reductions for float32 tensors on tfjs's CPU backend: Sum and Mean over any axes in one pass
 * over the input (over innermost axes, four rows at a time in the WebAssembly kernel), Max and
 * ArgMax along rows in the WebAssembly kernel.
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
import { Job, Op } from "./job-layout";
import { floatBits, withCall, type Call, type Values } from "./runtime";
import { mergeDims } from "./strided";
import { transposeValues } from "./transpose";

/**
 * Sums of `x` over `axes`; with `divisor`, of each element divided by it first (float32
 * division, as tfjs's Mean).
 */
export function sumValues(
  call: Call, x: Values, shape: readonly number[], axes: readonly number[], divisor?: number,
): { values: Float32Array; outShape: number[] } {
  const reduced = new Set(axes);
  const outShape = shape.filter((_, d) => !reduced.has(d));
  const outSize = outShape.reduce((p, d) => p * d, 1);
  const acc = new Float64Array(outSize);
  // Output strides along each input dimension (0 along reduced ones), merged where possible.
  const outStrides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (!reduced.has(d)) {
      outStrides[d] = s;
      s *= shape[d];
    }
  }
  const { dims, strides } = mergeDims(shape, outStrides, shape.keys());
  if (divisor !== undefined) {
    const scaled = call.array("float32", x.length);
    for (let i = 0; i < x.length; i++) scaled[i] = x[i] / divisor;
    x = scaled;
  }
  if (x.length > 0 && dims.length === 0) {
    acc[0] = x[0];
  } else if (x.length > 0) {
    const rank = dims.length;
    const n = dims[rank - 1];
    const step = strides[rank - 1];
    const index = new Array<number>(rank).fill(0);
    let at = 0;
    for (let i = 0; i < x.length; i += n) {
      if (step === 0) {
        let sum = acc[at];
        for (let j = 0; j < n; j++) sum += x[i + j];
        acc[at] = sum;
      } else {
        for (let j = 0; j < n; j++) acc[at + j * step] += x[i + j];
      }
      for (let d = rank - 2; d >= 0; d--) {
        index[d]++;
        at += strides[d];
        if (index[d] < dims[d]) break;
        at -= strides[d] * dims[d];
        index[d] = 0;
      }
    }
  }
  const values = call.array("float32", outSize);
  values.set(acc);
  return { values, outShape };
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
      const values = sumsRows(xv, x.shape, axes)
        ? rowReduce(call, "sum", xv, x.shape, axes, divisor)
        : sumValues(call, xv, x.shape, axes, divisor).values;
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

/** Whether a sum of `x` over `axes` runs as sums of rows: innermost axes, a non-empty reduction. */
function sumsRows(x: Values, shape: readonly number[], axes: number[]): boolean {
  return x instanceof Float32Array && tf.backend_util.getAxesPermutation(axes, shape.length) === null &&
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
