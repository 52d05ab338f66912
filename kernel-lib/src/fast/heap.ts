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
 * view into the middle of a block (the fast Slice returns contiguous slices as `subarray`s, as
 * tfjs's does), and `disposeData` counts one less when tfjs removes a tensor's data; a block
 * without references goes back to its free list. `readSync` (what `dataSync`, `data`, `array`
 * and `print` read) returns a copy, so that an array a user keeps never changes when its block
 * is reused. Turning the fast kernels off moves every tensor out of the heap (`moveOutOfHeap`),
 * so tfjs's own kernels never see its memory.
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
  /** Allocated (not on a free list). */
  live: boolean;
  /** Tensors (backend data entries) whose values view this block. */
  refs: number;
  /**
   * The last view made of the block, reused for the same dtype and length: after the block is
   * freed nothing holds it any more (tensors' data is gone, users get copies).
   */
  view: HeapArray | null;
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
  /** Every block ever made, live or free, by offset. */
  private readonly blocks = new Map<number, Block>();
  private liveBlocks = 0;
  /** Every view of the memory handed out (and subarrays of them made by the kernels). */
  private readonly views = new WeakSet<object>();
  /** The memory's buffer as of the last growth (older views stay valid: shared memory never detaches). */
  private current: SharedArrayBuffer;

  constructor(
    private readonly wasm: KernelModule,
    private readonly limitBytes: number,
  ) {
    this.top = wasm.heapStart;
    this.current = wasm.memory.buffer;
  }

  /** Reserves a block of at least `bytes` and returns its byte offset (64-byte aligned). */
  alloc(bytes: number): number {
    let size = sizeClass(bytes);
    let at = this.freeLists.get(size)?.pop() ?? -1;
    if (at < 0 && this.top + size <= this.limitBytes) {
      at = this.top;
      this.top += size;
      this.ensureMemory(this.top);
      this.blocks.set(at, { at, bytes: size, live: false, refs: 0, view: null });
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
    const block = this.blocks.get(at)!;
    block.live = true;
    block.refs = 0;
    this.liveBlocks++;
    return at;
  }

  /** Returns a block without references to its free list. */
  free(at: number): void {
    const block = this.blocks.get(at);
    if (block === undefined || !block.live) throw new Error(`d2l-ts fast kernels: freeing ${at}, which is not a live block`);
    block.live = false;
    this.liveBlocks--;
    let list = this.freeLists.get(block.bytes);
    if (list === undefined) this.freeLists.set(block.bytes, (list = []));
    list.push(at);
  }

  /** A view of `length` elements of `dtype` at byte offset `at`. */
  view(dtype: DataType, at: number, length: number): HeapArray {
    const block = this.blocks.get(at);
    const old = block?.view;
    const type = dtype === "float32" ? Float32Array : dtype === "int32" ? Int32Array : Uint8Array;
    if (old && old.length === length && old instanceof type) return old;
    const buffer = this.current;
    const view = new type(buffer, at, length);
    this.views.add(view);
    if (block) block.view = view;
    return view;
  }

  /** `values.subarray(begin, end)` of a view, itself known as a view. */
  subarray<T extends HeapArray>(values: T, begin: number, end: number): T {
    const part = values.subarray(begin, end) as T;
    if (this.views.has(values)) this.views.add(part);
    return part;
  }

  /**
   * Whether `values` is a view this heap handed out. (A WeakSet lookup rather than a test of
   * `values.buffer`, which would make V8 move a small typed array's data off its heap.)
   */
  owns(values: unknown): values is HeapArray {
    return typeof values === "object" && values !== null && this.views.has(values);
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
    const block = this.blocks.get(at);
    return block !== undefined && block.live && block.refs === 0;
  }

  /** Live blocks and bytes in them (for tests and diagnostics). */
  stats(): { blocks: number; liveBytes: number; reservedBytes: number } {
    let liveBytes = 0;
    for (const b of this.blocks.values()) if (b.live) liveBytes += b.bytes;
    return { blocks: this.liveBlocks, liveBytes, reservedBytes: this.top - this.wasm.heapStart };
  }

  private blockOf(values: HeapArray): Block | undefined {
    const exact = this.blocks.get(values.byteOffset);
    if (exact !== undefined) return exact.live ? exact : undefined;
    // A view into the middle of a block (a subarray): the block that contains it.
    for (const b of this.blocks.values()) {
      if (b.live && values.byteOffset >= b.at && values.byteOffset < b.at + b.bytes) return b;
    }
    return undefined;
  }

  private ensureMemory(end: number): void {
    const { memory } = this.wasm;
    const have = this.current.byteLength;
    if (end > have) {
      memory.grow(Math.ceil((end - have) / PAGE));
      this.current = memory.buffer;
    }
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

/** Per tracked backend: its data entries whose values are heap views. */
const tracked = new WeakMap<object, Map<DataId, HeapArray>>();

/**
 * Makes `backend` (tfjs's MathBackendCPU instance) count references to heap blocks as described
 * above. Idempotent.
 */
export function trackBackend(backend: object, heap: Heap): void {
  if (tracked.has(backend)) return;
  const inHeap = new Map<DataId, HeapArray>();
  tracked.set(backend, inHeap);
  const b = backend as TrackedBackend;
  const write = b.write.bind(b);
  const move = b.move.bind(b);
  const disposeData = b.disposeData.bind(b);
  const readSync = b.readSync.bind(b);
  b.write = (values, shape, dtype) => {
    const dataId = write(values, shape, dtype);
    if (heap.owns(values)) {
      heap.retain(values);
      inHeap.set(dataId, values);
    }
    return dataId;
  };
  b.move = (dataId, values, shape, dtype, refCount) => {
    move(dataId, values, shape, dtype, refCount);
    if (heap.owns(values)) {
      heap.retain(values);
      inHeap.set(dataId, values);
    }
  };
  b.disposeData = (dataId, force) => {
    const released = disposeData(dataId, force);
    const values = inHeap.get(dataId);
    if (values !== undefined && !b.data.has(dataId)) {
      inHeap.delete(dataId);
      heap.release(values);
    }
    return released;
  };
  b.readSync = (dataId) => {
    const values = readSync(dataId);
    return heap.owns(values) ? values.slice() : values;
  };
}

/**
 * Moves every tensor of `backend` out of the heap into ordinary typed arrays (when the fast
 * kernels are turned off: tfjs's own kernels may then make views of tensors, e.g. Slice's
 * `subarray`, which the heap would not see).
 */
export function moveOutOfHeap(backend: object, heap: Heap): void {
  const inHeap = tracked.get(backend);
  if (inHeap === undefined) return;
  const b = backend as TrackedBackend;
  for (const [dataId, values] of inHeap) {
    if (b.data.has(dataId)) b.data.get(dataId)!.values = values.slice();
    heap.release(values);
  }
  inHeap.clear();
}
