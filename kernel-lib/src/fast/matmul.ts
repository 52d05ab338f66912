/**
 * BatchMatMul for tfjs's CPU backend on the WebAssembly SIMD kernel: packed 4x8 register tiles,
 * transposes folded into the packing strides, broadcast batch dimensions resolved to per-batch
 * offsets, batches and row blocks shared among the threads.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { Job, KC, MR, NR, Op } from "./job-layout";
import { withCall, type Call, type Values } from "./runtime";
import { rawValues, type CpuBackend } from "./cpu-backend";
import { activeNativeMatMul } from "./native";

/** Rows of C per task: a multiple of MR, small enough to balance two threads on one matrix. */
const ROWS_PER_TASK = 64;

/** Tasks per thread a product should have, so that a thread that wakes late still gets a share. */
const TASKS_PER_THREAD = 4;

/**
 * The task split of a product: blocks of 64 rows, or, for the native kernel when that gives too
 * few tasks (e.g. the (128, 256)·(256, 768) products of an 11.4 training step, which are 2 row
 * blocks), full-height blocks of columns. The native kernel reads A in place, so column blocks
 * cost no copies of A, and each block of B is packed once, by the thread that computes it.
 */
function taskSplit(batch: number, m: number, n: number, threads: number): { rowsPerTask: number; colsPerTask: number; tasksPerBatch: number } {
  const rowTasks = Math.ceil(m / ROWS_PER_TASK);
  const wanted = TASKS_PER_THREAD * threads;
  if (threads > 1 && batch * rowTasks < wanted && activeNativeMatMul() !== null) {
    const colTasks = Math.ceil(wanted / batch);
    // Multiples of 32 columns: whole register tiles of either instruction set (16 or 32 wide).
    const colsPerTask = Math.max(32, Math.ceil(n / colTasks / 32) * 32);
    if (colsPerTask < n) return { rowsPerTask: m, colsPerTask, tasksPerBatch: Math.ceil(n / colsPerTask) };
  }
  return { rowsPerTask: ROWS_PER_TASK, colsPerTask: 0, tasksPerBatch: rowTasks };
}

/** Element offsets of each output batch into a batched operand of the given outer dims. */
function batchOffsets(outOuter: number[], operandOuter: number[], matrixSize: number): Int32Array {
  const batch = outOuter.reduce((p, d) => p * d, 1);
  const offsets = new Int32Array(batch);
  const rank = outOuter.length;
  const shift = rank - operandOuter.length;
  // Operand strides in matrices, 0 along broadcast (size-1 or missing) dimensions.
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let d = operandOuter.length - 1; d >= 0; d--) {
    strides[d + shift] = operandOuter[d] === 1 ? 0 : s;
    s *= operandOuter[d];
  }
  for (let bi = 0; bi < batch; bi++) {
    let rest = bi;
    let matrix = 0;
    for (let d = rank - 1; d >= 0; d--) {
      matrix += (rest % outOuter[d]) * strides[d];
      rest = Math.floor(rest / outOuter[d]);
    }
    offsets[bi] = matrix * matrixSize;
  }
  return offsets;
}

/**
 * Per-batch limits (one int32 per output batch, or absent): only rows below `m[b]` and columns
 * below `n[b]` of C are computed, over the first `k[b]` terms; the rest of C is zero.
 */
export interface MatMulLimits {
  m?: Int32Array | null;
  n?: Int32Array | null;
  k?: Int32Array | null;
}

export interface MatMulOperands {
  a: Values;
  b: Values;
  aShape: readonly number[];
  bShape: readonly number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** C = A·B over broadcast batch dimensions; returns C (a heap block of `call`) and its shape. */
export function batchMatMul(call: Call, op: MatMulOperands, limits: MatMulLimits = {}): { values: Float32Array; shape: number[] } {
  const { aShape, bShape, transposeA, transposeB } = op;
  const ra = aShape.length;
  const rb = bShape.length;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const kA = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const kB = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (kA !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${aShape} and ${bShape} ` +
        `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const k = kA;
  const aOuter = aShape.slice(0, -2);
  const bOuter = bShape.slice(0, -2);
  const outOuter = tf.broadcast_util.assertAndGetBroadcastShape(aOuter, bOuter);
  const shape = [...outOuter, m, n];
  const batch = outOuter.reduce((p, d) => p * d, 1);
  const c = call.output("float32", batch * m * n);
  const values = c.values as Float32Array;
  if (values.length === 0) return { values, shape };
  if (k === 0) return { values: values.fill(0), shape };

  const rt = call.rt;
  const aAt = call.f32(op.a);
  const bAt = call.f32(op.b);
  const aOffAt = call.temp(batch * 4);
  const bOffAt = call.temp(batch * 4);
  const kc = Math.min(k, KC);
  const scratchBytes = Math.ceil((MR * NR + KC * MR + kc * Math.ceil(n / NR) * NR) * 4 / 64) * 64;
  const scratchAt = call.temp(scratchBytes * rt.pool.threads);
  call.heap.view("int32", aOffAt, batch).set(batchOffsets(outOuter, aOuter, m * k));
  call.heap.view("int32", bOffAt, batch).set(batchOffsets(outOuter, bOuter, k * n));

  const { rowsPerTask, colsPerTask, tasksPerBatch } = taskSplit(batch, m, n, rt.pool.threads);
  const job = rt.newJob(Op.matmul, batch * tasksPerBatch);
  job[Job.scratch] = scratchAt;
  job[Job.scratchBytes] = scratchBytes;
  job[Job.m] = m;
  job[Job.n] = n;
  job[Job.k] = k;
  job[Job.a] = aAt;
  job[Job.b] = bAt;
  job[Job.c] = c.at;
  // A is m x k: stored (m, k) or, transposed, (k, m). B is k x n: stored (k, n) or (n, k).
  job[Job.aRowStride] = transposeA ? 1 : k;
  job[Job.aColStride] = transposeA ? m : 1;
  job[Job.bRowStride] = transposeB ? 1 : n;
  job[Job.bColStride] = transposeB ? k : 1;
  job[Job.aBatchOffsets] = aOffAt;
  job[Job.bBatchOffsets] = bOffAt;
  job[Job.rowsPerTask] = rowsPerTask;
  job[Job.colsPerTask] = colsPerTask;
  job[Job.tasksPerBatch] = tasksPerBatch;
  job[Job.mLimits] = limits.m ? call.i32(limits.m) : 0;
  job[Job.nLimits] = limits.n ? call.i32(limits.n) : 0;
  job[Job.kLimits] = limits.k ? call.i32(limits.k) : 0;
  rt.execute(batch * m * n * k);
  return { values, shape };
}

/**
 * The kernel registered for BatchMatMul; float32 only, anything else goes to `fallback`
 * (tfjs's own kernel).
 */
export function makeBatchMatMul(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    if (a.dtype !== "float32" || b.dtype !== "float32") return fallback(args);
    const cpu = backend as CpuBackend;
    const av = rawValues(cpu, a);
    const bv = rawValues(cpu, b);
    if (av === null || bv === null) return fallback(args);
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    return withCall((call) => {
      const { values, shape } = batchMatMul(call, {
        a: av,
        b: bv,
        aShape: a.shape,
        bShape: b.shape,
        transposeA: !!transposeA,
        transposeB: !!transposeB,
      });
      return cpu.makeTensorInfo(shape, "float32", values);
    });
  };
}
