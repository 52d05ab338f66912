/**
 * Worker threads that run the kernels' `run(job, threadId)` alongside the calling thread.
 *
 * tfjs CPU kernels are synchronous, so the calling thread posts a job through the control block in
 * shared memory, wakes the workers with `Atomics.notify`, does its share, and blocks in
 * `Atomics.wait` until every worker that joined the job has reported. Node allows `Atomics.wait`
 * on its main thread. Tasks are taken from the job's atomic counter, so whoever is running does
 * them all: once the caller has run out of tasks it closes the job, and a worker that had not
 * joined by then (one that woke late: on a 2-core VM, 1 job in 100 waits a millisecond or more
 * for its thread to be scheduled) skips it instead of holding the caller up.
 * Workers are `unref`ed: an idle pool never keeps a process alive.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { KernelModule } from "./wasm-module";
import type { NativeMatMul } from "./native";

// Control block fields (int32 indices from KernelModule.control).
const GENERATION = 0; // bumped for every job; workers wait on it
const JOB = 1; // byte offset of the current job, or -1 to stop
const DONE = 2; // workers that finished the current job
const READY = 3; // workers that have started
const FAILED = 4; // set by a worker whose run() threw (a WebAssembly trap): the job's result is wrong
const NATIVE = 5; // 1: the current job runs in the native module (native.ts's NATIVE_OPS), 0: WebAssembly
// The current job's entry: its generation (low 20 bits) << 8 | CLOSED | workers that joined it.
const ENTRY = 6;
const FIELDS = 7;
const CLOSED = 0x80;
const JOINED = 0x7f;

/** A job's entry word, open and joined by nobody: its generation in the bits above the count. */
function openEntry(generation: number): number {
  return (generation & 0xfffff) << 8;
}

/** The worker's whole program: instantiate the module on the shared memory, then serve jobs. */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { wasmModule, memory, control, threadId, nativePath } = workerData;
const { run } = new WebAssembly.Instance(wasmModule, { env: { memory } }).exports;
const native = nativePath ? require(nativePath) : null;
const view = new Uint8Array(memory.buffer, 0, 1); // its start is the base of every byte offset
const ctrl = new Int32Array(memory.buffer, control, ${FIELDS});
let seen = Atomics.load(ctrl, ${GENERATION});
Atomics.add(ctrl, ${READY}, 1);
Atomics.notify(ctrl, ${READY});
for (;;) {
  Atomics.wait(ctrl, ${GENERATION}, seen);
  seen = Atomics.load(ctrl, ${GENERATION});
  if (Atomics.load(ctrl, ${JOB}) < 0) break;
  // Join the job unless the caller has closed it (or moved on to a later one).
  let entry = Atomics.load(ctrl, ${ENTRY});
  while (entry >> 8 === (seen & 0xfffff) && (entry & ${CLOSED}) === 0) {
    const found = Atomics.compareExchange(ctrl, ${ENTRY}, entry, entry + 1);
    if (found === entry) break;
    entry = found;
  }
  if (entry >> 8 !== (seen & 0xfffff) || (entry & ${CLOSED}) !== 0) continue;
  const job = Atomics.load(ctrl, ${JOB});
  try {
    if (Atomics.load(ctrl, ${NATIVE}) === 1) {
      if (!native.run(view, job)) Atomics.store(ctrl, ${FAILED}, 1);
    } else {
      run(job, threadId);
    }
  } catch {
    Atomics.store(ctrl, ${FAILED}, 1);
  }
  Atomics.add(ctrl, ${DONE}, 1);
  Atomics.notify(ctrl, ${DONE});
}
`;

/**
 * Checks of the workers' count before the caller sleeps in Atomics.wait (~100–150 µs in all);
 * measured on the 11.4 training step, whose ~300 threaded jobs a step each end with this wait:
 * ~8% faster than sleeping at once.
 */
const SPINS_BEFORE_WAIT = 20000;

/** How long the first threaded job waits for the workers to start before giving up on them. */
const STARTUP_TIMEOUT_MS = 5000;

export class ThreadPool {
  private readonly workers: Worker[] = [];
  private readonly ctrl: Int32Array;
  private started = false;

  /** A view whose start is the base of the memory's byte offsets, for the native module. */
  private readonly base: Uint8Array;

  /**
   * `threads` counts the calling thread too: a pool of 2 has one worker. With `native`, the
   * threads run its jobs there (`run(job, true)`).
   */
  constructor(
    private readonly wasm: KernelModule,
    readonly threads: number,
    private readonly native: NativeMatMul | null = null,
  ) {
    this.ctrl = new Int32Array(wasm.memory.buffer, wasm.control, FIELDS);
    this.base = new Uint8Array(wasm.memory.buffer, 0, 1);
    for (let t = 1; t < threads; t++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // (No variable named "module" in the worker: Deno's eval wrapper already declares one.)
        workerData: { wasmModule: wasm.module, memory: wasm.memory, control: wasm.control, threadId: t, nativePath: native?.path ?? null },
        stdout: false,
        stderr: false,
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * Runs the job at `job` on every thread and returns when all are done; `first` runs on the
   * calling thread after the workers are woken and before it takes its own share of tasks.
   */
  run(job: number, native = false, first?: () => void): void {
    if (this.workers.length === 0 || !this.awaitStartup()) {
      first?.();
      this.runHere(job, native);
      return;
    }
    const ctrl = this.ctrl;
    Atomics.store(ctrl, JOB, job);
    Atomics.store(ctrl, NATIVE, native ? 1 : 0);
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, FAILED, 0);
    Atomics.store(ctrl, ENTRY, openEntry(Atomics.load(ctrl, GENERATION) + 1));
    Atomics.add(ctrl, GENERATION, 1);
    Atomics.notify(ctrl, GENERATION);
    let error: unknown = null;
    try {
      first?.();
      this.runHere(job, native);
    } catch (e) {
      error = e; // still wait: the workers are using the job's memory
    }
    // No task is left: close the job and wait for the workers that joined it (they may be in a task).
    const joined = Atomics.or(ctrl, ENTRY, CLOSED) & JOINED;
    // Spin a little before sleeping: the workers usually report within tens of microseconds, and
    // being woken from Atomics.wait costs the caller about as much again (on a 2-core VM, ~50 µs).
    for (let i = 0; i < SPINS_BEFORE_WAIT && Atomics.load(ctrl, DONE) < joined; i++);
    for (let done = Atomics.load(ctrl, DONE); done < joined; done = Atomics.load(ctrl, DONE)) {
      Atomics.wait(ctrl, DONE, done);
    }
    if (error !== null) throw error;
    if (Atomics.load(ctrl, FAILED) !== 0) throw new Error("d2l-ts fast kernels: a worker thread failed its part of the job");
  }

  /** The calling thread's share of the job: in the native module or in WebAssembly. */
  runHere(job: number, native: boolean): void {
    if (!native) {
      this.wasm.run(job, 0);
    } else if (!this.native?.run(this.base, job)) {
      throw new Error("d2l-ts fast kernels: the native module could not run its job (no memory for its scratch?)");
    }
  }

  /** Stops the workers (they finish any job first). */
  close(): void {
    Atomics.store(this.ctrl, JOB, -1);
    Atomics.add(this.ctrl, GENERATION, 1);
    Atomics.notify(this.ctrl, GENERATION);
    this.workers.length = 0;
  }

  /** Waits once for every worker to start; false (run single-threaded) if they do not. */
  private awaitStartup(): boolean {
    if (this.started) return true;
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (let ready = Atomics.load(this.ctrl, READY); ready < this.workers.length; ready = Atomics.load(this.ctrl, READY)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.close();
        return false;
      }
      Atomics.wait(this.ctrl, READY, ready, left);
    }
    this.started = true;
    return true;
  }
}

/** Threads to use: D2L_THREADS if set, else the machine's cores (at most 8). */
export function defaultThreadCount(): number {
  const fromEnv = Number(process.env.D2L_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return Math.max(1, Math.min(8, availableParallelism()));
}
