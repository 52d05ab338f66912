/**
 * Nonparametric attention pooling (section 11.2): Nadaraya-Watson regression with any kernel.
 */
import { tf } from "../tf";
import { D2lArgumentError, describe, expectSameDim, expectRank, fail, formatShape } from "../ops/check";
import type { Kernel } from "./kernels";

/** What attention pooling returns (section 11.2): the predictions and the weights that produced them. */
export interface PoolingResult {
  /** Predictions, one per query. */
  yHat: tf.Tensor;
  /** Attention weights; which axis holds the queries depends on the function (see its doc). */
  attentionWeights: tf.Tensor;
}

/**
 * Section 11.2: Nadaraya-Watson kernel regression. Each validation input is a query, each
 * training input a key with its training output as value; a query's prediction is the average
 * of the values weighted by `kernel(xTrain - xVal)`, normalised over the keys.
 *
 * @param xTrain keys `(nTrain)`, float32
 * @param yTrain values `(nTrain)`, float32
 * @param xVal queries `(nVal)`, float32
 * @param kernel e.g. `gaussian`, `boxcar`, `constant`, `epanechikov`, `gaussianWithWidth(σ)`
 * @returns `yHat` `(nVal)` and `attentionWeights` `(nTrain, nVal)`: one column per query, each
 *   column summing to 1 (the layout of the book's code).
 *
 * Numerically, unlike the book's `k / k.sum(0)`: a kernel with a `logKernel` (`gaussian`,
 * `gaussianWithWidth`, `withWidth` of them) is pooled as the softmax of its log over the keys,
 * the same weights without underflow, so a query far from every key gets the limit of its
 * weights (all of it on the nearest key) where the book gets 0/0 = NaN. A query that no key
 * reaches with a bounded kernel (`boxcar`, `epanechikov`, or any kernel that is 0 at every key)
 * throws a `NoKeyInReachError` naming the query, its nearest key and a width that reaches it.
 * @throws D2lArgumentError for bad arguments; NoKeyInReachError as above.
 */
export function nadarayaWatson(
  xTrain: tf.Tensor,
  yTrain: tf.Tensor,
  xVal: tf.Tensor,
  kernel: Kernel,
): PoolingResult {
  const fn = "nadarayaWatson";
  const keys = expectRank(fn, "xTrain", xTrain, 1, "(nTrain)");
  const values = expectRank(fn, "yTrain", yTrain, 1, "(nTrain)");
  const queries = expectRank(fn, "xVal", xVal, 1, "(nVal)");
  expectSameDim(fn, "xTrain", keys, 0, "yTrain", values, 0, "length");
  if (typeof kernel !== "function") fail(fn, "kernel", "a function of a tensor (a kernel)", describe(kernel));

  const [yHat, attentionWeights] = tf.tidy(() => {
    const dists = keys.reshape([-1, 1]).sub(queries.reshape([1, -1]));
    const weights = kernel.logKernel === undefined ? normalised(kernel, dists, keys, queries) : softmaxOverKeys(kernel.logKernel, dists);
    const predictions = values.reshape([1, -1]).matMul(weights).reshape([-1]);
    return [predictions, weights];
  });
  return { yHat, attentionWeights };
}

/** A kernel's output as float32, checked to have the distances' shape. */
function kernelValues(what: string, f: (x: tf.Tensor) => tf.Tensor, dists: tf.Tensor): tf.Tensor {
  const k = f(dists);
  if (!(k instanceof tf.Tensor) || k.shape.join() !== dists.shape.join()) {
    fail("nadarayaWatson", what, `a function returning a tensor of the distances' shape ${formatShape(dists.shape)}`, describe(k));
  }
  return k.dtype === "float32" ? k : k.cast("float32");
}

/** Weights from the kernel's log: a softmax over the keys (axis 0), exact where exp underflows. */
function softmaxOverKeys(logKernel: (x: tf.Tensor) => tf.Tensor, dists: tf.Tensor): tf.Tensor {
  return tf.softmax(kernelValues("kernel.logKernel", logKernel, dists).transpose()).transpose();
}

/** Weights `k / Σ_keys k` (the book's), after checking that every query has a key in reach. */
function normalised(kernel: Kernel, dists: tf.Tensor, keys: tf.Tensor, queries: tf.Tensor): tf.Tensor {
  const k = kernelValues("kernel", kernel, dists);
  const sums = k.sum(0);
  const unreached = Array.from(sums.dataSync()).flatMap((s, j) => (s === 0 ? [j] : []));
  if (unreached.length > 0) throw new NoKeyInReachError(kernel, keys.dataSync(), queries.dataSync(), unreached);
  return k.div(sums);
}

/** A width slightly above `needed`, in two significant digits (for a message). */
function widthAbove(needed: number): number {
  const nice = Number((needed * 1.05).toPrecision(2));
  return nice > needed ? nice : Number((needed * 1.1).toPrecision(3));
}

/**
 * Section 11.2: thrown by `nadarayaWatson` when a query has no key within a bounded kernel's
 * reach, so its weights would be 0/0 (the book's code silently gives NaN there). Names the first
 * such query, its nearest key and a width that would reach it.
 */
export class NoKeyInReachError extends D2lArgumentError {
  /** Indices into `xVal` of every query without a key in reach. */
  readonly queries: number[];
  /** For the first such query: the distance to its nearest key. */
  readonly nearestDistance: number;

  constructor(kernel: Kernel, keys: ArrayLike<number>, queries: ArrayLike<number>, unreached: number[]) {
    const j = unreached[0];
    const q = queries[j];
    let nearest = 0;
    for (let i = 1; i < keys.length; i++) if (Math.abs(keys[i] - q) < Math.abs(keys[nearest] - q)) nearest = i;
    const distance = Math.abs(keys[nearest] - q);
    const name = kernel.kernelName ?? "kernel";
    const more = unreached.length > 1 ? ` (and ${unreached.length - 1} more of the ${queries.length} queries)` : "";
    const reach = kernel.support === undefined ? `${name}(xTrain - xVal) is 0 for every key` : `${name} is 0 unless |xTrain - xVal| < ${kernel.support}`;
    const everywhere = "or use a kernel that is positive everywhere, such as d2l.gaussian";
    const fix =
      kernel.support === undefined || !Number.isFinite(distance)
        ? everywhere.replace(/^or u/, "U")
        : `d2l.withWidth(kernel, w) reaches it for any w > ${distance / kernel.support} ` +
          `(e.g. d2l.withWidth(d2l.${name}, ${widthAbove(distance / kernel.support)})), ${everywhere}`;
    super(
      `nadarayaWatson: no key within reach of query xVal[${j}] = ${q}${more}: ${reach}, and the nearest key, ` +
        `xTrain[${nearest}] = ${keys[nearest]}, is ${distance} away, so its weights would be 0/0 (NaN). ${fix}.`,
    );
    this.name = "NoKeyInReachError";
    this.queries = unreached;
    this.nearestDistance = distance;
  }
}
