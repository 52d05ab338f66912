/**
 * Nonparametric attention pooling (section 11.2): Nadaraya-Watson regression with any kernel.
 */
import { tf } from "../tf";
import { describe, expectSameDim, expectRank, fail, formatShape } from "../ops/check";
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
 *   column summing to 1 (the layout of the book's code). A query no key reaches (possible with
 *   compact kernels such as `boxcar`) gets a column of NaN, as in the book.
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
    const k = kernel(dists);
    if (!(k instanceof tf.Tensor) || k.shape.join() !== dists.shape.join()) {
      fail(fn, "kernel", `a function returning a tensor of the distances' shape ${formatShape(dists.shape)}`, describe(k));
    }
    const kFloat = k.dtype === "float32" ? k : k.cast("float32");
    // Normalise over the keys (axis 0), so each query's weights form a distribution.
    const weights = kFloat.div(kFloat.sum(0));
    const predictions = values.reshape([1, -1]).matMul(weights).reshape([-1]);
    return [predictions, weights];
  });
  return { yHat, attentionWeights };
}
