import NodeModule from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MimeBundle } from "../figures";
import { setNodeDisplayHandler, type PublishOptions } from "../kernel";
import { tf } from "../tf";
import { parameter } from "../layers/layer";
import { seed } from "../ops/random";
import { DataModule } from "./data-module";
import { Module } from "./module";
import { TensorLoader } from "./tensor-loader";
import { formatValue } from "./epoch-report";
import { Trainer, TrainingRun } from "./trainer";

/** y = X·[2, -3] + 1 (+ noise-free), nTrain training and nVal validation examples. */
class LinearData extends DataModule {
  readonly X: tf.Tensor2D;
  readonly y: tf.Tensor1D;
  constructor(
    readonly nTrain: number,
    readonly nVal: number,
    batchSize: number,
  ) {
    super(batchSize);
    const n = nTrain + nVal;
    this.X = tf.tensor2d(Array.from({ length: n }, (_, i) => [Math.sin(i), Math.cos(3 * i)]));
    this.y = tf.tidy(() => this.X.matMul(tf.tensor2d([[2], [-3]])).add(1).reshape([-1]) as tf.Tensor1D);
  }
  override getDataloader(train: boolean): TensorLoader | null {
    if (!train && this.nVal === 0) return null;
    const rows = Array.from({ length: train ? this.nTrain : this.nVal }, (_, i) => (train ? i : this.nTrain + i));
    return this.getTensorloader([this.X, this.y], train, rows);
  }
  dispose(): void {
    tf.dispose([this.X, this.y]);
  }
}

/** The linear regression of section 3.4, written with the framework classes. */
class LinearRegression extends Module {
  w = parameter(() => tf.zeros([2, 1]));
  b = parameter(() => tf.zeros([1]));
  constructor(lr: number) {
    super();
    this.lr = lr;
    this.board.display = false;
  }
  override forward(X: tf.Tensor): tf.Tensor {
    return X.matMul(this.w).add(this.b);
  }
  override loss(yHat: tf.Tensor, y: tf.Tensor): tf.Scalar {
    return tf.mean(tf.square(yHat.reshape([-1]).sub(y.reshape([-1])))).div(2) as tf.Scalar;
  }
}

/** A one-example dataset: x = the given values, target unused by the probe below. */
class One extends DataModule {
  x: tf.Tensor2D;
  constructor(values: number[]) {
    super(1);
    this.x = tf.tensor2d([values]);
  }
  override getDataloader(train: boolean): TensorLoader | null {
    return train ? this.getTensorloader([this.x, this.x], true) : null;
  }
}

/** Loss = Σ_i x_i · p_i: the gradient with respect to p_i is x_i, known in advance. */
class Probe extends Module {
  ps: tf.Variable[];
  constructor(n: number, lr: number) {
    super();
    this.lr = lr;
    this.board.display = false;
    this.ps = Array.from({ length: n }, () => parameter(() => tf.zeros([1])));
  }
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.concat(this.ps).mul(x.reshape([-1]));
  }
  override loss(yHat: tf.Tensor): tf.Scalar {
    return yHat.sum();
  }
}

describe("Trainer (section 3.2)", () => {
  it("counts epochs and batches like the book and plots train/val losses at the book's x positions", async () => {
    seed(0);
    const data = new LinearData(20, 10, 8);
    const model = new LinearRegression(0.1);
    const trainer = new Trainer({ maxEpochs: 3 });
    await trainer.fit(model, data);
    expect(trainer.model).toBe(model);
    expect(model.trainer).toBe(trainer);
    expect([trainer.numTrainBatches, trainer.numValBatches]).toEqual([3, 2]);
    expect([trainer.epoch, trainer.trainBatchIdx, trainer.valBatchIdx]).toEqual([2, 9, 6]);
    expect(model.board.xlim).toEqual([0, 3]);
    expect(model.board.xlabel).toBe("epoch");
    // 3 batches per epoch, 2 points per epoch: every trunc(3/2) = 1 batch is a point.
    const train = model.board.data.get("train_loss")!;
    expect(train.map((p) => p.x)).toEqual(Array.from({ length: 9 }, (_, k) => k / 3));
    // Validation: one point per epoch at epoch + 1, the mean of its 2 batches.
    expect(model.board.data.get("val_loss")!.map((p) => p.x)).toEqual([1, 2, 3]);
    expect(model.training).toBe(false); // left in eval mode after validation, as the book
    model.dispose();
    data.dispose();
  });

  it("really fits: the loss falls and the parameters approach the truth", async () => {
    seed(1);
    const data = new LinearData(64, 0, 8);
    const model = new LinearRegression(0.5);
    const lossOf = () => tf.tidy(() => model.loss(model.forward(data.X), data.y).dataSync()[0]);
    const before = lossOf();
    await new Trainer({ maxEpochs: 30 }).fit(model, data);
    expect(lossOf()).toBeLessThan(before / 100);
    Array.from(model.w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([2, -3][i], 1));
    expect(model.b.dataSync()[0]).toBeCloseTo(1, 1);
    model.dispose();
    data.dispose();
  });

  it("without validation data: numValBatches 0 and no validation pass", async () => {
    const data = new LinearData(10, 0, 5);
    const model = new LinearRegression(0.1);
    const trainer = new Trainer({ maxEpochs: 2 });
    await trainer.fit(model, data);
    expect([trainer.numValBatches, trainer.valBatchIdx, trainer.trainBatchIdx]).toEqual([0, 0, 4]);
    expect(model.board.data.has("val_loss")).toBe(false);
    expect(model.training).toBe(true);
    model.dispose();
    data.dispose();
  });

  it("keeps tf.memory().numTensors flat across epochs", async () => {
    const data = new LinearData(40, 12, 8);
    const model = new LinearRegression(0.1);
    const counts: number[] = [];
    class Counting extends Trainer {
      override async fitEpoch(): Promise<void> {
        await super.fitEpoch();
        counts.push(tf.memory().numTensors);
      }
    }
    const before = tf.memory().numTensors;
    await new Counting({ maxEpochs: 4, gradientClipVal: 0.01 }).fit(model, data);
    expect(counts).toEqual([before, before, before, before]);
    model.dispose();
    data.dispose();
  });

  it("yields to the event loop while fitting (live figures can be sent)", async () => {
    const data = new LinearData(16, 4, 4);
    const model = new LinearRegression(0.1);
    const events: string[] = [];
    class Logging extends Trainer {
      override async fitEpoch(): Promise<void> {
        await super.fitEpoch();
        events.push(`epoch ${this.epoch}`);
      }
    }
    const done = new Logging({ maxEpochs: 3 }).fit(model, data);
    setImmediate(() => events.push("immediate"));
    await done;
    expect(events).toHaveLength(4);
    expect(events.indexOf("immediate")).toBeLessThan(events.indexOf("epoch 2"));
    model.dispose();
    data.dispose();
  });

  it("creates lazily initialised parameters before the first step, so that step trains them", async () => {
    class LazyRegression extends LinearRegression {
      v: tf.Variable | null = null;
      override forward(X: tf.Tensor): tf.Tensor {
        if (this.v === null) this.v = tf.tidy(() => tf.variable(tf.zeros([X.shape[1]!, 1])));
        return X.matMul(this.v);
      }
    }
    const data = new LinearData(6, 0, 6);
    const model = new LazyRegression(0.5);
    await new Trainer({ maxEpochs: 1 }).fit(model, data);
    // One full-batch step from v = 0: the gradient of mean((Xv - y)²)/2 is -Xᵀy/n.
    const X = data.X.arraySync().slice(0, 6);
    const y = Array.from(data.y.dataSync()).slice(0, 6);
    const expected = [0, 1].map((j) => 0.5 * X.reduce((acc, row, i) => acc + row[j] * y[i], 0) / 6);
    Array.from(model.v!.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(expected[j], 5));
    model.dispose();
    data.dispose();
  });

  it("clipGradients scales by θ/‖g‖ when the global norm exceeds θ and leaves small gradients alone", () => {
    const trainer = new Trainer({ maxEpochs: 1, gradientClipVal: 2.5 });
    const grads = { a: tf.tensor1d([3]), b: tf.tensor1d([0, 4]) };
    const clipped = trainer.clipGradients(2.5, grads);
    expect(Array.from(clipped.a.dataSync())[0]).toBeCloseTo(1.5, 6);
    expect(Array.from(clipped.b.dataSync())).toEqual([0, 2]);
    expect(grads.a.isDisposed && grads.b.isDisposed).toBe(true);
    const before = tf.memory().numTensors;
    const same = trainer.clipGradients(5, clipped);
    expect(same).toBe(clipped);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([clipped.a, clipped.b]);
  });

  it("clips during fit only when gradientClipVal > 0 (global norm over all parameters)", async () => {
    const run = async (clip: number) => {
      const data = new One([3, 4]); // gradients 3 and 4: global norm 5
      const model = new Probe(2, 0.1);
      await new Trainer({ maxEpochs: 1, gradientClipVal: clip }).fit(model, data);
      const out = model.ps.map((p) => p.dataSync()[0]);
      model.dispose();
      data.x.dispose();
      return out;
    };
    const unclipped = await run(0);
    expect(unclipped[0]).toBeCloseTo(-0.3, 6);
    expect(unclipped[1]).toBeCloseTo(-0.4, 6);
    const clipped = await run(1);
    expect(clipped[0]).toBeCloseTo(-0.1 * 0.6, 6);
    expect(clipped[1]).toBeCloseTo(-0.1 * 0.8, 6);
    const loose = await run(10);
    expect(loose).toEqual(unclipped);
  });

  it("names the argument on bad input", async () => {
    expect(() => new Trainer({ maxEpochs: 0 })).toThrow(/Trainer: maxEpochs must be an integer >= 1; got 0/);
    expect(() => new Trainer({ maxEpochs: 1.5 })).toThrow(/Trainer: maxEpochs must be an integer >= 1; got 1.5/);
    expect(() => new Trainer({ maxEpochs: 2, gradientClipVal: -1 })).toThrow(
      /Trainer: gradientClipVal must be a finite number >= 0 \(0: no clipping\); got -1/,
    );
    const data = new One([1]);
    class NoParams extends Probe {
      constructor() {
        super(0, 0.1);
      }
      override forward(x: tf.Tensor): tf.Tensor {
        return x.reshape([-1]);
      }
    }
    await expect(new Trainer({ maxEpochs: 1 }).fit(new NoParams(), data)).rejects.toThrow(
      /Trainer.fit: model must be a Module with trainable parameters; got NoParams without any/,
    );
    class VectorLoss extends Probe {
      override loss(yHat: tf.Tensor): tf.Scalar {
        return yHat as tf.Scalar;
      }
    }
    const before = tf.memory().numTensors;
    await expect(new Trainer({ maxEpochs: 1 }).fit(new VectorLoss(2, 0.1), data)).rejects.toThrow(
      "VectorLoss.trainingStep: loss must be a scalar tensor (trainingStep returns the loss); got a float32 tensor of shape [2]",
    );
    expect(tf.memory().numTensors).toBe(before + 2); // only the two new parameters remain
    class NoData extends DataModule {
      override getDataloader(): null {
        return null;
      }
    }
    await expect(new Trainer({ maxEpochs: 1 }).fit(new Probe(1, 0.1), new NoData(1))).rejects.toThrow(
      "Trainer.fit: data must be a DataModule whose trainDataloader() gives an iterable of batches with a length; got null from trainDataloader()",
    );
    await expect(new Trainer({ maxEpochs: 1 }).fit(new Probe(1, 0.1), {} as DataModule)).rejects.toThrow(
      "Trainer.fit: data must be a d2l.DataModule; got object",
    );
    data.x.dispose();
  });
});

describe("Trainer.fit when training fails (issue 12)", () => {
  /** Linear regression whose loss throws at its `failAt`-th call. */
  class FailsAt extends LinearRegression {
    calls = 0;
    constructor(readonly failAt: number) {
      super(0.1);
    }
    override loss(yHat: tf.Tensor, y: tf.Tensor): tf.Scalar {
      if (++this.calls === this.failAt) throw new RangeError(`loss failed at call ${this.failAt}`);
      return super.loss(yHat, y);
    }
  }

  it("rejects with the error and writes where training stopped on the model's board", async () => {
    const data = new LinearData(20, 0, 5); // 4 batches per epoch
    const model = new FailsAt(7);
    const run = new Trainer({ maxEpochs: 3 }).fit(model, data);
    expect(run).toBeInstanceOf(TrainingRun);
    await expect(run).rejects.toThrow("loss failed at call 7");
    expect(model.board.note).toBe("Training stopped at epoch 2 of 3 (training batch 3 of 4): RangeError: loss failed at call 7");
    data.dispose();
  });

  it("knows whether anyone awaited it; promises derived from it are plain", async () => {
    const data = new LinearData(10, 0, 5);
    const run = new Trainer({ maxEpochs: 1 }).fit(new LinearRegression(0.1), data);
    expect(run.observed).toBe(false);
    const derived = run.then(() => "done");
    expect(run.observed).toBe(true);
    expect(derived).not.toBeInstanceOf(TrainingRun);
    expect(await derived).toBe("done");
    const awaited = new Trainer({ maxEpochs: 1 }).fit(new LinearRegression(0.1), data);
    await awaited;
    expect(awaited.observed).toBe(true);
    data.dispose();
  });
});

describe("Trainer.fit's progress outside a kernel", () => {
  afterEach(() => {
    setNodeDisplayHandler(null);
    vi.restoreAllMocks();
  });

  /** Section 3.4's regression with its board shown, as a model in a script has it. */
  const shownModel = () => {
    const model = new LinearRegression(0.1);
    model.board.display = true;
    return model;
  };
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

  it("prints one line per epoch with the epoch's mean losses, then the board's summary once, complete", async () => {
    seed(0);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const data = new LinearData(20, 10, 8); // 3 training and 2 validation batches per epoch
    const model = shownModel();
    await new Trainer({ maxEpochs: 3 }).fit(model, data);
    const lines = log.mock.calls.map((call) => String(call[0]));
    // Each training point is one batch here (everyN = trunc(3/2) = 1), each validation point
    // the mean of the epoch's 2 batches: the lines must hold the same numbers.
    const train = model.board.data.get("train_loss")!.map((p) => p.y);
    const val = model.board.data.get("val_loss")!.map((p) => p.y);
    expect(lines).toEqual([
      ...[0, 1, 2].map((e) => `epoch ${e + 1}/3: train_loss ${formatValue(mean(train.slice(3 * e, 3 * e + 3)))}, val_loss ${formatValue(val[e])}`),
      "Plot train_loss, val_loss (12 points; x: epoch)",
    ]);
    expect(mean(train.slice(6))).toBeLessThan(mean(train.slice(0, 3)));
    model.dispose();
    data.dispose();
  });

  it("publishes the board once, as a new display, after the last point", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const seen: Array<[MimeBundle, PublishOptions]> = [];
    setNodeDisplayHandler((b, o) => seen.push([b, o]));
    const data = new LinearData(20, 10, 8);
    const model = shownModel();
    await new Trainer({ maxEpochs: 2 }).fit(model, data);
    expect(seen).toHaveLength(1);
    expect(seen[0][1]).toMatchObject({ update: false });
    expect(seen[0][0]).toEqual(model.board.bundle());
    // A second fit of the same model summarises its board again (a new display, not an update).
    await new Trainer({ maxEpochs: 1 }).fit(model, data);
    expect(seen.map(([, o]) => o.update)).toEqual([false, false]);
    expect(seen[1][1].displayId).not.toBe(seen[0][1].displayId);
    model.dispose();
    data.dispose();
  });

  it("rate-limits the lines of long runs (first, every k-th, last epoch)", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const data = new LinearData(4, 0, 4);
    const model = shownModel();
    await new Trainer({ maxEpochs: 45 }).fit(model, data);
    const epochs = log.mock.calls.map((call) => /^epoch (\d+)\/45: train_loss /.exec(String(call[0]))?.[1]).filter((e) => e !== undefined);
    expect(epochs.map(Number)).toEqual([1, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45]);
    expect(log).toHaveBeenCalledTimes(epochs.length + 1);
    model.dispose();
    data.dispose();
  });

  it("prints nothing for a board with display off", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const data = new LinearData(20, 10, 8);
    const model = new LinearRegression(0.1);
    await new Trainer({ maxEpochs: 2 }).fit(model, data);
    expect(log).not.toHaveBeenCalled();
    model.dispose();
    data.dispose();
  });

  it("shows the board with its note once when training fails", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    class FailsSecondEpoch extends LinearRegression {
      calls = 0;
      override loss(yHat: tf.Tensor, y: tf.Tensor): tf.Scalar {
        if (++this.calls === 6) throw new RangeError("no more");
        return super.loss(yHat, y);
      }
    }
    const data = new LinearData(20, 0, 5); // 4 batches, 2 per point
    const model = new FailsSecondEpoch(0.1);
    model.board.display = true;
    await expect(new Trainer({ maxEpochs: 3 }).fit(model, data)).rejects.toThrow("no more");
    const lines = log.mock.calls.map((call) => String(call[0]));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^epoch 1\/3: train_loss \d/);
    expect(lines[1]).toMatch(/^Plot train_loss \(2 points; x: epoch\)\. Note: Training stopped at epoch 2 of 3 \(training batch 2 of 4\): RangeError: no more$/);
    model.dispose();
    data.dispose();
  });
});

describe("Trainer.fit's progress in tslab (unchanged: the live board)", () => {
  const g = globalThis as Record<string, unknown>;
  const cache = (NodeModule as unknown as { _cache: Record<string, { exports: unknown }> })._cache;
  const FAKE_KEY = "/tmp/fake/node_modules/tslab/dist/jupyter.js";
  afterEach(() => {
    delete g.__tslab__;
    delete cache[FAKE_KEY];
    vi.restoreAllMocks();
  });

  it("shows one display, updates it in place with every averaged point and prints no epoch lines", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const calls: Array<[string | undefined, boolean]> = [];
    g.__tslab__ = {};
    cache[FAKE_KEY] = {
      exports: { lastWriteDisplayData: (m: { transient: { display_id?: string } }, update: boolean) => calls.push([m.transient.display_id, update]) },
    };
    const data = new LinearData(20, 10, 8);
    const model = new LinearRegression(0.1);
    model.board.display = true;
    await new Trainer({ maxEpochs: 3 }).fit(model, data);
    expect(calls).toHaveLength(12); // 9 training + 3 validation points
    expect(calls.map(([, update]) => update)).toEqual([false, ...Array<boolean>(11).fill(true)]);
    expect(new Set(calls.map(([id]) => id)).size).toBe(1);
    expect(log).not.toHaveBeenCalled();
    model.dispose();
    data.dispose();
  });
});

describe("Trainer.fit when a loss is not finite (no silent NaN)", () => {
  afterEach(() => vi.restoreAllMocks());

  /** Linear regression whose loss is NaN from its `from`-th call in `mode`. */
  class GoesNaN extends LinearRegression {
    calls = 0;
    constructor(readonly from: number, readonly mode: "training" | "validation") {
      super(0.1);
    }
    override loss(yHat: tf.Tensor, y: tf.Tensor): tf.Scalar {
      const l = super.loss(yHat, y);
      if (this.training !== (this.mode === "training") || ++this.calls < this.from) return l;
      return l.mul(Number.NaN) as tf.Scalar;
    }
  }

  it("warns once, on stderr and on the board, where the training loss first became NaN; training goes on", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const data = new LinearData(20, 10, 5); // 4 training, 2 validation batches per epoch
    const model = new GoesNaN(7, "training");
    const trainer = new Trainer({ maxEpochs: 3 });
    await trainer.fit(model, data);
    expect(trainer.trainBatchIdx).toBe(12); // every step ran
    const message =
      "train_loss became NaN at epoch 2 of 3 (training batch 3 of 4); training goes on. Try a smaller learning rate, " +
      "gradient clipping (new d2l.Trainer({ maxEpochs, gradientClipVal: 1 })), or check the inputs for NaN or Infinity.";
    expect(warn.mock.calls).toEqual([[`d2l-ts warning: ${message}`]]);
    expect(model.board.note).toBe(message);
    model.dispose();
    data.dispose();
  });

  it("names a validation loss that is not finite, once per run", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const data = new LinearData(20, 10, 5);
    const model = new GoesNaN(2, "validation");
    await new Trainer({ maxEpochs: 2 }).fit(model, data);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^d2l-ts warning: val_loss became NaN at epoch 1 of 2 \(validation batch 2 of 2\); training goes on\./);
    await new Trainer({ maxEpochs: 1 }).fit(model, data);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[1][0])).toMatch(/val_loss became NaN at epoch 1 of 1 \(validation batch 1 of 2\)/);
    model.dispose();
    data.dispose();
  });

  it("stays quiet while every loss is finite, and about values plotted outside fit", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const data = new LinearData(20, 10, 5);
    const model = new LinearRegression(0.1);
    const trainer = new Trainer({ maxEpochs: 2 });
    await trainer.fit(model, data);
    model.plot("loss", Number.NaN, true);
    expect(warn).not.toHaveBeenCalled();
    expect(model.board.note).toBeNull();
    model.dispose();
    data.dispose();
  });
});
