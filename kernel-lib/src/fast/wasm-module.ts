/**
 * The fast kernels' WebAssembly module (generated/fast-kernels.wasm, built from wasm/kernels.c by
 * scripts/build-wasm.mjs) and its one shared memory, laid out as
 *
 *   [module's own stack and data | control block | job block | job tables | heap (heap.ts) ...]
 *
 * The job tables hold a job's small int32 arrays (a strided walk's dimensions and strides, the
 * threads' odometers): one job runs at a time, so one area serves all.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { JOB_FIELDS } from "./job-layout";

/** Must match MAX_MEMORY_BYTES in scripts/build-wasm.mjs (2 GiB in 64 KiB pages). */
const MAX_PAGES = 32768;
const PAGE = 65536;
/** The most the kernels' memory may grow to. */
export const MAX_MEMORY_BYTES = MAX_PAGES * PAGE;
const ALIGN = 64;
/** int32 fields of the control block the thread pool synchronises on. */
export const CONTROL_FIELDS = 16;
/** int32 fields of the job tables. */
export const TABLE_FIELDS = 256;

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
  /** Byte offset of the job tables (TABLE_FIELDS int32). */
  readonly tables: number;
  /** Byte offset where the heap starts. */
  readonly heapStart: number;
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
  const tables = align(job + JOB_FIELDS * 4);
  loaded = { module, memory, run: wasmExports.run, control, job, tables, heapStart: align(tables + TABLE_FIELDS * 4) };
  return loaded;
}
