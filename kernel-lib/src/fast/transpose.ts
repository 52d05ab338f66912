/**
 * Transpose for tfjs's CPU backend: one strided copy (an odometer over the output, merged
 * dimensions where the input is contiguous too). tfjs converts every output index to a
 * multi-index and back (~50 ns per element here); multi-head attention (section 11.5)
 * transposes its queries, keys, values and output, forward and backward.
 */
import type { DataType, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { arrayDtype, rawValues, type CpuBackend } from "./cpu-backend";
import { withCall } from "./runtime";
import { mergeDims, type StridedWalk } from "./strided";

type NumericArray = Float32Array | Int32Array | Uint8Array;

/** Input strides (in elements) seen along each output dimension, with mergeable runs merged. */
function plan(shape: readonly number[], perm: readonly number[]): StridedWalk {
  const inStrides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d];
  }
  const walk = mergeDims(shape, inStrides, perm);
  return walk.dims.length === 0 ? { dims: [1], strides: [0] } : walk;
}

export function transposeValues(x: ArrayLike<number>, shape: readonly number[], perm: readonly number[], out: NumericArray): void {
  const size = out.length;
  if (size === 0) return;
  const { dims, strides } = plan(shape, perm);
  const rank = dims.length;
  const n = dims[rank - 1];
  const step = strides[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let at = 0;
  for (let o = 0; o < size; o += n) {
    if (step === 1) for (let j = 0; j < n; j++) out[o + j] = x[at + j];
    else for (let j = 0, i = at; j < n; j++, i += step) out[o + j] = x[i];
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      at += strides[d];
      if (index[d] < dims[d]) break;
      at -= strides[d] * dims[d];
      index[d] = 0;
    }
  }
}

const NUMERIC: ReadonlySet<DataType> = new Set<DataType>(["float32", "int32", "bool"]);

/** The kernel registered for Transpose (numeric dtypes; strings and complex go to `fallback`). */
export function makeTranspose(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { perm } = args.attrs as { perm: number[] };
    const cpu = args.backend as CpuBackend;
    const values = rawValues(cpu, x);
    if (!NUMERIC.has(x.dtype) || values === null) return fallback(args);
    const shape = perm.map((p) => x.shape[p]);
    return withCall((call) => {
      // tfjs may keep a float32 tensor's values in another typed array: the output keeps that type.
      const out = call.array(arrayDtype(values), tf.util.sizeFromShape(shape));
      transposeValues(values, x.shape, perm, out);
      return cpu.makeTensorInfo(shape, x.dtype, out);
    });
  };
}
