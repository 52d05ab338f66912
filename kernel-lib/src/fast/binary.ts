/**
 * Broadcasting elementwise Add, Sub, Multiply and RealDiv for float32 tensors.
 *
 * tfjs's CPU backend computes every element of a broadcast binary op through index arithmetic on
 * arrays (about 150 ns per element here); the book's masks, softmax gradients and additive
 * attention all broadcast. These loops walk the operands with per-dimension strides instead
 * (0 along broadcast dimensions), after merging dimensions that are contiguous in both operands.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { rawValues, type CpuBackend } from "./cpu-backend";
import { Job, Op } from "./job-layout";
import { withCall, type Call, type Values } from "./runtime";

export type BinaryKind = "add" | "sub" | "mul" | "div";

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

/** Merges neighbouring dimensions that both operands step through as one run. */
function collapse(shape: number[], sa: number[], sb: number[]): [number[], number[], number[]] {
  const dims: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = dims.length - 1;
    if (
      last >= 0 &&
      as[last] === sa[d] * shape[d] &&
      bs[last] === sb[d] * shape[d]
    ) {
      dims[last] *= shape[d];
      as[last] = sa[d];
      bs[last] = sb[d];
    } else {
      dims.push(shape[d]);
      as.push(sa[d]);
      bs.push(sb[d]);
    }
  }
  if (dims.length === 0) return [[1], [0], [0]];
  return [dims, as, bs];
}

function row(
  kind: BinaryKind, out: Float32Array, o: number, n: number,
  a: Values, ia: number, sa: number, b: Values, ib: number, sb: number,
): void {
  // Broadcasting mostly repeats one number along a row (stride 0): hoist it out of the loop.
  if (sa === 1 && sb === 0) {
    const y = b[ib];
    switch (kind) {
      case "add": for (let j = 0; j < n; j++) out[o + j] = a[ia + j] + y; return;
      case "sub": for (let j = 0; j < n; j++) out[o + j] = a[ia + j] - y; return;
      case "mul": for (let j = 0; j < n; j++) out[o + j] = a[ia + j] * y; return;
      case "div": for (let j = 0; j < n; j++) out[o + j] = a[ia + j] / y; return;
    }
  }
  if (sa === 0 && sb === 1) {
    const x = a[ia];
    switch (kind) {
      case "add": for (let j = 0; j < n; j++) out[o + j] = x + b[ib + j]; return;
      case "sub": for (let j = 0; j < n; j++) out[o + j] = x - b[ib + j]; return;
      case "mul": for (let j = 0; j < n; j++) out[o + j] = x * b[ib + j]; return;
      case "div": for (let j = 0; j < n; j++) out[o + j] = x / b[ib + j]; return;
    }
  }
  if (sa === 1 && sb === 1) {
    switch (kind) {
      case "add": for (let j = 0; j < n; j++) out[o + j] = a[ia + j] + b[ib + j]; return;
      case "sub": for (let j = 0; j < n; j++) out[o + j] = a[ia + j] - b[ib + j]; return;
      case "mul": for (let j = 0; j < n; j++) out[o + j] = a[ia + j] * b[ib + j]; return;
      case "div": for (let j = 0; j < n; j++) out[o + j] = a[ia + j] / b[ib + j]; return;
    }
  }
  switch (kind) {
    case "add":
      for (let j = 0; j < n; j++) out[o + j] = a[ia + j * sa] + b[ib + j * sb];
      break;
    case "sub":
      for (let j = 0; j < n; j++) out[o + j] = a[ia + j * sa] - b[ib + j * sb];
      break;
    case "mul":
      for (let j = 0; j < n; j++) out[o + j] = a[ia + j * sa] * b[ib + j * sb];
      break;
    case "div":
      for (let j = 0; j < n; j++) out[o + j] = a[ia + j * sa] / b[ib + j * sb];
      break;
  }
}

/** Tight loops for the two commonest cases: same shapes, and one operand a single number. */
function elementwise(kind: BinaryKind, out: Float32Array, a: Values, b: Values): void {
  const n = out.length;
  switch (kind) {
    case "add":
      for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
      return;
    case "sub":
      for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
      return;
    case "mul":
      for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
      return;
    case "div":
      for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
      return;
  }
}

function withScalar(kind: BinaryKind, out: Float32Array, a: Values, s: number, scalarFirst: boolean): void {
  const n = out.length;
  switch (kind) {
    case "add":
      for (let i = 0; i < n; i++) out[i] = a[i] + s;
      return;
    case "mul":
      for (let i = 0; i < n; i++) out[i] = a[i] * s;
      return;
    case "sub":
      if (scalarFirst) for (let i = 0; i < n; i++) out[i] = s - a[i];
      else for (let i = 0; i < n; i++) out[i] = a[i] - s;
      return;
    case "div":
      if (scalarFirst) for (let i = 0; i < n; i++) out[i] = s / a[i];
      else for (let i = 0; i < n; i++) out[i] = a[i] / s;
      return;
  }
}

/** From this many elements the WebAssembly SIMD loop (copies included) beats JavaScript's. */
const WASM_MIN_ELEMENTS = 1 << 12;
const ELEMENTS_PER_TASK = 1 << 16;
const KIND_CODE: Record<BinaryKind, number> = { add: 0, sub: 1, mul: 2, div: 3 };
const enum Layout { Full = 0, BScalar = 1, AScalar = 2 }

/** Same-shape or one-number operands in the WebAssembly kernel (bit-identical to the JS loops). */
function wasmElementwise(call: Call, kind: BinaryKind, outAt: number, n: number, a: Values, b: Values, layout: Layout): void {
  const job = call.rt.newJob(Op.binary, Math.ceil(n / ELEMENTS_PER_TASK));
  job[Job.rows] = n;
  job[Job.x] = call.f32(a);
  job[Job.y] = call.f32(b);
  job[Job.out] = outAt;
  job[Job.rowsPerTaskR] = ELEMENTS_PER_TASK;
  job[Job.binaryKind] = KIND_CODE[kind];
  job[Job.binaryScalar] = layout;
  call.rt.execute(n * 2);
}

/** `a (kind) b` with numpy broadcasting; returns the values (a heap block of `call`) and the output shape. */
export function broadcastBinary(
  call: Call, kind: BinaryKind, a: Values, aShape: readonly number[], b: Values, bShape: readonly number[],
): { values: Float32Array; shape: number[] } {
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(aShape.slice(), bShape.slice());
  const size = shape.reduce((p, d) => p * d, 1);
  const { at, values } = call.output("float32", size);
  const out = values as Float32Array;
  if (size === 0) return { values: out, shape };
  const big = size >= WASM_MIN_ELEMENTS;
  if (a.length === size && b.length === size) {
    if (big) wasmElementwise(call, kind, at, size, a, b, Layout.Full);
    else elementwise(kind, out, a, b);
    return { values: out, shape };
  }
  if (b.length === 1 && a.length === size) {
    if (big) wasmElementwise(call, kind, at, size, a, b, Layout.BScalar);
    else withScalar(kind, out, a, b[0], false);
    return { values: out, shape };
  }
  if (a.length === 1 && b.length === size) {
    if (big) wasmElementwise(call, kind, at, size, a, b, Layout.AScalar);
    else withScalar(kind, out, b, a[0], true);
    return { values: out, shape };
  }
  const [dims, sa, sb] = collapse(shape, alignedStrides(aShape, shape), alignedStrides(bShape, shape));
  const rank = dims.length;
  const n = dims[rank - 1];
  const saIn = sa[rank - 1];
  const sbIn = sb[rank - 1];
  // Odometer over the outer dimensions, carrying the operands' offsets along.
  const index = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < size; o += n) {
    row(kind, out, o, n, a, ia, saIn, b, ib, sbIn);
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      ia += sa[d];
      ib += sb[d];
      if (index[d] < dims[d]) break;
      ia -= sa[d] * dims[d];
      ib -= sb[d] * dims[d];
      index[d] = 0;
    }
  }
  return { values: out, shape };
}

/** The kernel registered for one binary op: float32 operands here, anything else to `fallback`. */
export function makeBinary(kind: BinaryKind, fallback: KernelFunc): KernelFunc {
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

/** The kernel registered for Neg (float32; tfjs multiplies by −1 through its broadcasting path). */
export function makeNeg(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = rawValues(cpu, x);
    if (x.dtype !== "float32" || values === null) return fallback(args);
    return withCall((call) => {
      const out = call.array("float32", values.length);
      for (let i = 0; i < out.length; i++) out[i] = -values[i];
      return cpu.makeTensorInfo(x.shape.slice(), "float32", out);
    });
  };
}
