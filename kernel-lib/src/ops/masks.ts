/**
 * Attention masks built on the host (sections 11.3, 11.6, 11.7).
 *
 * The book masks with valid lengths (`arange(keys) < valid_len`). Comparing broadcast tensors
 * costs seconds at (64, 512, 512) in tfjs, so masks are plain Uint8Arrays here, and valid lengths
 * are turned into one with a loop.
 */
import { tf } from "../tf";
import { describe, expectInteger, fail, formatShape, nestedShape } from "./check";

/**
 * What `maskedSoftmax` and the attention layers accept as valid lengths (section 11.3): `(batch)`,
 * `(batch, queries)`, or a mask (sections 11.6/11.7).
 */
export type ValidLens = tf.Tensor | number[] | number[][] | AttentionMask;

/**
 * A boolean keep-mask of shape `(batch | 1, queries | 1, keys)`, broadcastable to the
 * `(batch, queries, keys)` scores of attention (sections 11.6/11.7): key `j` of query `i` in
 * example `b` takes part in the softmax when the mask is true there. Accepted wherever
 * `validLens` is.
 */
export class AttentionMask {
  /** `(batch | 1, queries | 1, keys)`. */
  readonly shape: readonly [number, number, number];
  /** Row-major keep flags (1 = keep); do not modify. */
  readonly keep: Uint8Array;

  /** `keep`: `shape[0] * shape[1] * shape[2]` row-major flags (nonzero or true = keep). */
  constructor(shape: readonly [number, number, number], keep: ArrayLike<number | boolean>) {
    if (!Array.isArray(shape) || shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      fail("AttentionMask", "shape", "3 sizes (batch | 1, queries | 1, keys)", describe(shape));
    }
    const size = shape[0] * shape[1] * shape[2];
    if (keep === null || typeof keep !== "object" || keep.length !== size) {
      fail("AttentionMask", "keep", `${size} flags for shape ${formatShape(shape)}`, describe(keep));
    }
    this.shape = [shape[0], shape[1], shape[2]];
    this.keep = Uint8Array.from(keep as ArrayLike<number>, (v) => (v ? 1 : 0));
  }

  /** Keeps a key only where both masks keep it (broadcasting like tensors); section 11.7. */
  and(other: AttentionMask): AttentionMask {
    if (!(other instanceof AttentionMask)) fail("AttentionMask.and", "other", "an AttentionMask", describe(other));
    const shape = broadcastShapes("AttentionMask.and", "other", this.shape, other.shape);
    const a = this.expand(shape[0], shape[1], shape[2]);
    const b = other.expand(shape[0], shape[1], shape[2]);
    const out = new Uint8Array(a.length);
    for (let i = 0; i < out.length; i++) out[i] = a[i] & b[i];
    return new AttentionMask(shape, out);
  }

  /** The mask as a bool tensor of shape `this.shape` (e.g. to display it). */
  toTensor(): tf.Tensor3D {
    return tf.tensor3d(this.keep, [...this.shape], "bool");
  }

  /** True when the mask broadcasts to `(batch, queries, keys)`. */
  broadcastsTo(batch: number, queries: number, keys: number): boolean {
    const [mb, mq, mk] = this.shape;
    return mk === keys && (mb === 1 || mb === batch) && (mq === 1 || mq === queries);
  }

  /**
   * The flags broadcast to `(batch, queries, keys)`; used by the masked softmax. Throws when the
   * mask does not broadcast there.
   */
  expand(batch: number, queries: number, keys: number): Uint8Array {
    const [mb, mq] = this.shape;
    if (!this.broadcastsTo(batch, queries, keys)) {
      fail(
        "AttentionMask.expand",
        "(batch, queries, keys)",
        `a shape the mask of shape ${formatShape(this.shape)} broadcasts to`,
        formatShape([batch, queries, keys]),
      );
    }
    if (mb === batch && mq === queries) return this.keep;
    const out = new Uint8Array(batch * queries * keys);
    for (let b = 0; b < batch; b++) {
      for (let q = 0; q < queries; q++) {
        const from = ((mb === 1 ? 0 : b) * mq + (mq === 1 ? 0 : q)) * keys;
        out.set(this.keep.subarray(from, from + keys), (b * queries + q) * keys);
      }
    }
    return out;
  }

  /**
   * Each example's mask repeated `n` times in a row along the batch axis (what
   * `torch.repeat_interleave(valid_lens, n, dim=0)` does for multi-head attention, 11.5).
   */
  repeatInterleave(n: number): AttentionMask {
    const [mb, mq, mk] = this.shape;
    if (mb === 1) return this;
    const row = mq * mk;
    const out = new Uint8Array(mb * n * row);
    for (let b = 0; b < mb; b++) {
      const block = this.keep.subarray(b * row, (b + 1) * row);
      for (let r = 0; r < n; r++) out.set(block, (b * n + r) * row);
    }
    return new AttentionMask([mb * n, mq, mk], out);
  }
}

function broadcastShapes(
  fn: string,
  arg: string,
  a: readonly [number, number, number],
  b: readonly [number, number, number],
): [number, number, number] {
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    if (i === 2 ? a[i] !== b[i] : a[i] !== b[i] && a[i] !== 1 && b[i] !== 1) {
      fail(fn, arg, `a mask broadcastable with shape ${formatShape(a)}`, `shape ${formatShape(b)}`);
    }
    out.push(Math.max(a[i], b[i]));
  }
  return [out[0], out[1], out[2]];
}

/**
 * The decoder's causal mask (section 11.7): query `i` sees keys `0..i`, shape
 * `(1, numQueries, numKeys)`. Equivalent to the book's 2-D valid lengths `[1, 2, …, numQueries]`.
 */
export function causalMask(numQueries: number, numKeys: number = numQueries): AttentionMask {
  expectInteger("causalMask", "numQueries", numQueries, 0);
  expectInteger("causalMask", "numKeys", numKeys, 0);
  const keep = new Uint8Array(numQueries * numKeys);
  for (let i = 0; i < numQueries; i++) keep.fill(1, i * numKeys, i * numKeys + Math.min(i + 1, numKeys));
  return new AttentionMask([1, numQueries, numKeys], keep);
}

/**
 * The padding mask (sections 11.3/11.7): example `b` keeps its first `validLens[b]` keys, shape
 * `(batch, 1, numKeys)`. Equivalent to passing the same 1-D `validLens` to `maskedSoftmax`.
 */
export function paddingMask(validLens: tf.Tensor | number[], numKeys: number): AttentionMask {
  expectInteger("paddingMask", "numKeys", numKeys, 0);
  const { values, shape } = readLengths("paddingMask", validLens);
  if (shape.length !== 1) fail("paddingMask", "validLens", "1-D (batch)", `shape ${formatShape(shape)}`);
  const keep = new Uint8Array(values.length * numKeys);
  values.forEach((len, b) => keep.fill(1, b * numKeys, b * numKeys + Math.min(len, numKeys)));
  return new AttentionMask([values.length, 1, numKeys], keep);
}

/**
 * Reads valid lengths (array or tensor) to the host, checking each is a finite integer ≥ 0;
 * `fn` and `arg` name the caller and its argument in messages.
 */
export function readLengths(
  fn: string,
  validLens: tf.Tensor | number[] | number[][],
  arg = "validLens",
): { values: Float64Array; shape: number[] } {
  let values: Float64Array;
  let shape: number[];
  if (validLens instanceof tf.Tensor) {
    if (validLens.isDisposed) fail(fn, arg, "a live tensor", "a disposed tensor");
    if (validLens.dtype === "string" || validLens.dtype === "complex64") {
      fail(fn, arg, "a numeric tensor", `dtype ${validLens.dtype}`);
    }
    shape = validLens.shape;
    values = Float64Array.from(validLens.dataSync() as ArrayLike<number>);
  } else {
    const seen = nestedShape(validLens);
    if (seen === null) fail(fn, arg, "a number[] or number[][] of integers", describe(validLens));
    shape = seen;
    values = Float64Array.from((validLens as unknown[]).flat() as number[]);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0) {
      fail(fn, arg, "integers >= 0", `${Number.isNaN(v) ? "NaN" : v} at flat index ${i} of shape ${formatShape(shape)}`);
    }
  }
  return { values, shape };
}

/**
 * Valid lengths repeated `n` times in a row along axis 0 (`torch.repeat_interleave(valid_lens,
 * n, dim=0)`, section 11.5), as host arrays; masks are repeated along their batch axis.
 */
export function repeatValidLens(fn: string, validLens: ValidLens, n: number): ValidLens {
  if (validLens instanceof AttentionMask) return validLens.repeatInterleave(n);
  const { values, shape } = readLengths(fn, validLens);
  if (shape.length === 1) {
    return Array.from(values).flatMap((v) => Array<number>(n).fill(v));
  }
  if (shape.length === 2) {
    const rows: number[][] = [];
    for (let b = 0; b < shape[0]; b++) {
      const row = Array.from(values.subarray(b * shape[1], (b + 1) * shape[1]));
      for (let r = 0; r < n; r++) rows.push(row.slice());
    }
    return rows;
  }
  return fail(fn, "validLens", "1-D (batch) or 2-D (batch, queries)", `shape ${formatShape(shape)}`);
}

/**
 * The encoder's valid lengths a decoder keeps in its state for the encoder–decoder attention
 * (sections 11.4 and 11.7, the book's `enc_valid_lens`): null, 1-D lengths `(batch)`, or a
 * padding `AttentionMask` of shape `(batch | 1, 1, encSteps)`. Checked where the state is made
 * (`initState`), so a wrong length is reported there rather than in the attention later.
 * `readValues = false` checks a tensor's shape without reading its values (forward passes).
 */
export function checkEncValidLens(fn: string, arg: string, lens: unknown, batch: number, encSteps: number, readValues = true): ValidLens | null {
  if (lens === undefined || lens === null) return null;
  const expected = `1-D source valid lengths of length batch = ${batch}, a padding AttentionMask of shape (batch = ${batch}, 1, encSteps = ${encSteps}), or null`;
  if (lens instanceof AttentionMask) {
    if (lens.shape[1] !== 1 || !lens.broadcastsTo(batch, 1, encSteps)) fail(fn, arg, expected, `a mask of shape ${formatShape(lens.shape)}`);
    return lens;
  }
  if (!(lens instanceof tf.Tensor) && !Array.isArray(lens)) fail(fn, arg, expected, describe(lens));
  // A tensor's values cost a host read: decoders' forward passes (once per generated token)
  // check the shape only; the attention that uses the lengths reads and checks their values.
  const shape = readValues || !(lens instanceof tf.Tensor) ? readLengths(fn, lens as tf.Tensor | number[], arg).shape : lens.shape;
  if (shape.length !== 1 || shape[0] !== batch) fail(fn, arg, expected, `shape ${formatShape(shape)}`);
  return lens as ValidLens;
}
