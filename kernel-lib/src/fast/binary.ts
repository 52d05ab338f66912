/**
 * Broadcasting elementwise Add, Sub, Multiply, RealDiv, Maximum and Minimum for float32 tensors,
 * and the fused gradients of Sigmoid, Relu and Tanh, in one WebAssembly kernel.
 *
 * tfjs's CPU backend computes every element of a broadcast binary op through index arithmetic on
 * arrays (about 150 ns per element here); the book's masks, softmax gradients and additive
 * attention all broadcast. This kernel walks the operands with per-dimension strides instead
 * (0 along broadcast dimensions), after merging dimensions that are contiguous in both operands,
 * with SIMD loops for runs where an operand is contiguous or one repeated number; long outputs
 * are shared among the threads. Single-precision IEEE arithmetic: the results are bit-identical
 * to tfjs's (double arithmetic rounded to float32 is exact for these operations).
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { rawValues, type CpuBackend } from "./cpu-backend";
import { BinaryKind, Job, Op } from "./job-layout";
import { withCall, type Call, type Values } from "./runtime";
import { mergePairedDims } from "./strided";

export type BinaryKindName = keyof typeof BinaryKind;

/** Outputs per task: enough to amortise taking a task, few enough to balance the threads. */
const ELEMENTS_PER_TASK = 1 << 15;

/** Strides of `shape` aligned to the output's rank, 0 where the operand is broadcast. */
function alignedStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const od = d + rank - shape.length;
    strides[od] = shape[d] === 1 && outShape[od] !== 1 ? 0 : s;
    s *= shape[d];
  }
  return strides;
}

/** `a (kind) b` with numpy broadcasting; returns the values (a heap block of `call`) and the output shape. */
export function broadcastBinary(
  call: Call, kind: BinaryKindName, a: Values, aShape: readonly number[], b: Values, bShape: readonly number[],
): { values: Float32Array; shape: number[] } {
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(aShape.slice(), bShape.slice());
  const size = shape.reduce((p, d) => p * d, 1);
  const out = call.output("float32", size);
  const values = out.values as Float32Array;
  if (size === 0) return { values, shape };
  const walk = mergePairedDims(shape, alignedStrides(aShape, shape), alignedStrides(bShape, shape));
  const rank = walk.dims.length;
  const rt = call.rt;
  const job = rt.newJob(Op.binary, Math.ceil(size / ELEMENTS_PER_TASK));
  // Tables: [dims | a strides | b strides], then each thread's odometer.
  const tables = rt.tables();
  tables.fields.set(walk.dims, 0);
  tables.fields.set(walk.a, rank);
  tables.fields.set(walk.b, 2 * rank);
  job[Job.scratch] = tables.at + rank * 12;
  job[Job.scratchBytes] = rank * 4;
  job[Job.rows] = size;
  job[Job.x] = call.f32(a);
  job[Job.y] = call.f32(b);
  job[Job.out] = out.at;
  job[Job.rowsPerTaskR] = ELEMENTS_PER_TASK;
  job[Job.binaryKind] = BinaryKind[kind];
  job[Job.binaryRank] = rank;
  job[Job.binaryTable] = tables.at;
  rt.execute(size * 2);
  return { values, shape };
}

/** The kernel registered for one binary op: float32 operands here, anything else to `fallback`. */
export function makeBinary(kind: BinaryKindName, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const av = rawValues(cpu, a);
    const bv = rawValues(cpu, b);
    if (a.dtype !== "float32" || b.dtype !== "float32" || av === null || bv === null) return fallback(args);
    return withCall((call) => {
      const { values, shape } = broadcastBinary(call, kind, av, a.shape, bv, b.shape);
      return cpu.makeTensorInfo(shape, "float32", values);
    });
  };
}

/**
 * A fused gradient kernel (inputs `a` = the forward's output, or input for Relu, and `dy` of
 * the same shape): dy·y·(1 − y) for Sigmoid, dy·step(x) for Relu, (1 − y²)·dy for Tanh.
 */
export function gradientKernel(kind: "sigmoidGrad" | "reluGrad" | "tanhGrad"): KernelFunc {
  return (args) => {
    const { a, dy } = args.inputs as { a: TensorInfo; dy: TensorInfo };
    const cpu = args.backend as CpuBackend;
    return withCall((call) => {
      const { values } = broadcastBinary(call, kind, rawValues(cpu, a)!, a.shape, rawValues(cpu, dy)!, dy.shape);
      return cpu.makeTensorInfo(a.shape.slice(), "float32", values);
    });
  };
}
