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
  mLimits: 22,
  nLimits: 23,
  kLimits: 24,
  colsPerTask: 25,
  // row-wise kernels
  rows: 8,
  cols: 9,
  x: 10,
  y: 11,
  out: 12,
  rowsPerTaskR: 13,
  mask: 14,
  binaryKind: 15,
  rowLengths: 17,
  scale: 18,
  binaryRank: 18,
  binaryTable: 19,
  // unary maths and row reductions (with rows, x, out, rowsPerTaskR)
  unaryKind: 15,
  reduceKind: 15,
  // strided copy (with x = source, out = destination)
  copyRank: 8,
  copyTable: 9,
  elemBytes: 16,
  // gather (with x, y = indices, out, elemBytes) and segment sum (with rows, x, y = ids, out)
  outer: 8,
  axisDim: 9,
  inner: 13,
  count: 14,
  segments: 14,
  // parametric attention pooling (with rows, cols, x = queries, y = keys, out = weights)
  w: 20,
  v: 21,
  yHat: 22,
  dy: 23,
  dWeights: 24,
  dq: 25,
  dk: 26,
  dWidth: 27,
  dv: 28,
  // layer norm (with rows, cols, x, w = weight, v = bias, out, dy, dq = dWeight, dk = dBias)
  eps: 29,
  mean: 30,
  rstd: 31,
  // GRU step (with rows = batch, cols = hidden, x = gi or dy, y = gh or dh1, out = h or dGi)
  gruBiasIh: 20,
  gruBiasHh: 21,
  gruHPrev: 22,
  gruGates: 23,
  gruDh2: 24,
  gruDGh: 25,
  gruDhPrev: 26,
  // Adam (with rows = count, x = parameters, y = gradients, rowsPerTaskR)
  adamM: 20,
  adamV: 21,
  adamBeta1: 22,
  adamBeta2: 23,
  adamStep: 24,
  adamBiasCorrection2Sqrt: 25,
  adamEps: 26,
  adamMOut: 27,
  adamVOut: 28,
  // dropout (with rows = count, x, out, rowsPerTaskR)
  dropSeed: 20,
  dropThreshold: 21,
  dropScale: 22,
  // cross-entropy (with rows, cols, x = logits, y = labels, out, rowsPerTaskR)
  xentDy: 20,
  // sums over axes that are not innermost (with rows, cols, x, y = offset tables, out, rowsPerTaskR, scale)
  sumTerms: 14,
  sumInner: 15,
  sumInnerStride: 16,
  sumColStride: 17,
  sumColsPerTask: 19,
  // additive attention scores (with rows = batch · queries, cols = h, x = queries, y = keys, out, rowsPerTaskR)
  attQueries: 20,
  attKeys: 21,
  attWv: 22,
  attDs: 23,
  attDq: 24,
  attDk: 25,
  attDwv: 26,
  attFeatures: 27,
} as const;

/** Size of a job block in int32 fields. */
export const JOB_FIELDS = 32;

export const Op = {
  matmul: 1, softmax: 2, softmaxGrad: 3, binary: 5, unary: 6, rowReduce: 7, copy: 8, gather: 9, segmentSum: 10,
  nwPool: 11, nwPoolGrad: 12, layerNorm: 13, layerNormGrad: 14, select: 15, gruCell: 16, gruCellGrad: 17,
  adam: 18, dropout: 19, crossEntropy: 20, crossEntropyGrad: 21,
  columnSum: 22, axisSum: 23, additiveScores: 24, additiveScoresGrad: 25,
} as const;

/** OP_BINARY's kinds (BIN_* in kernels.h). */
export const BinaryKind = {
  add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, sigmoidGrad: 6, reluGrad: 7, tanhGrad: 8,
} as const;

/** OP_UNARY's kinds (UN_* in kernels.h). */
export const UnaryKind = {
  relu: 0, sigmoid: 1, exp: 2, log: 3, sqrt: 4, rsqrt: 5, square: 6, abs: 7, neg: 8, tanh: 9,
} as const;

/** The micro-kernel's register tile (MR rows by NR columns); kernels.c defines the same. */
export const MR = 4;
export const NR = 8;
/** The block of the inner dimension the matmul packs at a time; kernels.h defines the same. */
export const KC = 256;
/** Columns per task of the column sums (COLUMN_SUM_BLOCK in kernels.h). */
export const COLUMN_SUM_BLOCK = 64;
