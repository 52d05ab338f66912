/** The little of tfjs's CPU backend (MathBackendCPU) the fast kernels use. */
import type { DataId, DataType, TensorInfo } from "@tensorflow/tfjs-core";

export interface CpuBackend {
  data: { get(dataId: DataId): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array): TensorInfo;
}

/**
 * The values behind a float32 tensor of the CPU backend as a Float32Array. Usually they are one
 * already; some of tfjs's kernels (e.g. a cast from bool) keep another typed array under the
 * float32 dtype, which is converted here.
 */
export function cpuValues(backend: CpuBackend, t: TensorInfo): Float32Array {
  const values = backend.data.get(t.dataId).values;
  if (values instanceof Float32Array) return values;
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    return Float32Array.from(values as unknown as ArrayLike<number>);
  }
  throw new Error(`d2l-ts fast kernels: no numeric data for a ${t.dtype} tensor of shape [${t.shape}]`);
}
