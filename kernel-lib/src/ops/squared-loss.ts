/**
 * The squared loss of section 3.1.1, averaged over the examples: the loss of the book's linear
 * regression (`LinearRegressionScratch.loss`, section 3.4) and of 11.2's `NWKernelRegression`.
 *
 * Built from tfjs ops it is a chain of ~6 kernels forward and ~10 backward, each costing tfjs's
 * per-op bookkeeping; on a minibatch of 10 that is most of 11.2's training step. The fast CPU
 * kernels compute it as one kernel each way (`setSquaredLossKernel`).
 */
import { tf } from "../tf";
import { expectTensor, fail, formatShape } from "./check";

/**
 * A replacement for `squaredLoss`'s chain of ops: float32 `yHat` and `y` of the same size →
 * the scalar loss, differentiable with respect to both, or null to use the ops.
 */
export type SquaredLossKernel = (yHat: tf.Tensor, y: tf.Tensor) => tf.Scalar | null;

let kernel: SquaredLossKernel | null = null;

export function setSquaredLossKernel(replacement: SquaredLossKernel | null): void {
  kernel = replacement;
}

/**
 * Section 3.1.1's squared loss `½(ŷ − y)²`, averaged over the examples (the book's
 * `((y_hat - y) ** 2 / 2).mean()`): a scalar. `yHat` and `y` may differ in shape (e.g. `(n)` and
 * `(n, 1)`) but must hold the same number of elements, compared in row-major order.
 * Differentiable with respect to both. `NaN` in either propagates to the loss. Throws a
 * `D2lArgumentError` naming both shapes when the sizes differ.
 */
export function squaredLoss(yHat: tf.Tensor, y: tf.Tensor): tf.Scalar {
  const fn = "squaredLoss";
  const prediction = expectTensor(fn, "yHat", yHat);
  const target = expectTensor(fn, "y", y);
  if (prediction.size !== target.size) {
    fail(fn, "y", `of size ${prediction.size}, as yHat of shape ${formatShape(prediction.shape)}`, `shape ${formatShape(target.shape)}`);
  }
  const fused = prediction.dtype === "float32" && target.dtype === "float32" ? kernel?.(prediction, target) : null;
  if (fused) return fused;
  return tf.tidy(() => tf.mean(tf.square(prediction.reshape([-1]).sub(target.reshape([-1]))).div(2)) as tf.Scalar);
}
