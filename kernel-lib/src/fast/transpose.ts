/**
 * Transpose for tfjs's CPU backend: one strided copy in the WebAssembly kernel (copy.ts), the
 * input's strides permuted, dimensions merged where both sides are contiguous. tfjs converts
 * every output index to a multi-index and back (~50 ns per element here); multi-head attention
 * (section 11.5) transposes its queries, keys, values and output, forward and backward.
 */
import type { DataType, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { rawValues, type CpuBackend } from "./cpu-backend";
import { copyBox, operand } from "./copy";
import { withCall, type Call, type Values } from "./runtime";
import { rowMajorStrides } from "./strided";

/** `x` of `shape` transposed by `perm`, as a heap block of `call` of the values' own type. */
export function transposeValues(call: Call, x: Values, shape: readonly number[], perm: readonly number[]): { at: number; values: Values } {
  const outShape = perm.map((p) => shape[p]);
  const src = operand(call, x);
  const out = call.output(src.dtype, x.length);
  const inStrides = rowMajorStrides(shape);
  copyBox(call, src.bytes, outShape, { at: src.at, offset: 0, strides: perm.map((p) => inStrides[p]) }, {
    at: out.at, offset: 0, strides: rowMajorStrides(outShape),
  });
  return out;
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
    // tfjs may keep a float32 tensor's values in another typed array: the output keeps that type.
    return withCall((call) => cpu.makeTensorInfo(perm.map((p) => x.shape[p]), x.dtype, transposeValues(call, values, x.shape, perm).values));
  };
}
