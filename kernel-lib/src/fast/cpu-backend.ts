/** The little of tfjs's CPU backend (MathBackendCPU) the fast kernels use. */
import type { DataId, DataType, TensorInfo } from "@tensorflow/tfjs-core";
import type { Call, Values } from "./runtime";

export interface CpuBackend {
  data: { get(dataId: DataId): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: Values): TensorInfo;
}

/**
 * The typed array behind a numeric tensor of the CPU backend, as tfjs keeps it (a float32
 * tensor may hold a Uint8Array or Int32Array after a cast from bool or int32); null for strings
 * and complex numbers.
 */
export function rawValues(backend: CpuBackend, t: TensorInfo): Values | null {
  const values = backend.data.get(t.dataId).values;
  if (values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array) return values;
  return null;
}

/** The heap dtype whose view has the type of `values` (what a copy of them is stored as). */
export function arrayDtype(values: Values): "float32" | "int32" | "bool" {
  if (values instanceof Float32Array) return "float32";
  return values instanceof Int32Array ? "int32" : "bool";
}

/** `rawValues` for a tensor that must have numeric data (throws otherwise). */
export function numericValues(backend: CpuBackend, t: TensorInfo): Values {
  const values = rawValues(backend, t);
  if (values === null) throw new Error(`d2l-ts fast kernels: no numeric data for a ${t.dtype} tensor of shape [${t.shape}]`);
  return values;
}

/** Byte offset of a float32 tensor's values in the kernels' memory (copied in when not there). */
export function f32At(call: Call, backend: CpuBackend, t: TensorInfo): number {
  return call.f32(numericValues(backend, t));
}
