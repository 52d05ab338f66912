/**
 * `Trainer`: fits a `Module` to a `DataModule` by minibatch gradient steps (section 3.2), with
 * the book's gradient clipping (section 9.5's `clip_gradients`).
 */
import { tf } from "../tf";
import { describe, expectInteger, fail } from "../ops/check";
import { DataModule } from "./data-module";
import { cellStderrWriter, detectKernel, displaysSettled, lateErrorWriter, type LateErrorWriter } from "../kernel";
import { EpochValues, nonFiniteMessage, reportsEpoch } from "./epoch-report";
import { Module } from "./module";
import type { Optimizer } from "./optimizer";
import { TensorLoader, type Batch, type DataLoader } from "./tensor-loader";

/** Options of `Trainer` (section 3.2). */
export interface TrainerOptions {
  /** Passes over the training data, an integer ≥ 1. */
  maxEpochs: number;
  /** Clip the gradients to this global norm when > 0 (section 9.5); default 0: no clipping. */
  gradientClipVal?: number;
}

/** Longest stretch of training between two yields to the event loop (live figures). */
const MAX_MS_WITHOUT_YIELD = 200;

/** Lets queued work run (e.g. a live figure's update reaching the notebook). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}

/** Requires a loader with a number of batches (the book's `len(dataloader)`). */
function checkLoader(method: string, loader: unknown): DataLoader {
  const ok =
    loader !== null &&
    typeof loader === "object" &&
    typeof (loader as Partial<DataLoader>)[Symbol.iterator] === "function" &&
    typeof (loader as Partial<DataLoader>).length === "number";
  if (!ok) {
    fail("Trainer.fit", "data", `a DataModule whose ${method}() gives an iterable of batches with a length`, `${describe(loader)} from ${method}()`);
  }
  return loader as DataLoader;
}

/** The first batch of one pass over `loader`, or null when it has none. */
function firstBatchOf(loader: DataLoader): Batch | null {
  const first = loader[Symbol.iterator]().next();
  return first.done === true ? null : first.value;
}

/**
 * What `Trainer.fit` returns: a promise of the end of training. Awaiting it (or attaching
 * `.then`/`.catch`) observes it; training that fails while nothing observes it reports its
 * error itself (see `Trainer.fit`). Promises derived from it are plain promises.
 */
export class TrainingRun extends Promise<void> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  #observed = false;

  /** Whether anyone has awaited this run or attached a handler to it. */
  get observed(): boolean {
    return this.#observed;
  }

  override then<A = void, B = never>(
    onFulfilled?: ((value: void) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#observed = true;
    return super.then(onFulfilled, onRejected);
  }
}

/** What one `fit` keeps besides the trainer's public counters. */
interface RunState {
  /** The values plotted this epoch (for the epoch lines). */
  readonly epochValues: EpochValues;
  /** Print one line per epoch (plain Node, where the live board is not seen). */
  readonly epochLines: boolean;
  /** Writes the non-finite warning to the stderr of the cell that started training. */
  readonly warn: LateErrorWriter;
  /** Whether a plotted value has been non-finite in this run (warned once). */
  nonFinite: boolean;
}

/** One line for an error: its name and message (the stack goes to the report only). */
function errorLine(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Section 3.2: the book's `d2l.Trainer(max_epochs, gradient_clip_val)`.
 * `await trainer.fit(model, data)` runs `maxEpochs` epochs; each training batch is one gradient
 * step (gradients by autograd, `tf.variableGrads`), then the validation batches are evaluated
 * in `eval()` mode. `fit` is async so that figures can update while it runs.
 */
export class Trainer {
  readonly maxEpochs: number;
  readonly gradientClipVal: number;
  /** The current epoch (0-based; `maxEpochs - 1` after `fit`, as the book's loop variable). */
  epoch = 0;
  /** Training batches done since `fit` started. */
  trainBatchIdx = 0;
  /** Validation batches done since `fit` started. */
  valBatchIdx = 0;
  /** Training batches per epoch. */
  numTrainBatches = 0;
  /** Validation batches per epoch (0 without validation data). */
  numValBatches = 0;
  model: Module | null = null;
  optim: Optimizer | null = null;
  trainDataloader: DataLoader | null = null;
  valDataloader: DataLoader | null = null;
  private lastYield = 0;
  /** Where training is: the batch now running (1-based within its epoch) and its kind. */
  private step: { phase: "training" | "validation"; batch: number } | null = null;
  /** The `fit` under way, or null. */
  private run: RunState | null = null;

  constructor({ maxEpochs, gradientClipVal = 0 }: TrainerOptions) {
    this.maxEpochs = expectInteger("Trainer", "maxEpochs", maxEpochs, 1);
    if (typeof gradientClipVal !== "number" || !Number.isFinite(gradientClipVal) || gradientClipVal < 0) {
      fail("Trainer", "gradientClipVal", "a finite number >= 0 (0: no clipping)", describe(gradientClipVal));
    }
    this.gradientClipVal = gradientClipVal;
  }

  /** Section 3.2: takes the loaders from `data` and counts their batches. */
  prepareData(data: DataModule): void {
    this.trainDataloader = checkLoader("trainDataloader", data.trainDataloader());
    const val = data.valDataloader();
    this.valDataloader = val === null ? null : checkLoader("valDataloader", val);
    this.numTrainBatches = this.trainDataloader.length;
    this.numValBatches = this.valDataloader?.length ?? 0;
  }

  /** Section 3.2: links the model to this trainer and sets its board's epoch axis. */
  prepareModel(model: Module): void {
    model.trainer = this;
    model.board.xlim = [0, this.maxEpochs];
    this.model = model;
  }

  /** Section 3.2: the batch as the model gets it (tfjs has one device: unchanged). */
  prepareBatch(batch: Batch): Batch {
    return batch;
  }

  /**
   * Section 3.2: trains `model` on `data` for `maxEpochs` epochs. Resolves when done; yields to
   * the event loop at least once per epoch so that live figures update meanwhile. Write
   * `await trainer.fit(model, data)`: an error in training then surfaces in that cell.
   *
   * In a kernel the model's board is a live figure, updated in place. In plain Node (a script),
   * where a figure is only summarised in one line, `fit` prints one line per epoch instead
   * (`epoch 3/10: train_loss 0.1234, val_loss 0.2345`, the epoch's mean of each plotted value;
   * every k-th epoch when there are more than 20) and shows the board once, complete, at the end.
   * Nothing is printed when `model.board.display` is false.
   *
   * Training goes on when a loss becomes NaN or ±Infinity (as the book's), but the first time a
   * plotted value is not finite, `fit` says where (epoch, batch, which value) and what usually
   * helps, once per run: as a note on the board and as one line on stderr (in a kernel, the
   * training cell's stderr). The check reads only the value `Module.plot` already reads.
   *
   * If training fails, the model's live board (if shown) says so ("Training stopped at epoch …"),
   * and the returned promise rejects with the error. When nothing awaits it (an un-awaited
   * `trainer.fit(...)` in a notebook), tslab would only print the rejection to whichever cell ran
   * last, where it is easily lost; so in tslab the error is then reported on the stderr of the
   * cell that started training and of the kernel itself, and the kernel carries on.
   */
  fit(model: Module, data: DataModule): TrainingRun {
    const lateErrors = lateErrorWriter();
    let settle!: { resolve: () => void; reject: (error: unknown) => void };
    const run = new TrainingRun((resolve, reject) => (settle = { resolve, reject }));
    // Plain Node shows a new figure's summary once and never its updates: hold the board,
    // print epoch lines, and show the board once training ends.
    const heldBoard = model instanceof Module && model.board.display && detectKernel() === "node" ? model.board : null;
    heldBoard?.holdDisplay();
    this.run = { epochValues: new EpochValues(), epochLines: heldBoard !== null, warn: cellStderrWriter(), nonFinite: false };
    this.train(model, data).then(() => {
      this.run = null;
      heldBoard?.releaseDisplay();
      settle.resolve();
    }, (error: unknown) => {
      this.run = null;
      const where = this.where();
      if (model instanceof Module) model.board.annotate(`Training stopped ${where}: ${errorLine(error)}`);
      heldBoard?.releaseDisplay();
      settle.reject(error);
      if (lateErrors === null) return;
      // Handled here, so tslab does not print it to an unrelated cell; reported below instead,
      // unless whoever started training awaits it (then the error surfaces there).
      Promise.prototype.then.call(run, undefined, () => undefined);
      setTimeout(() => {
        if (run.observed) return;
        const detail = error instanceof Error && error.stack ? error.stack : errorLine(error);
        lateErrors(
          `d2l-ts: training stopped ${where}, and nothing awaited trainer.fit(...) to receive the error:\n${detail}\n` +
            "(write `await trainer.fit(model, data)` to get training errors in the cell that trains)\n",
        );
      }, 0);
    });
    return run;
  }

  /**
   * Called by `Module.plot` with every value it draws (`label` is `train_loss`, `val_loss`, …)
   * during `fit`: collects the epoch's values for the epoch lines and warns, once per run, when
   * one is not finite. Values drawn outside `fit` are ignored.
   */
  observeValue(label: string, value: number): void {
    const run = this.run;
    if (run === null) return;
    run.epochValues.add(label, value);
    if (Number.isFinite(value) || run.nonFinite) return;
    run.nonFinite = true;
    const message = nonFiniteMessage(label, value, this.where());
    this.model?.board.annotate(message);
    run.warn(`d2l-ts warning: ${message}\n`);
  }

  /** Where training is, for messages: `at epoch 2 of 5 (training batch 3 of 10)`. */
  private where(): string {
    if (this.step === null) return "before the first batch";
    const of = this.step.phase === "training" ? this.numTrainBatches : this.numValBatches;
    return `at epoch ${this.epoch + 1} of ${this.maxEpochs} (${this.step.phase} batch ${this.step.batch} of ${of})`;
  }

  /** The body of `fit`. */
  private async train(model: Module, data: DataModule): Promise<void> {
    this.step = null;
    if (!(model instanceof Module)) fail("Trainer.fit", "model", "a d2l.Module", describe(model));
    if (!(data instanceof DataModule)) fail("Trainer.fit", "data", "a d2l.DataModule", describe(data));
    this.prepareData(data);
    this.prepareModel(model);
    this.initializeLazyParameters(model);
    this.optim = model.configureOptimizers();
    this.epoch = 0;
    this.trainBatchIdx = 0;
    this.valBatchIdx = 0;
    this.lastYield = Date.now();
    for (this.epoch = 0; this.epoch < this.maxEpochs; this.epoch++) {
      this.run?.epochValues.clear();
      await this.fitEpoch();
      this.printEpochLine();
    }
    // The book's loop variable ends at the last epoch.
    this.epoch = this.maxEpochs - 1;
    // Deno's kernel may close a cell before a display it was not awaited on: let the board's
    // last update reach the kernel before fit resolves.
    await displaysSettled();
  }

  /**
   * Layers such as `LazyLinear` create their parameters on the first forward, while the
   * optimizer and the gradient need them before the first step (PyTorch materialises lazy
   * parameters in place). One forward in `eval()` mode (no dropout draws) on the first training
   * batch creates them, with the same initialisation draws the first step would make.
   */
  private initializeLazyParameters(model: Module): void {
    const loader = this.trainDataloader;
    if (loader === null || loader.length === 0) return;
    // A TensorLoader shows a batch without drawing an order; another loader makes one pass.
    const batch = loader instanceof TensorLoader ? loader.peek() : firstBatchOf(loader);
    if (batch === null) return;
    const wasTraining = model.training;
    try {
      model.eval();
      tf.tidy(() => {
        model.forward(...this.prepareBatch(batch).slice(0, -1));
      });
    } finally {
      if (wasTraining) model.train();
      tf.dispose(batch);
    }
  }

  /**
   * Section 9.5's `clip_gradients`: when the global norm `√(Σ‖g‖²)` of the gradients exceeds
   * `gradClipVal`, scales every gradient by `gradClipVal / norm`. Returns the (possibly new)
   * gradients and disposes the old ones it replaced.
   */
  clipGradients(gradClipVal: number, grads: tf.NamedTensorMap): tf.NamedTensorMap {
    const names = Object.keys(grads).filter((name) => grads[name] != null);
    if (names.length === 0) return grads;
    const norm = tf.tidy(() => tf.sqrt(tf.addN(names.map((name) => tf.sum(tf.square(grads[name]))))));
    const normValue = norm.dataSync()[0];
    if (!(normValue > gradClipVal)) {
      norm.dispose();
      return grads;
    }
    const clipped: tf.NamedTensorMap = { ...grads };
    tf.tidy(() => {
      const scale = tf.div(gradClipVal, norm);
      for (const name of names) clipped[name] = tf.keep(grads[name].mul(scale));
    });
    norm.dispose();
    for (const name of names) grads[name].dispose();
    return clipped;
  }

  /** Section 3.2: one epoch: a gradient step per training batch, then validation. */
  async fitEpoch(): Promise<void> {
    const model = this.model;
    const optim = this.optim;
    const trainLoader = this.trainDataloader;
    if (model === null || optim === null || trainLoader === null) {
      throw new Error("Trainer.fitEpoch: call fit(model, data), which prepares the model, data and optimizer");
    }
    model.train();
    let batch = 0;
    for (const rawBatch of trainLoader) {
      this.step = { phase: "training", batch: ++batch };
      try {
        this.trainStep(model, optim, this.prepareBatch(rawBatch));
      } finally {
        tf.dispose(rawBatch);
      }
      this.trainBatchIdx += 1;
      await this.maybeYield(false);
    }
    if (this.valDataloader !== null) {
      model.eval();
      batch = 0;
      for (const rawBatch of this.valDataloader) {
        this.step = { phase: "validation", batch: ++batch };
        try {
          model.validationStep(this.prepareBatch(rawBatch));
        } finally {
          tf.dispose(rawBatch);
        }
        this.valBatchIdx += 1;
        await this.maybeYield(false);
      }
    }
    await this.maybeYield(true);
  }

  /** One gradient step on `batch`; every intermediate tensor is freed. */
  private trainStep(model: Module, optim: Optimizer, batch: Batch): void {
    const params = model.parameters();
    if (params.length === 0) {
      fail("Trainer.fit", "model", "a Module with trainable parameters", `${model.constructor.name} without any`);
    }
    let notScalar: string | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const l: unknown = model.trainingStep(batch);
      if (l instanceof tf.Tensor && l.rank === 0) return l as tf.Scalar;
      // Throwing inside the tape would leak the tensors it saved for the backward pass:
      // finish it with a harmless scalar and throw afterwards.
      notScalar = describe(l);
      return tf.addN(params.map((p) => p.sum())).mul(0) as tf.Scalar;
    }, params);
    value.dispose();
    if (notScalar !== null) {
      tf.dispose(Object.values(grads).filter((g): g is tf.Tensor => g != null));
      fail(`${model.constructor.name}.trainingStep`, "loss", "a scalar tensor (trainingStep returns the loss)", notScalar);
    }
    const clipped = this.gradientClipVal > 0 ? this.clipGradients(this.gradientClipVal, grads) : grads;
    optim.zeroGrad();
    optim.step(clipped);
    tf.dispose(Object.values(clipped).filter((g): g is tf.Tensor => g != null));
  }

  /** Plain Node: the line of the epoch just done, if it is one of those reported. */
  private printEpochLine(): void {
    const run = this.run;
    if (run === null || !run.epochLines || !reportsEpoch(this.epoch + 1, this.maxEpochs)) return;
    console.log(run.epochValues.line(this.epoch + 1, this.maxEpochs));
  }

  /** Yields at the end of an epoch, and whenever training has held the event loop for long. */
  private async maybeYield(endOfEpoch: boolean): Promise<void> {
    if (endOfEpoch || Date.now() - this.lastYield >= MAX_MS_WITHOUT_YIELD) {
      await yieldToEventLoop();
      this.lastYield = Date.now();
    }
  }
}
