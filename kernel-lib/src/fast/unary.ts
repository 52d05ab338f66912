/**
 * Elementwise maths for float32 tensors on tfjs's CPU backend in one WebAssembly SIMD kernel,
 * elements shared among the threads when there are many: Relu, Sigmoid, Tanh, Exp, Log, Sqrt,
 * Rsqrt, Square, Abs, Neg. tfjs calls a JavaScript function per element through a shared loop
 * (~10 ns each here: 3.7 ms for a Relu of (128, 9, 256)).
 *
 * Precision: Relu, Sqrt, Square, Abs and Neg are exact and Rsqrt is computed in double
 * precision like tfjs's `1 / Math.sqrt(x)`, so all are bit-identical to tfjs; Exp, Log, Sigmoid
 * and Tanh use Cephes' single-precision methods, within 2 ulp of tfjs's double-precision
 * `Math.*` rounded to float32 (denormal results included).
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { Job, Op, UnaryKind } from "./job-layout";
import { withCall, type Call, type Values } from "./runtime";
import { rawValues, type CpuBackend } from "./cpu-backend";

export type UnaryKindName = keyof typeof UnaryKind;

const ELEMENTS_PER_TASK = 1 << 14;

/** Work per element, relative to an add, that decides when the threads pay off. */
const COST: Record<UnaryKindName, number> = {
  relu: 1, sigmoid: 16, exp: 12, log: 16, sqrt: 4, rsqrt: 8, square: 1, abs: 1, neg: 1, tanh: 16,
};

export function unaryValues(call: Call, kind: UnaryKindName, x: Values): Float32Array {
  const out = call.output("float32", x.length);
  if (x.length > 0) {
    const job = call.rt.newJob(Op.unary, Math.ceil(x.length / ELEMENTS_PER_TASK));
    job[Job.rows] = x.length;
    job[Job.x] = call.f32(x);
    job[Job.out] = out.at;
    job[Job.rowsPerTaskR] = ELEMENTS_PER_TASK;
    job[Job.unaryKind] = UnaryKind[kind];
    call.rt.execute(x.length * COST[kind]);
  }
  return out.values as Float32Array;
}

/** The kernel registered for one unary op (float32; anything else goes to `fallback`). */
export function makeUnary(kind: UnaryKindName, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = rawValues(cpu, x);
    if (x.dtype !== "float32" || values === null) return fallback(args);
    return withCall((call) => cpu.makeTensorInfo(x.shape.slice(), "float32", unaryValues(call, kind, values)));
  };
}
