/**
 * Strided copies in the WebAssembly kernel (OP_COPY), shared by the data-movement kernels and
 * Transpose: a box of elements walked with per-dimension strides on both sides, contiguous runs
 * moved 16 bytes at a time (or with memory.copy when long).
 */
import { arrayDtype } from "./cpu-backend";
import { Job, Op } from "./job-layout";
import type { Call, Values } from "./runtime";
import { mergePairedDims } from "./strided";

/** One side of a strided copy: where the first element is and how each dimension steps. */
export interface Side {
  at: number;
  offset: number;
  strides: readonly number[];
}

/**
 * Copies the box `dims` from `src` to `dst` (byte offsets in the memory, offsets and strides in
 * elements of `elemBytes`): one OP_COPY job after merging contiguous dimensions.
 */
export function copyBox(call: Call, elemBytes: number, dims: readonly number[], src: Side, dst: Side): void {
  if (dims.some((d) => d === 0)) return;
  const walk = mergePairedDims(dims, src.strides, dst.strides);
  const rank = walk.dims.length;
  const job = call.rt.newJob(Op.copy, 1);
  const tables = call.rt.tables();
  tables.fields.set(walk.dims, 0);
  tables.fields.set(walk.a, rank);
  tables.fields.set(walk.b, 2 * rank);
  tables.fields.fill(0, 3 * rank, 4 * rank);
  job[Job.copyRank] = rank;
  job[Job.copyTable] = tables.at;
  job[Job.x] = src.at + src.offset * elemBytes;
  job[Job.out] = dst.at + dst.offset * elemBytes;
  job[Job.elemBytes] = elemBytes;
  call.rt.execute(0);
}

/** The values of `t` in the memory (copied in if needed) with their dtype and element size. */
export function operand(call: Call, values: Values): { at: number; dtype: "float32" | "int32" | "bool"; bytes: number } {
  const dtype = arrayDtype(values);
  const at = dtype === "float32" ? call.f32(values) : dtype === "int32" ? call.i32(values) : call.u8(values);
  return { at, dtype, bytes: dtype === "bool" ? 1 : 4 };
}

