/**
 * Data-movement kernels for tfjs's CPU backend: Slice, StridedSlice, SplitV, Concat, Pack,
 * Unpack, Tile, Reverse, PadV2 as strided copies (contiguous runs moved with memory.copy in
 * the WebAssembly kernel), GatherV2 (embedding lookups) as row copies, UnsortedSegmentSum (their
 * gradient) as one pass of row additions, Select as one loop, OneHot and Cast as JavaScript loops.
 *
 * tfjs-cpu computes most of these element by element through multi-index arithmetic (a split of
 * (128, 768) took 120 ms here), and its UnsortedSegmentSum builds a mask per segment (15 s for
 * the gradient of a (200, 256) embedding). A slice that is one contiguous run is a view of its
 * input, as in tfjs. Results are bit-identical to tfjs's (copies), except UnsortedSegmentSum,
 * which sums in the same order in double precision but keeps a NaN or infinity to its own
 * segment (tfjs multiplies every row by a 0/1 mask, so one NaN makes every segment NaN).
 */
import type { DataType, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { arrayDtype, rawValues, type CpuBackend } from "./cpu-backend";
import { copyBox, operand } from "./copy";
import { Job, Op } from "./job-layout";
import { withCall, type Call, type Values } from "./runtime";
import { rowMajorStrides } from "./strided";

const NUMERIC: ReadonlySet<DataType> = new Set<DataType>(["float32", "int32", "bool"]);

/** Numeric values of `t`, or null (strings, complex: tfjs's kernel handles those). */
function numeric(cpu: CpuBackend, t: TensorInfo): Values | null {
  return NUMERIC.has(t.dtype) ? rawValues(cpu, t) : null;
}

/** `size` elements of `x` from `begin`, as a view when they are one contiguous run. */
function sliceValues(
  call: Call, x: Values, shape: readonly number[], begin: readonly number[], size: readonly number[],
): Values {
  const strides = rowMajorStrides(shape);
  const offset = begin.reduce((sum, b, d) => sum + b * strides[d], 0);
  const length = size.reduce((p, d) => p * d, 1);
  if (tf.slice_util.isSliceContinous(shape.slice(), begin.slice(), size.slice())) return call.heap.subarray(x, offset, offset + length);
  const src = operand(call, x);
  const out = call.output(src.dtype, length);
  copyBox(call, src.bytes, size, { at: src.at, offset, strides }, { at: out.at, offset: 0, strides: rowMajorStrides(size) });
  return out.values;
}

export function makeSlice(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = numeric(cpu, x);
    if (values === null) return fallback(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [$begin, $size] = tf.slice_util.parseSliceParams(x, begin, size);
    tf.slice_util.assertParamsValid(x, $begin, $size);
    return withCall((call) => cpu.makeTensorInfo($size, x.dtype, sliceValues(call, values, x.shape, $begin, $size)));
  };
}

export function makeStridedSlice(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = numeric(cpu, x);
    if (values === null) return fallback(args);
    const a = args.attrs as unknown as {
      begin: number[]; end: number[]; strides: number[]; beginMask: number; endMask: number;
      ellipsisMask: number; newAxisMask: number; shrinkAxisMask: number;
    };
    const info = tf.slice_util.sliceInfo(
      x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask,
    );
    if (info.isIdentity) return fallback(args); // a reshape
    return withCall((call) => {
      if (info.sliceDim0 || info.isSimpleSlice) {
        const size = tf.slice_util.computeOutShape(info.begin, info.end, info.strides);
        return cpu.makeTensorInfo(info.finalShape, x.dtype, sliceValues(call, values, x.shape, info.begin, size));
      }
      const xStrides = rowMajorStrides(x.shape);
      const dims = info.finalShapeSparse;
      const src = operand(call, values);
      const out = call.output(src.dtype, dims.reduce((p, d) => p * d, 1));
      copyBox(
        call, src.bytes, dims,
        { at: src.at, offset: info.begin.reduce((s, b, d) => s + b * xStrides[d], 0), strides: info.strides.map((s, d) => s * xStrides[d]) },
        { at: out.at, offset: 0, strides: rowMajorStrides(dims) },
      );
      return cpu.makeTensorInfo(info.finalShape, x.dtype, out.values);
    });
  };
}

export function makeSplitV(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = numeric(cpu, x);
    if (values === null) return fallback(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
    return withCall((call) => {
      const begin = new Array<number>(x.shape.length).fill(0);
      return sizes.map((s) => {
        const size = x.shape.slice();
        size[$axis] = s;
        const part = cpu.makeTensorInfo(size, x.dtype, sliceValues(call, values, x.shape, begin, size));
        begin[$axis] += s;
        return part;
      });
    });
  };
}

export function makeUnpack(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { value } = args.inputs as { value: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = numeric(cpu, value);
    if (values === null) return fallback(args);
    const rank = value.shape.length;
    let { axis } = args.attrs as unknown as { axis: number };
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, d) => d !== axis);
    return withCall((call) => {
      const begin = new Array<number>(rank).fill(0);
      const size = value.shape.slice();
      size[axis] = 1;
      return Array.from({ length: value.shape[axis] }, (_, i) => {
        begin[axis] = i;
        return cpu.makeTensorInfo(outShape.slice(), value.dtype, sliceValues(call, values, value.shape, begin, size));
      });
    });
  };
}

/**
 * Copies each of `parts` (shapes `shapes[i]`) into the output of shape `outShape` at offset
 * `starts[i]` along `axis`; returns the output's values, or null when the parts keep their
 * values in different typed arrays.
 */
function joinAlong(
  call: Call, parts: readonly Values[], shapes: readonly (readonly number[])[], outShape: readonly number[], axis: number,
): Values | null {
  const dtype = arrayDtype(parts[0]);
  if (parts.some((p) => arrayDtype(p) !== dtype)) return null;
  const out = call.output(dtype, outShape.reduce((p, d) => p * d, 1));
  const outStrides = rowMajorStrides(outShape);
  let start = 0;
  parts.forEach((values, i) => {
    const shape = shapes[i];
    const src = operand(call, values);
    copyBox(call, src.bytes, shape, { at: src.at, offset: 0, strides: rowMajorStrides(shape) }, {
      at: out.at, offset: start * outStrides[axis], strides: outStrides,
    });
    start += shape[axis];
  });
  return out.values;
}

export function makeConcat(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as TensorInfo[];
    const cpu = args.backend as CpuBackend;
    const $axis = tf.util.parseAxisParam((args.attrs as unknown as { axis: number }).axis, inputs[0].shape)[0];
    const nonEmpty = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    const values = nonEmpty.map((t) => numeric(cpu, t));
    if (nonEmpty.length < 2 || values.some((v) => v === null) || nonEmpty.some((t) => t.dtype !== inputs[0].dtype)) {
      return fallback(args);
    }
    tf.backend_util.assertParamsConsistent(inputs.map((t) => t.shape), $axis);
    const outShape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), $axis);
    return withCall((call) => {
      const out = joinAlong(call, values as Values[], nonEmpty.map((t) => t.shape), outShape, $axis);
      return out === null ? fallback(args) : cpu.makeTensorInfo(outShape, inputs[0].dtype, out);
    });
  };
}

export function makePack(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as TensorInfo[];
    const cpu = args.backend as CpuBackend;
    const { axis } = args.attrs as unknown as { axis: number };
    if (inputs.length < 2) return fallback(args);
    const shape = inputs[0].shape;
    const dtype = inputs[0].dtype;
    inputs.forEach((t) => {
      tf.util.assertShapesMatch(shape, t.shape, "All tensors passed to stack must have matching shapes");
      tf.util.assert(dtype === t.dtype, () => "All tensors passed to stack must have matching dtypes");
    });
    const values = inputs.map((t) => numeric(cpu, t));
    if (values.some((v) => v === null)) return fallback(args);
    const $axis = axis < 0 ? axis + shape.length + 1 : axis;
    const expanded = [...shape.slice(0, $axis), 1, ...shape.slice($axis)];
    const outShape = [...shape.slice(0, $axis), inputs.length, ...shape.slice($axis)];
    return withCall((call) => {
      const out = joinAlong(call, values as Values[], inputs.map(() => expanded), outShape, $axis);
      return out === null ? fallback(args) : cpu.makeTensorInfo(outShape, dtype, out);
    });
  };
}

export function makeTile(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = numeric(cpu, x);
    const { reps } = args.attrs as unknown as { reps: number[] };
    if (values === null || reps.length !== x.shape.length) return fallback(args);
    const outShape = x.shape.map((d, i) => d * reps[i]);
    return withCall((call) => {
      const src = operand(call, values);
      const out = call.output(src.dtype, outShape.reduce((p, d) => p * d, 1));
      // Output index (t0, i0, t1, i1, …): tile t along each dimension, element i within it.
      const xStrides = rowMajorStrides(x.shape);
      const outStrides = rowMajorStrides(outShape);
      const dims = x.shape.flatMap((d, i) => [reps[i], d]);
      const srcStrides = xStrides.flatMap((s) => [0, s]);
      const dstStrides = outStrides.flatMap((s, i) => [x.shape[i] * s, s]);
      copyBox(call, src.bytes, dims, { at: src.at, offset: 0, strides: srcStrides }, { at: out.at, offset: 0, strides: dstStrides });
      return cpu.makeTensorInfo(outShape, x.dtype, out.values);
    });
  };
}

export function makeReverse(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = numeric(cpu, x);
    if (values === null || x.shape.length === 0) return fallback(args);
    const dims = new Set(tf.util.parseAxisParam((args.attrs as unknown as { dims: number | number[] }).dims, x.shape));
    return withCall((call) => {
      const src = operand(call, values);
      const out = call.output(src.dtype, values.length);
      const strides = rowMajorStrides(x.shape);
      // Reversed dimensions start at their last element and step backwards.
      const offset = x.shape.reduce((s, d, i) => (dims.has(i) ? s + (d - 1) * strides[i] : s), 0);
      copyBox(call, src.bytes, x.shape, { at: src.at, offset, strides: strides.map((s, i) => (dims.has(i) ? -s : s)) }, {
        at: out.at, offset: 0, strides,
      });
      return cpu.makeTensorInfo(x.shape.slice(), x.dtype, out.values);
    });
  };
}

export function makePadV2(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = numeric(cpu, x);
    if (values === null) return fallback(args);
    const { paddings, constantValue } = args.attrs as unknown as { paddings: [number, number][]; constantValue: number };
    const outShape = paddings.map((p, i) => p[0] + x.shape[i] + p[1]);
    return withCall((call) => {
      const src = operand(call, values);
      const out = call.output(src.dtype, outShape.reduce((p, d) => p * d, 1));
      out.values.fill(constantValue);
      const outStrides = rowMajorStrides(outShape);
      copyBox(call, src.bytes, x.shape, { at: src.at, offset: 0, strides: rowMajorStrides(x.shape) }, {
        at: out.at, offset: paddings.reduce((s, p, i) => s + p[0] * outStrides[i], 0), strides: outStrides,
      });
      return cpu.makeTensorInfo(outShape, x.dtype, out.values);
    });
  };
}

export function makeGatherV2(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = numeric(cpu, x);
    const ids = numeric(cpu, indices);
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
    if (values === null || ids === null || (batchDims ?? 0) !== 0) return fallback(args);
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
    const axisDim = x.shape[$axis];
    for (let i = 0; i < ids.length; i++) {
      const index = ids[i];
      if (!(index <= axisDim - 1 && index >= 0)) {
        throw new Error(`GatherV2: the index value ${index} is not in [0, ${axisDim - 1}]`);
      }
    }
    const outShape = [...x.shape.slice(0, $axis), ...indices.shape, ...x.shape.slice($axis + 1)];
    const outer = x.shape.slice(0, $axis).reduce((p, d) => p * d, 1);
    const inner = x.shape.slice($axis + 1).reduce((p, d) => p * d, 1);
    return withCall((call) => {
      const src = operand(call, values);
      const out = call.output(src.dtype, outer * ids.length * inner);
      if (out.values.length > 0) {
        const job = call.rt.newJob(Op.gather, 1);
        job[Job.x] = src.at;
        job[Job.y] = call.i32(ids);
        job[Job.out] = out.at;
        job[Job.outer] = outer;
        job[Job.axisDim] = axisDim;
        job[Job.inner] = inner;
        job[Job.count] = ids.length;
        job[Job.elemBytes] = src.bytes;
        call.rt.execute(0);
      }
      return cpu.makeTensorInfo(outShape, x.dtype, out.values);
    });
  };
}

export function makeUnsortedSegmentSum(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = numeric(cpu, x);
    const ids = numeric(cpu, segmentIds);
    if (x.dtype !== "float32" || values === null || ids === null) return fallback(args);
    const { numSegments } = args.attrs as unknown as { numSegments: number };
    const rows = ids.length;
    const rowShape = x.shape.slice(segmentIds.shape.length);
    const inner = rowShape.reduce((p, d) => p * d, 1);
    return withCall((call) => {
      const out = call.output("float32", numSegments * inner);
      if (out.values.length > 0) {
        const job = call.rt.newJob(Op.segmentSum, 1);
        job[Job.scratch] = call.temp(numSegments * inner * 8);
        job[Job.x] = call.f32(values);
        job[Job.y] = call.i32(ids);
        job[Job.out] = out.at;
        job[Job.rows] = rows;
        job[Job.inner] = inner;
        job[Job.segments] = numSegments;
        call.rt.execute(0);
      }
      return cpu.makeTensorInfo([numSegments, ...rowShape], "float32", out.values);
    });
  };
}

export function makeOneHot(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { indices } = args.inputs as { indices: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const ids = numeric(cpu, indices);
    const { depth, onValue, offValue, dtype } = args.attrs as unknown as { depth: number; onValue: number; offValue: number; dtype: DataType };
    if (ids === null || (dtype !== "float32" && dtype !== "int32")) return fallback(args);
    return withCall((call) => {
      const out = call.array(dtype, ids.length * depth);
      out.fill(offValue);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (id >= 0 && id < depth) out[i * depth + id] = onValue;
      }
      return cpu.makeTensorInfo([...indices.shape, depth], dtype, out);
    });
  };
}

export function makeSelect(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const c = numeric(cpu, condition);
    const tv = numeric(cpu, t);
    const ev = numeric(cpu, e);
    // One condition per element (tf.where broadcasts it so); tfjs's kernel keeps the rest.
    if (c === null || tv === null || ev === null || c.length !== tv.length || t.dtype !== e.dtype || arrayDtype(tv) !== arrayDtype(ev)) {
      return fallback(args);
    }
    return withCall((call) => {
      const a = operand(call, tv);
      const out = call.output(a.dtype, tv.length);
      if (tv.length > 0) {
        const job = call.rt.newJob(Op.select, 1);
        job[Job.rows] = tv.length;
        job[Job.mask] = call.u8(c);
        job[Job.x] = a.at;
        job[Job.y] = operand(call, ev).at;
        job[Job.out] = out.at;
        job[Job.elemBytes] = a.bytes;
        call.rt.execute(0);
      }
      return cpu.makeTensorInfo(t.shape.slice(), t.dtype, out.values);
    });
  };
}

export function makeCast(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const cpu = args.backend as CpuBackend;
    const values = numeric(cpu, x);
    const { dtype } = args.attrs as unknown as { dtype: DataType };
    // Casts without loss keep the data (tfjs shares it); the rest are loops as tfjs's.
    if (values === null || x.dtype === dtype || !tf.util.hasEncodingLoss(x.dtype, dtype)) return fallback(args);
    if (dtype !== "int32" && dtype !== "bool") return fallback(args);
    return withCall((call) => {
      if (dtype === "int32") {
        const out = call.array("int32", values.length);
        out.set(values); // ToInt32 per element, as Int32Array.from in tfjs
        return cpu.makeTensorInfo(x.shape.slice(), "int32", out);
      }
      const out = call.array("bool", values.length);
      for (let i = 0; i < out.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
      return cpu.makeTensorInfo(x.shape.slice(), "bool", out);
    });
  };
}
