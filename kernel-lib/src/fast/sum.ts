/**
 * Sum over any axes for float32 tensors on tfjs's CPU backend, in one pass over the input.
 * tfjs first transposes the reduced axes to the end (slowly, see transpose.ts); the gradients of
 * broadcasting ops (e.g. additive attention's queries + keys) are such sums over middle axes.
 * Like tfjs, each output accumulates in double precision, in the input's row-major order, and is
 * rounded once.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { rawValues, type CpuBackend } from "./cpu-backend";
import { withCall, type Call, type Values } from "./runtime";
import { mergeDims } from "./strided";

export function sumValues(call: Call, x: Values, shape: readonly number[], axes: readonly number[]): { values: Float32Array; outShape: number[] } {
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

/** The kernel registered for Sum (float32; other dtypes go to `fallback`). */
export function makeSum(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const xv = rawValues(cpu, x);
    if (x.dtype !== "float32" || xv === null) return fallback(args);
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape);
    return withCall((call) => {
      const { values, outShape } = sumValues(call, xv, x.shape, axes);
      const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
      return cpu.makeTensorInfo(shape, "float32", values);
    });
  };
}
