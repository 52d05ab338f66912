/**
 * The GRU step's two kernels (OP_GRU_CELL, OP_GRU_CELL_GRAD: kernel-lib/src/fast/recurrent.ts)
 * run as raw jobs on both engines, the native module and WebAssembly, on the same inputs: random
 * values mixed with edge values (NaN, ±inf, ±0, denormals, arguments where exp under- or
 * overflows). Used in-process by test/unit/fast-kernels-gru-cell.test.ts and, with the AVX2
 * kernels forced (D2L_NATIVE_ISA=avx2), in a child process.
 */
import { Job, Op } from "../kernel-lib/src/fast/job-layout";
import { nativeMatMul, setNativeMatMulEnabled, type NativeMatMul } from "../kernel-lib/src/fast/native";
import { withCall } from "../kernel-lib/src/fast/runtime";

/** Batch and hidden sizes: tails of every length below 16 and 8, batches not a multiple of the 16-row tasks. */
export const GRU_CELL_SHAPES: Array<[number, number]> = [
  [1, 1],
  [3, 7],
  [2, 8],
  [5, 15],
  [17, 16],
  [4, 23],
  [37, 33],
  [9, 64],
  [130, 257],
];

const EDGES = [
  NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-40, 3e38, -3e38, 88.72, 88.73, 89, -87.3, -87.4, -100,
  -103.9, -104, -150, 100, 0.625, -0.625, 0.6249, 1e-8, -1e-8, 20, -20, 9, -9,
];

/** Deterministic floats: mostly uniform in [-scale, scale], every `edgeEvery`-th an edge value. */
function values(n: number, seed: number, scale: number, edgeEvery: number): Float32Array {
  let s = seed >>> 0;
  const next = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    out[i] = edgeEvery > 0 && next() < 1 / edgeEvery ? EDGES[Math.floor(u * EDGES.length)] : (2 * u - 1) * scale;
  }
  return out;
}

type Outputs = Record<string, Float32Array>;

const STALE = 777; // what the output blocks hold before a job: an entry left unwritten shows

/**
 * Runs one GRU job on the fast kernels' memory: `inputs` copied in, `outputs` (name → length)
 * back; on one thread, or `threaded` on all of the pool's (whichever takes each task).
 */
function runJob(op: number, batch: number, hidden: number, threaded: boolean, inputs: Record<number, Float32Array | null>, outputs: Record<number, [string, number]>): Outputs {
  return withCall((call) => {
    const at: Record<number, number> = {};
    for (const [field, data] of Object.entries(inputs)) at[Number(field)] = data ? call.f32(data) : 0;
    const blocks = Object.entries(outputs).map(([field, [name, length]]) => {
      const block = call.output("float32", length);
      (block.values as Float32Array).fill(STALE);
      at[Number(field)] = block.at;
      return { name, block };
    });
    const job = call.rt.newJob(op, Math.ceil(batch / 16));
    job[Job.rows] = batch;
    job[Job.cols] = hidden;
    job[Job.rowsPerTaskR] = 16;
    for (const [field, offset] of Object.entries(at)) job[Number(field)] = offset;
    call.rt.execute(threaded ? 2 ** 31 : 0);
    return Object.fromEntries(blocks.map(({ name, block }) => [name, (block.values as Float32Array).slice()]));
  });
}

/** OP_GRU_CELL's new state and gates, and OP_GRU_CELL_GRAD's outputs with dh's three parts and with dy alone. */
function runGruJobs(batch: number, hidden: number, threaded: boolean, seed: number, edgeEvery: number): Outputs {
  const H = hidden;
  const units = batch * H;
  const cell = runJob(Op.gruCell, batch, H, threaded, {
    [Job.x]: values(batch * 3 * H, seed, 6, edgeEvery),
    [Job.y]: values(batch * 3 * H, seed + 1, 6, edgeEvery),
    [Job.gruBiasIh]: values(3 * H, seed + 2, 1, edgeEvery),
    [Job.gruBiasHh]: values(3 * H, seed + 3, 1, edgeEvery),
    [Job.gruHPrev]: values(units, seed + 4, 1, edgeEvery),
  }, { [Job.out]: ["h", units], [Job.gruGates]: ["gates", 4 * units] });
  const grad = (dh1: Float32Array | null, dh2: Float32Array | null, label: string) => {
    const out = runJob(Op.gruCellGrad, batch, H, threaded, {
      [Job.x]: values(units, seed + 5, 1, edgeEvery),
      [Job.y]: dh1,
      [Job.gruDh2]: dh2,
      [Job.gruHPrev]: values(units, seed + 6, 1, edgeEvery),
      // Gates of any value (edges included), not only a forward step's.
      [Job.gruGates]: values(4 * units, seed + 7, 2, edgeEvery),
    }, { [Job.out]: ["dGi", 3 * units], [Job.gruDGh]: ["dGh", 3 * units], [Job.gruDhPrev]: ["dhPrev", units] });
    return Object.fromEntries(Object.entries(out).map(([name, v]) => [`${name} (${label})`, v]));
  };
  return {
    ...cell,
    ...grad(values(units, seed + 8, 1, edgeEvery), values(units, seed + 9, 1, edgeEvery), "dy + dh1 + dh2"),
    ...grad(null, null, "dy alone"),
  };
}

/** Where two results differ: not the same bits, unless both are NaN (whose payload is not compared). */
function firstDifference(a: Float32Array, b: Float32Array): string | null {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  const ab = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const bb = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) {
    if (ab[i] !== bb[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return `[${i}]: ${a[i]} (0x${ab[i].toString(16)}) vs ${b[i]} (0x${bb[i].toString(16)})`;
  }
  return null;
}

export interface EngineComparison {
  /** The native module's instruction set. */
  isa: string;
  /** "shape / output: first difference" for every output where native and WebAssembly differ. */
  differences: string[];
  /** GRU jobs the native module ran (the runtime sends them there). */
  nativeGruJobs: number;
  /** Values compared, and how many of them were NaN, infinite, or normal nonzero numbers. */
  compared: number;
  nan: number;
  infinite: number;
  normal: number;
  /** Entries of WebAssembly's outputs that the kernel did not write. */
  unwritten: number;
}

/**
 * Every shape of GRU_CELL_SHAPES with native and with WebAssembly kernels (WebAssembly on one
 * thread; native on one, and with edge values also on all the pool's threads); throws where the
 * native module is not available. Leaves the native module enabled.
 */
export function compareGruCellEngines(): EngineComparison {
  const native = nativeMatMul();
  if (!native) throw new Error("compareGruCellEngines: no native module here");
  const result: EngineComparison = {
    isa: native.isa, differences: [], nativeGruJobs: 0, compared: 0, nan: 0, infinite: 0, normal: 0, unwritten: 0,
  };
  // Count the GRU jobs that reach the module (the thread pool calls this same object's run).
  const run = native.run;
  (native as { run: NativeMatMul["run"] }).run = (view, job) => {
    const op = new Int32Array(view.buffer, job, 1)[0];
    if (op === Op.gruCell || op === Op.gruCellGrad) result.nativeGruJobs++;
    return run(view, job);
  };
  try {
    GRU_CELL_SHAPES.forEach(([batch, hidden], i) => {
      for (const [edgeEvery, threaded] of [[0, false], [7, false], [7, true]] as const) {
        const seed = 1000 * i + edgeEvery;
        setNativeMatMulEnabled(false);
        const wasm = runGruJobs(batch, hidden, false, seed, edgeEvery);
        setNativeMatMulEnabled(true);
        const fromNative = runGruJobs(batch, hidden, threaded, seed, edgeEvery);
        for (const [name, expected] of Object.entries(wasm)) {
          const difference = firstDifference(fromNative[name], expected);
          const run = `batch ${batch}, hidden ${hidden}, edges ${edgeEvery > 0}${threaded ? ", threaded" : ""}`;
          if (difference) result.differences.push(`${run} / ${name}: ${difference}`);
          result.compared += expected.length;
          for (const v of expected) {
            if (Number.isNaN(v)) result.nan++;
            else if (!Number.isFinite(v)) result.infinite++;
            else if (Math.abs(v) >= 1.1754943508222875e-38) result.normal++;
            if (v === STALE) result.unwritten++;
          }
        }
      }
    });
  } finally {
    (native as { run: NativeMatMul["run"] }).run = run;
    setNativeMatMulEnabled(true);
  }
  return result;
}
