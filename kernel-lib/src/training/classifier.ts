/**
 * `Classifier`: the book's base class of classification models (sections 4.3 and 4.5), the base of
 * `EncoderDecoder` (section 10.6).
 */
import { tf } from "../tf";
import { crossEntropy } from "../ops/cross-entropy";
import { expectMinRank, expectTensor, fail, formatShape } from "../ops/check";
import { Module } from "./module";
import type { Batch } from "./tensor-loader";

/** Logits `(..., classes)` flattened to `(N, classes)` and labels `(...)` to `(N)`, checked to match. */
function flatten(fn: string, yHat: unknown, y: unknown): { logits: tf.Tensor2D; labels: tf.Tensor1D } {
  const logits = expectMinRank(fn, "yHat", yHat, 1, "(..., classes)");
  const labels = expectTensor(fn, "y", y);
  const classes = logits.shape[logits.rank - 1];
  if (labels.size * classes !== logits.size) {
    fail(fn, "y", `one label per row of yHat of shape ${formatShape(logits.shape)} (${logits.size / Math.max(classes, 1)} labels)`, `shape ${formatShape(labels.shape)}`);
  }
  return { logits: logits.reshape([-1, classes]), labels: labels.reshape([-1]) };
}

/**
 * Section 4.3: the book's `d2l.Classifier`, a `Module` whose `validationStep` plots the loss and
 * the accuracy. `loss` is section 4.5's mean cross-entropy over the flattened predictions.
 */
export class Classifier extends Module {
  /**
   * Section 4.5: cross-entropy of `yHat` `(..., classes)` (logits) against integer labels `y`
   * `(...)`, both flattened: the mean (a scalar) when `averaged`, else one loss per label `(N)`.
   */
  override loss(yHat: tf.Tensor, y: tf.Tensor, averaged = true): tf.Scalar {
    const fn = `${this.constructor.name}.loss`;
    return tf.tidy(() => {
      const { logits, labels } = flatten(fn, yHat, y);
      return crossEntropy(logits, labels, averaged ? "mean" : "none") as tf.Scalar;
    });
  }

  /**
   * Section 4.3: the fraction of rows of `yHat` `(..., classes)` whose largest logit is at the
   * label `y` `(...)`: a scalar when `averaged`, else one 0/1 per label (float32).
   */
  accuracy(yHat: tf.Tensor, y: tf.Tensor, averaged = true): tf.Tensor {
    const fn = `${this.constructor.name}.accuracy`;
    return tf.tidy(() => {
      const { logits, labels } = flatten(fn, yHat, y);
      const compare = tf.equal(tf.argMax(logits, 1), labels.cast("int32")).cast("float32");
      return averaged ? compare.mean() : compare;
    });
  }

  /** Section 4.3: plots `val_loss` and `val_acc` of one validation batch. */
  override validationStep(batch: Batch): void {
    const { inputs, target } = this.splitBatch("validationStep", batch);
    tf.tidy(() => {
      const yHat = this.forward(...inputs);
      this.plot("loss", this.loss(yHat, target), false);
      this.plot("acc", this.accuracy(yHat, target), false);
    });
  }
}
