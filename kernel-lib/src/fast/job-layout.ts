/**
 * Layout of a job block in the kernels' shared memory: int32 field indices. These mirror the
 * `J_*` and `OP_*` enums of wasm/kernels.c; a mismatch is caught by test/unit/fast-kernels.test.ts
 * (every kernel is compared with tfjs's reference kernel).
 */
export const Job = {
  op: 0,
  nextTask: 1,
  numTasks: 2,
  scratch: 3,
  scratchBytes: 4,
  // matmul
  m: 8,
  n: 9,
  k: 10,
  a: 11,
  b: 12,
  c: 13,
  aRowStride: 14,
  aColStride: 15,
  bRowStride: 16,
  bColStride: 17,
  aBatchOffsets: 18,
  bBatchOffsets: 19,
  rowsPerTask: 20,
  tasksPerBatch: 21,
  // row-wise kernels
  rows: 8,
  cols: 9,
  x: 10,
  y: 11,
  out: 12,
  rowsPerTaskR: 13,
  mask: 14,
  binaryKind: 15,
  binaryScalar: 16,
  rowLengths: 17,
} as const;

/** Size of a job block in int32 fields. */
export const JOB_FIELDS = 32;

export const Op = { matmul: 1, softmax: 2, softmaxGrad: 3, tanh: 4, binary: 5 } as const;

/** The micro-kernel's register tile (MR rows by NR columns); kernels.c defines the same. */
export const MR = 4;
export const NR = 8;
