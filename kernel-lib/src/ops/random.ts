/**
 * One global seeded generator for all of d2l-ts's randomness (data, initialisation, dropout,
 * shuffling), so that `seed(n)` makes a notebook reproducible, as `torch.manual_seed` does in the
 * book. Numbers are drawn on the host (seedrandom's Alea generator) and handed to tfjs as
 * Float32Arrays; tfjs ops that draw their own numbers (dropout) get their seed from `nextSeed()`.
 */
import seedrandom from "seedrandom";
import { tf } from "../tf";
import { describe, expectFinite, expectShape, fail } from "./check";

/** Seed used until the first `seed(n)` call, so that even an unseeded run is reproducible. */
const DEFAULT_SEED = 0;

let generator: seedrandom.PRNG = seedrandom.alea(String(DEFAULT_SEED));

/** Reseeds the global generator: the book's `torch.manual_seed(n)` (used from section 11.2 on). */
export function seed(n: number): void {
  if (typeof n !== "number" || !Number.isInteger(n)) fail("seed", "n", "an integer", describe(n));
  generator = seedrandom.alea(String(n));
}

/** A uniform number in [0, 1) from the global generator (53 bits). */
export function nextUniform(): number {
  return generator.double();
}

/**
 * A fresh non-negative integer seed from the global generator, for tfjs ops that take one
 * (`tf.dropout`, `tf.randomUniform`); used by `Dropout` (section 5.6).
 */
export function nextSeed(): number {
  return Math.floor(generator.double() * 2 ** 31);
}

/** An integer in [0, n) from the global generator (minibatch shuffling, section 3.2). */
export function nextInt(n: number): number {
  return Math.floor(generator.double() * n);
}

function sizeOf(fn: string, shape: unknown): number[] {
  return expectShape(fn, "shape", shape);
}

/** Fills a Float32Array with uniform numbers in [0, 1). */
function uniformValues(size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let u = Math.fround(generator.double());
    // Rounding to float32 can reach 1.0; keep the interval half-open like torch.rand.
    if (u >= 1) u = 1 - 2 ** -24;
    out[i] = u;
  }
  return out;
}

/** Fills a Float32Array with standard normal numbers (Box–Muller, both outputs used). */
function normalValues(size: number, mean: number, std: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - generator.double()));
    const angle = 2 * Math.PI * generator.double();
    out[i] = mean + std * radius * Math.cos(angle);
    if (i + 1 < size) out[i + 1] = mean + std * radius * Math.sin(angle);
  }
  return out;
}

/** `torch.rand(*shape)` (used throughout chapter 11): uniform on [0, 1), float32. */
export function rand(shape: number[]): tf.Tensor {
  const dims = sizeOf("rand", shape);
  return tf.tensor(uniformValues(tf.util.sizeFromShape(dims)), dims, "float32");
}

/**
 * Uniform numbers on [low, high) as a float32 tensor (PyTorch's `tensor.uniform_(low, high)`, used
 * for `nn.Linear`'s default initialisation, section 6.3).
 */
export function uniform(shape: number[], low: number, high: number): tf.Tensor {
  const dims = sizeOf("uniform", shape);
  expectFinite("uniform", "low", low);
  expectFinite("uniform", "high", high);
  const values = uniformValues(tf.util.sizeFromShape(dims));
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * values[i];
  return tf.tensor(values, dims, "float32");
}

/** A 32-bit seed for one dropout mask, from the global generator (section 5.6; see `dropoutMaskFromSeed`). */
export function dropoutSeed(): number {
  return Math.floor(generator.double() * 4294967296) >>> 0;
}

/**
 * The dropout mask of `seed` (section 5.6), drawn on the host because tfjs's `randomUniform` +
 * comparison costs seconds on attention-sized tensors: entry i is 0 when the hash u = fmix32((i ·
 * 0x9E3779B9) xor seed) (MurmurHash3's finaliser) satisfies u / 2^32 < p, else 1/(1-p) (rounded
 * to float32). A counter-based generator, so that the fast kernels draw the very same mask in
 * WebAssembly, four entries at a time, and its gradient again from the seed (OP_DROPOUT).
 */
export function dropoutMaskFromSeed(size: number, p: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  const scale = 1 / (1 - p);
  const threshold = p * 4294967296;
  const s = seed | 0;
  for (let i = 0; i < size; i++) {
    let h = Math.imul(i, 0x9e3779b9) ^ s;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    out[i] = h >>> 0 < threshold ? 0 : scale;
  }
  return out;
}

/** `torch.randn(*shape)` (section 11.2's noise): standard normal, float32. */
export function randn(shape: number[]): tf.Tensor {
  const dims = sizeOf("randn", shape);
  return tf.tensor(normalValues(tf.util.sizeFromShape(dims), 0, 1), dims, "float32");
}

/** `torch.normal(mean, std, shape)` (section 11.3's toy queries and keys), float32. */
export function normal(mean: number, std: number, shape: number[]): tf.Tensor {
  expectFinite("normal", "mean", mean);
  if (typeof std !== "number" || !(std >= 0) || !Number.isFinite(std)) {
    fail("normal", "std", "a finite number >= 0", describe(std));
  }
  const dims = sizeOf("normal", shape);
  return tf.tensor(normalValues(tf.util.sizeFromShape(dims), mean, std), dims, "float32");
}

/**
 * `torch.arange(start, stop, step)` (used from section 11.2 on), as float32: `arange(n)` is
 * 0, 1, …, n-1; `arange(a, b, step)` holds a + i·step for every i with a + i·step < b (> b when
 * step < 0). Values are computed in double precision, then rounded, as torch does.
 */
export function arange(start: number, stop?: number, step = 1): tf.Tensor1D {
  let from = start;
  let to = stop;
  if (to === undefined) {
    from = 0;
    to = start;
  }
  // arange(n) names its one argument `stop`, as torch does.
  if (stop !== undefined) expectFinite("arange", "start", from);
  expectFinite("arange", "stop", to);
  expectFinite("arange", "step", step);
  if (step === 0) fail("arange", "step", "non-zero", "0");
  const count = Math.max(0, Math.ceil((to - from) / step));
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = from + i * step;
  return tf.tensor1d(values, "float32");
}
