import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { Layer, parameter } from "../layers/layer";
import { DataModule } from "./data-module";
import { Module } from "./module";
import { SGD } from "./sgd";
import { TensorLoader } from "./tensor-loader";
import { Trainer } from "./trainer";

class Scale extends Layer {
  a = parameter(() => tf.tensor1d([2]));
  forward(x: tf.Tensor): tf.Tensor {
    return x.mul(this.a);
  }
}

/** A Module that delegates to `net` and uses the default optimizer, as in section 3.2. */
class Wrapped extends Module {
  constructor(lr: number | null) {
    super({ plotTrainPerEpoch: 2 });
    this.net = new Scale();
    this.lr = lr;
    this.board.display = false;
  }
  override loss(yHat: tf.Tensor, y: tf.Tensor): tf.Scalar {
    return tf.mean(tf.square(yHat.sub(y))) as tf.Scalar;
  }
}

class Pairs extends DataModule {
  x = tf.tensor1d([1, 2, 3]);
  y = tf.tensor1d([3, 6, 9]);
  override getDataloader(train: boolean): TensorLoader {
    return this.getTensorloader([this.x, this.y], train);
  }
}

describe("Module (section 3.2)", () => {
  it("forwards to net, collects its parameters and builds SGD from lr by default", () => {
    const m = new Wrapped(0.1);
    const y = m.forward(tf.tensor1d([1, 2]));
    expect(Array.from(y.dataSync())).toEqual([2, 4]);
    expect(m.parameters()).toEqual([(m.net as Scale).a]);
    const opt = m.configureOptimizers() as SGD;
    expect(opt).toBeInstanceOf(SGD);
    expect([opt.lr, opt.params]).toEqual([0.1, [(m.net as Scale).a]]);
    y.dispose();
    m.dispose();
  });

  it("plots at least one point per batch when an epoch has fewer batches than plots", async () => {
    const data = new Pairs(3); // one batch per epoch; the book's trunc(1/2) = 0 would never plot
    const m = new Wrapped(0.05);
    await new Trainer({ maxEpochs: 3 }).fit(m, data);
    expect(m.board.data.get("train_loss")!.map((p) => p.x)).toEqual([0, 1, 2]);
    const losses = m.board.data.get("train_loss")!.map((p) => p.y);
    expect(losses[2]).toBeLessThan(losses[0]); // a = 2 moves towards 3
    expect((m.net as Scale).a.dataSync()[0]).toBeGreaterThan(2);
    m.dispose();
    tf.dispose([data.x, data.y]);
  });

  it("says what is missing when a subclass leaves out a part", () => {
    class Bare extends Module {}
    const bare = new Bare();
    const x = tf.tensor1d([1]);
    expect(() => bare.forward(x)).toThrow(/Bare.forward is not defined: define forward\(\.\.\.\) or set net/);
    expect(() => bare.loss(x, x)).toThrow(/Bare.loss\(yHat, y\) is not defined/);
    expect(() => bare.configureOptimizers()).toThrow(/Bare.configureOptimizers: set lr or define configureOptimizers\(\)/);
    expect(() => new Wrapped(0.1).plot("loss", 1, true)).toThrow(/Wrapped.plot: the module has no trainer/);
    expect(() => new Wrapped(0.1).trainingStep([x])).toThrow(
      /Wrapped.trainingStep: batch must be an array of at least 2 tensors \(inputs\.\.\., target\); got an array of 1/,
    );
    expect(() => new Bare({ plotTrainPerEpoch: 0 })).toThrow(/Module: plotTrainPerEpoch must be an integer >= 1; got 0/);
    x.dispose();
  });
});
