/**
 * `Module`: the book's base class of models that a `Trainer` fits (section 3.2).
 */
import { tf } from "../tf";
import { Layer } from "../layers/layer";
import { describe, expectInteger, fail } from "../ops/check";
import { ProgressBoard } from "./progress-board";
import { SGD, type Optimizer } from "./sgd";
import type { Batch } from "./tensor-loader";
import type { Trainer } from "./trainer";

/** Options of `Module` (section 3.2): how many loss points to plot per epoch. */
export interface ModuleOptions {
  /** Training-loss points per epoch (each the mean of its batches); default 2. */
  plotTrainPerEpoch?: number;
  /** Validation-loss points per epoch; default 1. */
  plotValidPerEpoch?: number;
}

/**
 * Section 3.2: the book's `d2l.Module`, a `Layer` that knows its loss, its training and
 * validation steps, its optimizer, and plots its progress on `board`.
 *
 * Subclasses define `loss` and `forward` (or set `net`), and `configureOptimizers` (or set `lr`).
 * A batch is an array of tensors whose last entry is the target: the inputs are passed to
 * `forward`, as in the book's `self(*batch[:-1])`.
 */
export class Module extends Layer {
  /** Training-loss points plotted per epoch. */
  readonly plotTrainPerEpoch: number;
  /** Validation-loss points plotted per epoch. */
  readonly plotValidPerEpoch: number;
  /** The figure of the training progress (section 3.2's `ProgressBoard`). */
  board: ProgressBoard = new ProgressBoard();
  /** Set by `Trainer.fit` (the book's `prepare_model`); `plot` needs it. */
  trainer: Trainer | null = null;
  /** The network `forward` applies when a subclass does not define `forward`. */
  net: Layer | null = null;
  /** Learning rate of the default `configureOptimizers`. */
  lr: number | null = null;

  constructor({ plotTrainPerEpoch = 2, plotValidPerEpoch = 1 }: ModuleOptions = {}) {
    super();
    this.plotTrainPerEpoch = expectInteger("Module", "plotTrainPerEpoch", plotTrainPerEpoch, 1);
    this.plotValidPerEpoch = expectInteger("Module", "plotValidPerEpoch", plotValidPerEpoch, 1);
  }

  /** Section 3.2: the loss of predictions `yHat` against targets `y`, a scalar. Subclasses define it. */
  loss(yHat: tf.Tensor, y: tf.Tensor): tf.Scalar {
    void yHat;
    void y;
    throw new Error(`${this.constructor.name}.loss(yHat, y) is not defined: a Module subclass must define it (section 3.2)`);
  }

  /** Section 3.2: the model's computation; by default `net.forward(X)`. */
  forward(...inputs: tf.Tensor[]): tf.Tensor {
    if (this.net === null) {
      throw new Error(`${this.constructor.name}.forward is not defined: define forward(...) or set net (section 3.2)`);
    }
    return (this.net.forward as (...xs: tf.Tensor[]) => tf.Tensor)(...inputs);
  }

  /**
   * Section 3.2: plots `value` as `train_<key>` or `val_<key>` on `board`. Training points sit
   * at fractional epochs (`trainBatchIdx / numTrainBatches`) and average `numTrainBatches /
   * plotTrainPerEpoch` batches; validation points sit at `epoch + 1`. (The book's averaging
   * count is truncated to an integer; here it is also at least 1, so tiny datasets still plot.)
   * The value, read once from the device here, also goes to `trainer.observeValue` (epoch lines
   * in plain Node, the warning when a loss is not finite).
   */
  plot(key: string, value: tf.Tensor | number, train: boolean): void {
    const trainer = this.trainer;
    if (trainer === null) {
      throw new Error(`${this.constructor.name}.plot: the module has no trainer; plot is called during trainer.fit(model, data) (section 3.2)`);
    }
    this.board.xlabel = "epoch";
    const x = train ? trainer.trainBatchIdx / trainer.numTrainBatches : trainer.epoch + 1;
    const n = train
      ? trainer.numTrainBatches / this.plotTrainPerEpoch
      : trainer.numValBatches / this.plotValidPerEpoch;
    const y = typeof value === "number" ? value : value.dataSync()[0];
    const label = (train ? "train_" : "val_") + key;
    this.board.draw(x, y, label, Math.max(1, Math.trunc(n)));
    // The trainer's epoch lines and non-finite warning reuse this one read of the value.
    trainer.observeValue(label, y);
  }

  /** Inputs and target of a batch, checked. */
  protected splitBatch(fn: string, batch: Batch): { inputs: tf.Tensor[]; target: tf.Tensor } {
    if (!Array.isArray(batch) || batch.length < 2) {
      fail(`${this.constructor.name}.${fn}`, "batch", "an array of at least 2 tensors (inputs..., target)",
        Array.isArray(batch) ? `an array of ${batch.length}` : describe(batch));
    }
    return { inputs: batch.slice(0, -1), target: batch[batch.length - 1] };
  }

  /** Section 3.2: the loss on one training batch, plotted as `train_loss`; returns the scalar. */
  trainingStep(batch: Batch): tf.Scalar {
    const { inputs, target } = this.splitBatch("trainingStep", batch);
    const l = this.loss(this.forward(...inputs), target);
    this.plot("loss", l, true);
    return l;
  }

  /** Section 3.2: the loss on one validation batch, plotted as `val_loss`. */
  validationStep(batch: Batch): void {
    const { inputs, target } = this.splitBatch("validationStep", batch);
    tf.tidy(() => {
      const l = this.loss(this.forward(...inputs), target);
      this.plot("loss", l, false);
    });
  }

  /**
   * Section 3.2: the optimizer `Trainer` uses; by default minibatch SGD (section 3.4) over
   * `parameters()` with learning rate `lr`.
   */
  configureOptimizers(): Optimizer {
    if (this.lr === null) {
      throw new Error(`${this.constructor.name}.configureOptimizers: set lr or define configureOptimizers() (section 3.2)`);
    }
    return new SGD(this.parameters(), this.lr);
  }
}
