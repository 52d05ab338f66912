/**
 * The fast kernels' WebAssembly module (generated/fast-kernels.wasm, built from wasm/kernels.c by
 * scripts/build-wasm.mjs) and its one shared memory, laid out as
 *
 *   [module's own stack and data | control block | job block | per-call arena ...]
 *
 * The arena is a bump allocator reset at the start of every kernel call: kernels are synchronous
 * and never nested, so each call may use all of it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { JOB_FIELDS } from "./job-layout";

/** Must match MAX_MEMORY_BYTES in scripts/build-wasm.mjs (2 GiB in 64 KiB pages). */
const MAX_PAGES = 32768;
const PAGE = 65536;
const ALIGN = 64;
/** int32 fields of the control block the thread pool synchronises on. */
export const CONTROL_FIELDS = 16;

/** Where the build puts the module, relative to this file in src/fast/ and in dist/fast/ alike. */
export const WASM_PATH = join(__dirname, "..", "..", "generated", "fast-kernels.wasm");

export interface KernelModule {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  /** `run(jobByteOffset, threadId)`: the threads' shared entry point. */
  readonly run: (job: number, threadId: number) => void;
  /** Byte offset of the control block (int32 fields, see thread-pool.ts). */
  readonly control: number;
  /** Byte offset of the job block. */
  readonly job: number;
  /** Byte offset where the arena starts. */
  readonly arenaStart: number;
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

// The project compiles without the DOM library, which is where TypeScript declares WebAssembly;
// these are the few parts used here.
/** A compiled module (can be posted to worker threads). */
export type WasmModule = object;
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (limits: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let loaded: KernelModule | null = null;

/** Loads and instantiates the module once; throws a clear error if it was never built. */
export function kernelModule(): KernelModule {
  if (loaded) return loaded;
  let bytes: Buffer;
  try {
    bytes = readFileSync(WASM_PATH);
  } catch {
    throw new Error(
      `d2l-ts fast kernels: ${WASM_PATH} is missing; build it with ` +
        "`node kernel-lib/scripts/build-wasm.mjs` (needs Debian's clang and lld)",
    );
  }
  const module = new WebAssembly.Module(bytes);
  const memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const wasmExports = instance.exports as { run: (job: number, threadId: number) => void; __heap_base: { value: number } };
  const control = align(wasmExports.__heap_base.value);
  const job = align(control + CONTROL_FIELDS * 4);
  loaded = { module, memory, run: wasmExports.run, control, job, arenaStart: align(job + JOB_FIELDS * 4) };
  return loaded;
}

/** Bump allocation in the shared memory for one kernel call. */
export class Arena {
  private top: number;

  constructor(private readonly wasm: KernelModule) {
    this.top = wasm.arenaStart;
  }

  /** Reserves `bytes` (64-byte aligned) and returns the byte offset. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = align(this.top + bytes);
    return at;
  }

  /** Grows the memory so that everything allocated so far fits. */
  commit(): void {
    const { memory } = this.wasm;
    const have = memory.buffer.byteLength;
    if (this.top > MAX_PAGES * PAGE) {
      throw new RangeError(
        `d2l-ts fast kernels: a kernel call needs ${(this.top / 2 ** 20).toFixed(0)} MiB of WebAssembly memory, ` +
          `more than the ${MAX_PAGES * PAGE / 2 ** 20} MiB limit; call d2l.useFastKernels(false) for tensors this large`,
      );
    }
    if (this.top > have) memory.grow(Math.ceil((this.top - have) / PAGE));
  }

  f32(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.wasm.memory.buffer, byteOffset, length);
  }

  u8(byteOffset: number, length: number): Uint8Array {
    return new Uint8Array(this.wasm.memory.buffer, byteOffset, length);
  }

  i32(byteOffset: number, length: number): Int32Array {
    return new Int32Array(this.wasm.memory.buffer, byteOffset, length);
  }
}
