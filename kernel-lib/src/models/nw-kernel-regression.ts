/**
 * Parametric attention pooling (section 11.2): Nadaraya-Watson regression with a learnable
 * width `w`, trained by `Trainer` like any `Module`.
 */
import { tf } from "../tf";
import { expectFinite, expectMinRank, expectRank, expectSameDim, fail, formatShape } from "../ops/check";
import { keptFromForward, parameter, replaceKept } from "../layers/layer";
import { Module } from "../training/module";
import { SGD, type Optimizer } from "../training/sgd";
import { parametricAttentionPool } from "../pooling/parametric-pool";
import { squaredLoss } from "../ops/squared-loss";

/**
 * Section 11.2: the book's `NWKernelRegression(keys, values, lr)`. Every query attends to all
 * `keys` with weights `softmax(-((query - key)·w)²/2)` and averages the `values`; `w` is learnt.
 */
export class NWKernelRegression extends Module {
  /** The learnable width, a `tf.Variable` of shape `[1]` initialised to 1. */
  readonly w: tf.Variable;
  /** The keys `(nKeys)` (the model's own reference to the caller's tensor). */
  readonly keys: tf.Tensor;
  /** The values `(nKeys)`. */
  readonly values: tf.Tensor;
  private lastWeights: tf.Tensor2D | null = null;

  /**
   * @param keys `(nKeys)`, float32 (in the book, the training inputs)
   * @param values `(nKeys)`, float32 (the training outputs)
   * @param lr learning rate of the SGD optimizer
   */
  constructor(keys: tf.Tensor, values: tf.Tensor, lr: number) {
    super();
    const fn = "NWKernelRegression";
    expectRank(fn, "keys", keys, 1, "(nKeys)");
    expectRank(fn, "values", values, 1, "(nKeys)");
    expectSameDim(fn, "keys", keys, 0, "values", values, 0, "length");
    this.lr = expectFinite(fn, "lr", lr);
    // Clones share the data but not the lifetime: disposing the model leaves the caller's tensors.
    this.keys = tf.keep(keys.clone());
    this.values = tf.keep(values.clone());
    this.w = parameter(() => tf.ones([1]));
  }

  /** Weights of the last forward, `(nQueries, nKeys)`; owned by the model. Throws before the first forward. */
  get attentionWeights(): tf.Tensor2D {
    return keptFromForward("NWKernelRegression", "attentionWeights", this.lastWeights);
  }

  /**
   * Section 11.2: predictions for `queries` `(nQueries)`, shape `(nQueries)`; keeps the weights
   * in `attentionWeights`.
   */
  override forward(queries: tf.Tensor): tf.Tensor {
    expectRank("NWKernelRegression.forward", "queries", queries, 1, "(nQueries)");
    return tf.tidy(() => {
      // The book's attention_pool(diff(queries, self.keys) * self.w, self.values).
      const { yHat, attentionWeights } = parametricAttentionPool(queries, this.keys, this.w, this.values);
      this.lastWeights = replaceKept(this.lastWeights, attentionWeights as tf.Tensor2D);
      return yHat;
    });
  }

  /** Section 11.2: the mean of `(ŷ − y)²/2` over the examples. */
  override loss(yHat: tf.Tensor, y: tf.Tensor): tf.Scalar {
    const fn = "NWKernelRegression.loss";
    expectMinRank(fn, "yHat", yHat, 0, "(n)");
    expectMinRank(fn, "y", y, 0, "(n)");
    if (yHat.size !== y.size) {
      fail(fn, "y", `of size = ${yHat.size}, as yHat of shape ${formatShape(yHat.shape)}`, `shape ${formatShape(y.shape)}`);
    }
    return squaredLoss(yHat, y);
  }

  /** Section 11.2: minibatch SGD (section 3.4) on `w` with the model's learning rate. */
  override configureOptimizers(): Optimizer {
    return new SGD([this.w], this.lr as number);
  }
}
