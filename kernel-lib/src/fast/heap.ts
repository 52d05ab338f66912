/**
 * Tensor storage inside the kernels' WebAssembly memory.
 *
 * A fast kernel writes its result straight into a block of the shared WebAssembly memory and
 * hands tfjs's CPU backend a typed-array view of that block as the tensor's values. The next
 * fast kernel that reads the tensor finds its values already in the memory and copies nothing;
 * and a block freed by one tensor is reused by the next, so results do not pay the page faults
 * of a fresh JavaScript array (~0.3 ms per MB here, more than most kernels' arithmetic).
 *
 * Ownership follows tfjs's own: the backend's `write` (every tensor the backend creates, from
 * any kernel) counts one more reference to a block when the values are a view of it, also a
 * view into the middle of a block (tfjs's Slice returns `subarray`s of its input), and
 * `disposeData` counts one less when tfjs removes a tensor's data; a block without references
 * goes back to its free list. `readSync` (what `dataSync`, `data`, `array` and `print` read)
 * returns a copy, so that an array a user keeps never changes when its block is reused.
 *
 * Blocks come in size classes (eight per power of two, at most 12.5% unused); a freed block
 * serves the next request of its class. The memory grows on demand up to its maximum; when it
 * is full, an allocation throws `HeapExhausted` and the kernel hands the call to tfjs's own.
 */
import type { DataId, DataType } from "@tensorflow/tfjs-core";
import type { KernelModule } from "./wasm-module";

/** Typed arrays a heap block is viewed as, by dtype. */
export type HeapArray = Float32Array | Int32Array | Uint8Array;

/** Thrown when the WebAssembly memory cannot hold an allocation. */
export class HeapExhausted extends Error {
  constructor(bytes: number, limit: number) {
    super(`d2l-ts fast kernels: ${bytes} bytes do not fit in the ${limit / 2 ** 20} MiB of WebAssembly memory`);
  }
}

const ALIGN = 64;
const PAGE = 65536;

interface Block {
  readonly at: number;
  readonly bytes: number;
  /** Tensors (backend data entries) whose values view this block. */
  refs: number;
}

/** Bytes actually reserved for a request of `bytes`: 64-byte multiples, then 8 classes per power of two. */
export function sizeClass(bytes: number): number {
  const b = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (b <= 8 * ALIGN) return b;
  const step = 2 ** Math.floor(Math.log2(b)) / 8;
  return Math.ceil(b / step) * step;
}

export class Heap {
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  private readonly blocks = new Map<number, Block>();
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(
    private readonly wasm: KernelModule,
    private readonly limitBytes: number,
  ) {
    this.top = wasm.heapStart;
    this.buffers.add(wasm.memory.buffer);
  }

  /** Reserves a block of at least `bytes` and returns its byte offset (64-byte aligned). */
  alloc(bytes: number): number {
    let size = sizeClass(bytes);
    let at = this.freeLists.get(size)?.pop() ?? -1;
    if (at < 0 && this.top + size <= this.limitBytes) {
      at = this.top;
      this.top += size;
      this.ensureMemory(this.top);
    }
    if (at < 0) {
      // The memory is at its maximum: the smallest free block of a larger class (it keeps its class).
      let best = -1;
      for (const [classBytes, list] of this.freeLists) {
        if (classBytes > size && list.length > 0 && (best < 0 || classBytes < best)) best = classBytes;
      }
      if (best > 0) {
        size = best;
        at = this.freeLists.get(best)!.pop()!;
      }
    }
    if (at < 0) throw new HeapExhausted(bytes, this.limitBytes);
    this.blocks.set(at, { at, bytes: size, refs: 0 });
    return at;
  }

  /** Returns a block without references to its free list. */
  free(at: number): void {
    const block = this.blocks.get(at);
    if (block === undefined) throw new Error(`d2l-ts fast kernels: freeing ${at}, which is not a live block`);
    this.blocks.delete(at);
    let list = this.freeLists.get(block.bytes);
    if (list === undefined) this.freeLists.set(block.bytes, (list = []));
    list.push(at);
  }

  /** A view of `length` elements of `dtype` at byte offset `at`. */
  view(dtype: DataType, at: number, length: number): HeapArray {
    const buffer = this.buffer();
    if (dtype === "float32") return new Float32Array(buffer, at, length);
    if (dtype === "int32") return new Int32Array(buffer, at, length);
    return new Uint8Array(buffer, at, length);
  }

  /** The memory's current buffer (a new object after each growth; older views stay valid). */
  buffer(): SharedArrayBuffer {
    const buffer = this.wasm.memory.buffer;
    this.buffers.add(buffer);
    return buffer;
  }

  /** Whether `values` is a view into this memory. */
  owns(values: unknown): values is HeapArray {
    return ArrayBuffer.isView(values) && this.buffers.has(values.buffer);
  }

  /** One more tensor views the block holding `values`. */
  retain(values: HeapArray): void {
    const block = this.blockOf(values);
    if (block === undefined) throw new Error("d2l-ts fast kernels: a tensor views WebAssembly memory that is not allocated");
    block.refs++;
  }

  /** One tensor less views the block holding `values`; frees it after the last. */
  release(values: HeapArray): void {
    const block = this.blockOf(values);
    if (block === undefined) return;
    if (--block.refs <= 0) this.free(block.at);
  }

  /** Whether the block at `at` is live and viewed by no tensor (a kernel's temporary or unclaimed result). */
  unreferenced(at: number): boolean {
    return this.blocks.get(at)?.refs === 0;
  }

  /** Live blocks and bytes in them (for tests and diagnostics). */
  stats(): { blocks: number; liveBytes: number; reservedBytes: number } {
    let liveBytes = 0;
    for (const b of this.blocks.values()) liveBytes += b.bytes;
    return { blocks: this.blocks.size, liveBytes, reservedBytes: this.top - this.wasm.heapStart };
  }

  private blockOf(values: HeapArray): Block | undefined {
    const exact = this.blocks.get(values.byteOffset);
    if (exact !== undefined) return exact;
    // A view into the middle of a block (a subarray): the block that contains it.
    for (const b of this.blocks.values()) {
      if (values.byteOffset >= b.at && values.byteOffset < b.at + b.bytes) return b;
    }
    return undefined;
  }

  private ensureMemory(end: number): void {
    const { memory } = this.wasm;
    const have = memory.buffer.byteLength;
    if (end > have) memory.grow(Math.ceil((end - have) / PAGE));
  }
}

/** The part of tfjs's CPU backend whose data the heap tracks. */
interface TrackedBackend {
  data: { get(dataId: DataId): { values?: unknown } | undefined; has(dataId: DataId): boolean };
  write(values: unknown, shape: number[], dtype: DataType): DataId;
  move(dataId: DataId, values: unknown, shape: number[], dtype: DataType, refCount: number): void;
  disposeData(dataId: DataId, force?: boolean): boolean;
  readSync(dataId: DataId): unknown;
}

const tracked = new WeakSet<object>();

/**
 * Makes `backend` (tfjs's MathBackendCPU instance) count references to heap blocks as described
 * above. Idempotent; the methods stay wrapped when the fast kernels are turned off, so tensors
 * made meanwhile are still freed and read correctly.
 */
export function trackBackend(backend: object, heap: Heap): void {
  if (tracked.has(backend)) return;
  tracked.add(backend);
  const b = backend as TrackedBackend;
  const write = b.write.bind(b);
  const move = b.move.bind(b);
  const disposeData = b.disposeData.bind(b);
  const readSync = b.readSync.bind(b);
  b.write = (values, shape, dtype) => {
    const dataId = write(values, shape, dtype);
    if (heap.owns(values)) heap.retain(values);
    return dataId;
  };
  b.move = (dataId, values, shape, dtype, refCount) => {
    move(dataId, values, shape, dtype, refCount);
    if (heap.owns(values)) heap.retain(values);
  };
  b.disposeData = (dataId, force) => {
    // (DataStorage.get would fetch data from another backend: ask `has` first, as tfjs does.)
    const values = b.data.has(dataId) ? b.data.get(dataId)?.values : undefined;
    const released = disposeData(dataId, force);
    if (heap.owns(values) && !b.data.has(dataId)) heap.release(values);
    return released;
  };
  b.readSync = (dataId) => {
    const values = readSync(dataId);
    return heap.owns(values) ? values.slice() : values;
  };
}
