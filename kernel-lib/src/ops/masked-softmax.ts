/**
 * The masked softmax of section 11.3 as one custom tfjs op with its own gradient.
 *
 * The book overwrites the masked scores with -1e6 and takes a softmax over the last axis. Built
 * from tfjs ops this costs seconds at (64, 512, 512) (broadcast comparisons alone take ~2.5 s), so
 * the mask is built on the host and the softmax and its gradient run as two plain loops over the
 * rows: `maskedSoftmaxForward` and `maskedSoftmaxBackward`. A faster implementation (the fast
 * CPU kernels' WebAssembly SIMD kernel) can take their place through `setMaskedSoftmaxKernels`.
 */
import { tf } from "../tf";
import { describe, expectRank, fail, formatShape } from "./check";
import { AttentionMask, readLengths, type ValidLens } from "./masks";

/** The value the book writes into masked scores before the softmax. */
export const MASK_VALUE = -1e6;

/**
 * Forward on the host: for each of `rows` rows of `cols` scores, replaces the scores whose keep
 * flag is 0 by `maskValue` (the book's MASK_VALUE by default) and returns the softmax of the
 * row. `keep === null` masks nothing. A row with no kept score is uniform (as the book's valid
 * length 0 gives), whatever `maskValue`. Must not modify `x`.
 */
export function maskedSoftmaxForward(
  x: Float32Array,
  rows: number,
  cols: number,
  keep: Uint8Array | null,
  maskValue: number = MASK_VALUE,
): Float32Array {
  const y = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let max = -Infinity;
    let kept = 0;
    for (let i = start; i < end; i++) {
      const isKept = keep === null || keep[i] !== 0;
      const z = isKept ? x[i] : maskValue;
      kept += isKept ? 1 : 0;
      y[i] = z;
      if (z > max) max = z;
    }
    if (kept === 0) {
      y.fill(1 / cols, start, end);
      continue;
    }
    let sum = 0;
    for (let i = start; i < end; i++) {
      const e = Math.exp(y[i] - max);
      y[i] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let i = start; i < end; i++) y[i] *= inv;
  }
  return y;
}

/**
 * Backward on the host: given the forward's output `y` and the upstream gradient `dy`, returns
 * dX = y ⊙ (dy − Σ dy⊙y) per row, and 0 where the mask overwrote the score (the book's
 * assignment cuts the gradient there, as torch's autograd does).
 */
export function maskedSoftmaxBackward(
  y: Float32Array,
  dy: Float32Array,
  rows: number,
  cols: number,
  keep: Uint8Array | null,
): Float32Array {
  const dx = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let dot = 0;
    for (let i = start; i < end; i++) dot += dy[i] * y[i];
    for (let i = start; i < end; i++) {
      dx[i] = keep === null || keep[i] !== 0 ? y[i] * (dy[i] - dot) : 0;
    }
  }
  return dx;
}

/**
 * The pair of computations the masked softmax runs, replaceable for speed: `forward(x, lens)`
 * returns the masked softmax of `x` `(batch, queries, keys)` (a new tensor; `x` unchanged) and
 * `backward(y, dy, lens)` the gradient with respect to `x` from the forward's output `y` and
 * the upstream gradient `dy`, with the contracts of `maskedSoftmaxForward` and
 * `maskedSoftmaxBackward`. `lens` comes from `resolveValidLens`.
 */
export interface MaskedSoftmaxKernels {
  forward(x: tf.Tensor3D, lens: ResolvedValidLens): tf.Tensor3D;
  backward(y: tf.Tensor3D, dy: tf.Tensor3D, lens: ResolvedValidLens): tf.Tensor3D;
}

/** The forward's host loop: values copied out of tfjs, masked with `maskValue` and normalised. */
function hostForward(x: tf.Tensor3D, lens: ResolvedValidLens, maskValue: number): tf.Tensor3D {
  const [batch, queries, keys] = x.shape;
  const keep = buildKeepMask(x.shape, lens);
  return tf.tensor3d(maskedSoftmaxForward(x.dataSync() as Float32Array, batch * queries, keys, keep, maskValue), x.shape, "float32");
}

/** The host loops: values copied out of tfjs, masked and normalised in TypeScript. */
export const hostMaskedSoftmaxKernels: MaskedSoftmaxKernels = {
  forward: (x, lens) => hostForward(x, lens, MASK_VALUE),
  backward(y, dy, lens) {
    const [batch, queries, keys] = y.shape;
    const keep = buildKeepMask(y.shape, lens);
    const dx = maskedSoftmaxBackward(y.dataSync() as Float32Array, dy.dataSync() as Float32Array, batch * queries, keys, keep);
    return tf.tensor3d(dx, y.shape, "float32");
  },
};
let kernels: MaskedSoftmaxKernels = hostMaskedSoftmaxKernels;

/** Replaces the forward/backward computations; `null` restores the plain TypeScript loops. */
export function setMaskedSoftmaxKernels(replacement: MaskedSoftmaxKernels | null): void {
  kernels = replacement ?? hostMaskedSoftmaxKernels;
}

/** The kernels currently in use. */
export function getMaskedSoftmaxKernels(): MaskedSoftmaxKernels {
  return kernels;
}

/** What valid lengths for scores of `batch` examples and `queries` queries may be, for messages. */
const validLensShapes = (batch: number, queries: number): string => `1-D (batch = ${batch}) or 2-D (batch = ${batch}, queries = ${queries})`;

/** Valid lengths or a mask, checked against the scores' shape `(batch, queries, keys)`. */
export type ResolvedValidLens =
  | { kind: "none" }
  | { kind: "mask"; mask: AttentionMask }
  | { kind: "lengths"; values: Float64Array; perQuery: boolean };

/**
 * Checks `validLens` against scores of shape `(batch, queries, keys)`: 1-D `(batch)`, 2-D
 * `(batch, queries)` integers >= 0, or a broadcastable AttentionMask. `fn` names the caller,
 * `scoresName` what the shape belongs to.
 */
export function resolveValidLens(
  fn: string,
  xShape: readonly number[],
  validLens: ValidLens | null | undefined,
  scoresName = "X",
): ResolvedValidLens {
  if (validLens === undefined || validLens === null) return { kind: "none" };
  const [batch, queries, keys] = xShape;
  if (validLens instanceof AttentionMask) {
    if (!validLens.broadcastsTo(batch, queries, keys)) {
      fail(
        fn,
        "validLens",
        `an AttentionMask broadcastable to ${scoresName} of shape (batch, queries, keys) = ${formatShape(xShape)}`,
        `a mask of shape ${formatShape(validLens.shape)}`,
      );
    }
    return { kind: "mask", mask: validLens };
  }
  if (!(validLens instanceof tf.Tensor) && !Array.isArray(validLens)) {
    fail(fn, "validLens", `${validLensShapes(batch, queries)} lengths, or an AttentionMask`, describe(validLens));
  }
  const { values, shape } = readLengths(fn, validLens);
  const perExample = shape.length === 1 && shape[0] === batch;
  const perQuery = shape.length === 2 && shape[0] === batch && shape[1] === queries;
  if (!perExample && !perQuery) {
    fail(fn, "validLens", `${validLensShapes(batch, queries)} for ${scoresName} of shape ${formatShape(xShape)}`, `shape ${formatShape(shape)}`);
  }
  return { kind: "lengths", values, perQuery };
}

/**
 * Keep flags of shape (batch, queries, keys), or null when nothing is masked. Valid lengths
 * follow the book: key j is kept when j < length.
 */
export function buildKeepMask(xShape: readonly number[], resolved: ResolvedValidLens): Uint8Array | null {
  const [batch, queries, keys] = xShape;
  if (resolved.kind === "none") return null;
  if (resolved.kind === "mask") return resolved.mask.expand(batch, queries, keys);
  const keep = new Uint8Array(batch * queries * keys);
  for (let b = 0; b < batch; b++) {
    for (let q = 0; q < queries; q++) {
      const length = resolved.perQuery ? resolved.values[b * queries + q] : resolved.values[b];
      const row = (b * queries + q) * keys;
      keep.fill(1, row, row + Math.min(length, keys));
    }
  }
  return keep;
}

/** Options of `maskedSoftmax`. */
export interface MaskedSoftmaxOptions {
  /**
   * What masked scores become before the softmax: the book's `-1e6` by default. `-Infinity`
   * masks exactly, whatever the scores (see `maskedSoftmax`). Any number but NaN and +Infinity.
   */
  maskValue?: number;
}

/** The checked `maskValue` of `options`. */
function maskValueOf(fn: string, options: MaskedSoftmaxOptions | undefined): number {
  const value = options?.maskValue ?? MASK_VALUE;
  if (typeof value !== "number" || Number.isNaN(value) || value === Infinity) {
    fail(fn, "options.maskValue", "a number, e.g. the book's -1e6 (default) or -Infinity for exact masking", describe(value));
  }
  return value;
}

/**
 * The book's `masked_softmax(X, valid_lens)` (section 11.3): softmax over the last axis of
 * `X` `(batch, queries, keys)`, where scores at or past the valid length are replaced by -1e6
 * first. `validLens`: absent → plain softmax; `(batch)` → one length per example; `(batch,
 * queries)` → one per query; or an `AttentionMask`. A valid length of 0 gives a uniform row,
 * lengths past `keys` mask nothing. `X` is not modified. Differentiable with respect to `X`.
 *
 * **The book's −1e6 is a limit, kept here for parity.** A masked score becomes −1e6, not −∞, so
 * masking is exact only while the valid scores are well above −1e6 (in float32, more than about
 * 100 above it). When every valid score of a row is that low, the padding takes the weight:
 * `maskedSoftmax([[[-2e6, -2e6, 0, 0]]], [2])` gives `[0, 0, 0.5, 0.5]`, as the book's code
 * does. Pass `{ maskValue: -Infinity }` to mask exactly whatever the scores: the same call then
 * gives `[0.5, 0.5, 0, 0]`. A row without any valid key stays uniform either way, as with length 0.
 * @throws D2lArgumentError naming `X`, `validLens` or `options.maskValue` and what was expected
 */
export function maskedSoftmax(X: tf.Tensor, validLens?: ValidLens | null, options?: MaskedSoftmaxOptions): tf.Tensor3D {
  const x = expectRank("maskedSoftmax", "X", X, 3, "(batch, queries, keys)") as tf.Tensor3D;
  const maskValue = maskValueOf("maskedSoftmax", options);
  return maskedSoftmaxResolved(x, resolveValidLens("maskedSoftmax", x.shape, validLens), maskValue);
}

/**
 * The masked softmax for lengths already checked by `resolveValidLens` (used by the layers).
 * A `maskValue` other than the book's runs the plain TypeScript forward (the replaceable
 * kernels implement the book's value only).
 */
export function maskedSoftmaxResolved(x: tf.Tensor3D, resolved: ResolvedValidLens, maskValue: number = MASK_VALUE): tf.Tensor3D {
  // customGrad's callback receives (...inputs, save); this op has one input.
  const op = tf.customGrad(((input: tf.Tensor3D, save: tf.GradSaveFunc) => {
    const used = kernels; // forward and backward of one call come from the same pair
    const y = maskValue === MASK_VALUE ? used.forward(input, resolved) : hostForward(input, resolved, maskValue);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => used.backward(saved[0] as tf.Tensor3D, dy as tf.Tensor3D, resolved),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor3D;
}
