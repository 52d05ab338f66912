/**
 * One runtime per process: the WebAssembly module, its heap (tensor storage, heap.ts) and the
 * thread pool, created on first use; `call()` scopes one kernel call's memory and `execute(job)`
 * decides whether a job is worth the other threads.
 */
import type { DataType } from "@tensorflow/tfjs-core";
import { Heap, type HeapArray } from "./heap";
import { kernelModule, MAX_MEMORY_BYTES, TABLE_FIELDS, type KernelModule } from "./wasm-module";
import { Job, JOB_FIELDS } from "./job-layout";
import { activeNativeMatMul, nativeMatMul, NATIVE_OPS } from "./native";
import { ThreadPool, defaultThreadCount } from "./thread-pool";

/**
 * Below this much work (multiply-adds, or elements times a per-element cost) waking the workers
 * (tens of microseconds) costs more than it saves: e.g. 11.2's softmax over (10, 5000) stays on
 * one thread, attention-sized work uses all.
 */
const MIN_WORK_FOR_THREADS = 1 << 21;

/** Values a kernel reads: a tensor's typed array (in the heap or not). */
export type Values = Float32Array | Int32Array | Uint8Array;

/**
 * The memory of one kernel call. Inputs that are heap views are used where they are; others are
 * copied into temporaries. Results are heap blocks the kernel hands to tfjs (which then owns
 * them); `end()` frees the temporaries and any result no tensor took.
 */
export class Call {
  private readonly blocks: number[] = [];
  readonly heap: Heap;

  constructor(readonly rt: Runtime) {
    this.heap = rt.heap;
  }

  /** Byte offset of `values` as float32 in the memory (converted if tfjs keeps another type). */
  f32(values: Values): number {
    return this.input(values, "float32", values instanceof Float32Array);
  }

  /** Byte offset of `values` as int32 in the memory. */
  i32(values: Values): number {
    return this.input(values, "int32", values instanceof Int32Array);
  }

  /** Byte offset of `values` as one byte per element (bool) in the memory. */
  u8(values: Values): number {
    return this.input(values, "bool", values instanceof Uint8Array);
  }

  /** A temporary block of `bytes`, freed by `end()`. */
  temp(bytes: number): number {
    const at = this.heap.alloc(bytes);
    this.blocks.push(at);
    return at;
  }

  /** A result of `length` elements of `dtype` (uninitialised): its offset and its view. */
  output(dtype: DataType, length: number): { at: number; values: HeapArray } {
    const at = this.temp(Math.max(1, length) * (dtype === "bool" ? 1 : 4));
    return { at, values: this.heap.view(dtype, at, length) };
  }

  /**
   * A float32 result of `length` elements followed, in the same heap block, by `trailing` floats
   * that live as long as the result's tensor: what only its gradient reads (the GRU's gates, the
   * additive scores' features). As a second output tfjs would hand the gradient a zero tensor of
   * their size, made and filled in JavaScript, at every backward pass. Returns the result's view
   * and the trailing floats' byte offset.
   */
  outputWithTrailing(length: number, trailing: number): { values: Float32Array; trailingAt: number } {
    const whole = this.output("float32", length + trailing);
    return { values: this.heap.subarray(whole.values as Float32Array, 0, length), trailingAt: whole.at + length * 4 };
  }

  /**
   * The byte offset of the floats `outputWithTrailing` kept after `values` (a result of
   * `length` elements); throws if `values` is not such a result (e.g. moved out of the kernels'
   * memory by `useFastKernels(false)` between a forward and its backward).
   */
  trailingOf(values: Values, length: number): number {
    if (!(values instanceof Float32Array) || !this.heap.owns(values) || values.length !== length) {
      throw new Error("d2l-ts fast kernels: the data a gradient needs is gone (were the fast kernels turned off between the forward and the backward?)");
    }
    return values.byteOffset + length * 4;
  }

  /** A result as a view only (for kernels written in JavaScript). */
  array(dtype: "float32", length: number): Float32Array;
  array(dtype: "int32", length: number): Int32Array;
  array(dtype: "bool", length: number): Uint8Array;
  array(dtype: DataType, length: number): HeapArray;
  array(dtype: DataType, length: number): HeapArray {
    return this.output(dtype, length).values;
  }

  /** Frees the temporaries and the results that no tensor took. */
  end(): void {
    for (const at of this.blocks) if (this.heap.unreferenced(at)) this.heap.free(at);
    this.blocks.length = 0;
  }

  private input(values: Values, dtype: DataType, sameType: boolean): number {
    if (sameType && this.heap.owns(values)) return values.byteOffset;
    const { at, values: copy } = this.output(dtype, values.length);
    copy.set(values);
    return at;
  }
}

export interface Runtime {
  readonly wasm: KernelModule;
  readonly pool: ThreadPool;
  readonly heap: Heap;
  /**
   * The job block as int32 fields (valid until the next memory growth), cleared and set to run
   * `op` (an `Op` code) as `numTasks` tasks; the caller fills in the op's own fields.
   */
  newJob(op: number, numTasks: number): Int32Array;
  /**
   * The job tables as int32 (valid until the next memory growth) and their byte offset: small
   * arrays a job points to, written after `newJob`.
   */
  tables(): { at: number; fields: Int32Array };
  /** Runs the job written in the job block; `work` sizes it to pick one thread or all. */
  execute(work: number): void;
}

let runtime: Runtime | null = null;

export function getRuntime(): Runtime {
  if (runtime) return runtime;
  const wasm = kernelModule();
  const pool = new ThreadPool(wasm, defaultThreadCount(), nativeMatMul());
  // Views of the job block and tables, made again only after the memory grows.
  let viewsOf: ArrayBufferLike | null = null;
  let jobView = new Int32Array(0);
  let tableView = new Int32Array(0);
  const views = () => {
    const buffer = wasm.memory.buffer;
    if (buffer !== viewsOf) {
      jobView = new Int32Array(buffer, wasm.job, JOB_FIELDS);
      tableView = new Int32Array(buffer, wasm.tables, TABLE_FIELDS);
      viewsOf = buffer;
    }
  };
  runtime = {
    wasm,
    pool,
    heap: new Heap(wasm, MAX_MEMORY_BYTES),
    newJob(op: number, numTasks: number) {
      views();
      jobView.fill(0);
      jobView[Job.op] = op;
      jobView[Job.numTasks] = numTasks;
      return jobView;
    },
    tables() {
      views();
      return { at: wasm.tables, fields: tableView };
    },
    execute(work: number) {
      views();
      const fields = jobView;
      fields[Job.nextTask] = 0;
      const onNative = NATIVE_OPS.has(fields[Job.op]) && activeNativeMatMul() !== null;
      if (work < MIN_WORK_FOR_THREADS || pool.threads === 1) pool.runHere(wasm.job, onNative);
      else pool.run(wasm.job, onNative);
    },
  };
  return runtime;
}

/** Runs `body` with a fresh `Call`, ended whatever happens. */
export function withCall<T>(body: (call: Call, rt: Runtime) => T): T {
  const rt = getRuntime();
  const call = new Call(rt);
  try {
    return body(call, rt);
  } finally {
    call.end();
  }
}

/** The bits of `value` as a float32, to pass it in an int32 job field. */
export function floatBits(value: number): number {
  return new Int32Array(Float32Array.of(value).buffer)[0];
}

/** Starts the workers ahead of the first kernel call (they take tens of milliseconds to boot). */
export function warmUpRuntime(): void {
  getRuntime();
}
