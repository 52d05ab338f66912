/**
 * One runtime per process: the WebAssembly module, its arena and the thread pool, created on
 * first use, and `execute(job)` which decides whether a job is worth the other threads.
 */
import { Arena, kernelModule, type KernelModule } from "./wasm-module";
import { Job, JOB_FIELDS } from "./job-layout";
import { ThreadPool, defaultThreadCount } from "./thread-pool";

/**
 * Below this much work (multiply-adds, or elements times a per-element cost) waking the workers
 * (tens of microseconds) costs more than it saves: e.g. 11.2's softmax over (10, 5000) stays on
 * one thread, attention-sized work uses all.
 */
const MIN_WORK_FOR_THREADS = 1 << 21;

export interface Runtime {
  readonly wasm: KernelModule;
  readonly pool: ThreadPool;
  /** A fresh arena for one kernel call. */
  arena(): Arena;
  /**
   * The job block as int32 fields (valid until the next memory growth), cleared and set to run
   * `op` (an `Op` code) as `numTasks` tasks; the caller fills in the op's own fields.
   */
  newJob(op: number, numTasks: number): Int32Array;
  /**
   * Runs the job written in the job block; `work` sizes it to pick one thread or all. With
   * threads, the calling thread first touches `output` (the fresh array the result will be
   * copied into) while the workers compute, so that the array's page faults (~25 ms per 64 MB)
   * overlap the arithmetic instead of following it; then it joins the computation.
   */
  execute(work: number, output?: Float32Array): void;
}

/** Outputs from 1 MiB up are worth touching ahead (see `execute`). */
const PREFAULT_MIN_ELEMENTS = 1 << 18;

let runtime: Runtime | null = null;

export function getRuntime(): Runtime {
  if (runtime) return runtime;
  const wasm = kernelModule();
  const pool = new ThreadPool(wasm, defaultThreadCount());
  runtime = {
    wasm,
    pool,
    arena: () => new Arena(wasm),
    newJob(op: number, numTasks: number) {
      const fields = new Int32Array(wasm.memory.buffer, wasm.job, JOB_FIELDS);
      fields.fill(0);
      fields[Job.op] = op;
      fields[Job.numTasks] = numTasks;
      return fields;
    },
    execute(work: number, output?: Float32Array) {
      const fields = new Int32Array(wasm.memory.buffer, wasm.job, JOB_FIELDS);
      fields[Job.nextTask] = 0;
      if (work < MIN_WORK_FOR_THREADS || pool.threads === 1) wasm.run(wasm.job, 0);
      else pool.run(wasm.job, output && output.length >= PREFAULT_MIN_ELEMENTS ? () => output.fill(0) : undefined);
    },
  };
  return runtime;
}

/** Starts the workers ahead of the first kernel call (they take tens of milliseconds to boot). */
export function warmUpRuntime(): void {
  getRuntime();
}
