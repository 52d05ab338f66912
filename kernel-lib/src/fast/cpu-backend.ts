/** The little of tfjs's CPU backend (MathBackendCPU) the fast kernels use. */
import type { DataId, DataType, TensorInfo } from "@tensorflow/tfjs-core";

export interface CpuBackend {
  data: { get(dataId: DataId): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array): TensorInfo;
}

/** The float32 values behind a tensor of the CPU backend. */
export function cpuValues(backend: CpuBackend, t: TensorInfo): Float32Array {
  const values = backend.data.get(t.dataId).values;
  if (!(values instanceof Float32Array)) {
    throw new Error(`d2l-ts fast kernels: expected float32 data for a tensor of shape [${t.shape}]`);
  }
  return values;
}
