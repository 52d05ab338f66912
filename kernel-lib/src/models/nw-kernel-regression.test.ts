import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { seed } from "../ops/random";
import { Trainer } from "../training/trainer";
import { attentionPool, diff } from "../pooling/attention-pool";
import { NonlinearData } from "./nonlinear-data";
import { NWKernelRegression } from "./nw-kernel-regression";

const keys = [0.2, 0.9, 1.4, 2.3, 3.0, 3.8, 4.4];
const values = [1.1, 2.6, 2.4, 1.7, 0.6, 0.2, 0.9];
const queries = [0.5, 1.7, 2.9, 4.1];
const targets = [1.9, 2.2, 0.5, 0.6];

/** The model's loss at width w, in double precision on the host (the book's equations). */
function hostLoss(w: number): number {
  const sq = queries.map((q, i) => {
    const scores = keys.map((k) => -(((q - k) * w) ** 2) / 2);
    const top = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - top));
    const total = e.reduce((a, b) => a + b, 0);
    const yHat = e.reduce((acc, x, j) => acc + (x / total) * values[j], 0);
    return (yHat - targets[i]) ** 2 / 2;
  });
  return sq.reduce((a, b) => a + b, 0) / sq.length;
}

function lossOn(model: NWKernelRegression, x: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(() => model.loss(model.forward(x), y).dataSync()[0]);
}

describe("NWKernelRegression (section 11.2, parametric)", () => {
  it("starts at w = 1, where it is the nonparametric Gaussian pooling, and keeps the weights", () => {
    const [k, v, q] = [keys, values, queries].map((a) => tf.tensor1d(a));
    const model = new NWKernelRegression(k, v, 0.5);
    expect(model.w.shape).toEqual([1]);
    expect(model.w.dataSync()[0]).toBe(1);
    expect(model.parameters()).toEqual([model.w]);
    expect(() => model.attentionWeights).toThrow("NWKernelRegression.attentionWeights: there is none yet; call forward(...) first");
    const yHat = model.forward(q);
    const plain = attentionPool(diff(q, k), v);
    expect(Array.from(yHat.dataSync())).toEqual(Array.from(plain.yHat.dataSync()));
    expect(model.attentionWeights.shape).toEqual([4, 7]);
    expect(model.attentionWeights.arraySync()).toEqual(plain.attentionWeights.arraySync());
    // A second forward replaces (and frees) the kept weights.
    const first = model.attentionWeights;
    const before = tf.memory().numTensors;
    model.forward(q).dispose();
    expect(first.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // The model owns clones: disposing it leaves the caller's tensors alone.
    model.dispose();
    expect(k.isDisposed || v.isDisposed).toBe(false);
    tf.dispose([k, v, q, yHat, plain.yHat, plain.attentionWeights]);
  });

  it("computes the book's loss and a gradient in w that matches finite differences", () => {
    const [k, v, q, y] = [keys, values, queries, targets].map((a) => tf.tensor1d(a));
    const model = new NWKernelRegression(k, v, 0.5);
    model.w.assign(tf.tensor1d([1.7]));
    expect(lossOn(model, q, y)).toBeCloseTo(hostLoss(1.7), 6);
    const { value, grads } = tf.variableGrads(() => model.loss(model.forward(q), y), [model.w]);
    const autograd = grads[model.w.name].dataSync()[0];
    const h = 1e-4;
    const finiteDifference = (hostLoss(1.7 + h) - hostLoss(1.7 - h)) / (2 * h);
    expect(Math.abs(finiteDifference)).toBeGreaterThan(1e-3); // a real slope, not a flat spot
    expect(autograd).toBeCloseTo(finiteDifference, 4);
    tf.dispose([value, grads[model.w.name], k, v, q, y]);
    model.dispose();
  });

  it("a Trainer step moves w by -lr times the autograd gradient", () => {
    seed(3);
    const data = new NonlinearData(20, 20); // one batch: the whole training set
    const model = new NWKernelRegression(data.xTrain, data.yTrain, 0.7);
    model.board.display = false;
    const { value, grads } = tf.variableGrads(() => model.loss(model.forward(data.xTrain), data.yTrain), [model.w]);
    const g = grads[model.w.name].dataSync()[0];
    tf.dispose([value, grads[model.w.name]]);
    return new Trainer({ maxEpochs: 1 }).fit(model, data).then(() => {
      expect(model.w.dataSync()[0]).toBeCloseTo(1 - 0.7 * g, 5);
      model.dispose();
      data.dispose();
    });
  });

  it("learns w by training on NonlinearData: the loss falls, w grows, no tensor leaks", async () => {
    seed(0);
    const data = new NonlinearData(50, 10);
    const model = new NWKernelRegression(data.xTrain, data.yTrain, 1);
    model.board.display = false;
    const lossBefore = lossOn(model, data.xTrain, data.yTrain);
    const counts: number[] = [];
    class CountingTrainer extends Trainer {
      override async fitEpoch(): Promise<void> {
        await super.fitEpoch();
        counts.push(tf.memory().numTensors);
      }
    }
    await new CountingTrainer({ maxEpochs: 5 }).fit(model, data);
    const w = model.w.dataSync()[0];
    const lossAfter = lossOn(model, data.xTrain, data.yTrain);
    // Every training query is also a key, so sharper attention (larger w) fits the noise better.
    expect(w).toBeGreaterThan(1.5);
    expect(lossAfter).toBeLessThan(0.8 * lossBefore);
    expect(counts).toHaveLength(5);
    expect(new Set(counts).size).toBe(1);
    const trainLoss = model.board.data.get("train_loss")!;
    const valLoss = model.board.data.get("val_loss")!;
    expect(valLoss.map((p) => p.x)).toEqual([1, 2, 3, 4, 5]);
    expect(valLoss[4].y).toBeLessThan(valLoss[0].y);
    expect(trainLoss.length).toBe(12); // 25 batches averaged 2 by 2
    model.dispose();
    data.dispose();
  });

  it("names the argument and the shapes on bad input", () => {
    const [k, v] = [keys, values].map((a) => tf.tensor1d(a));
    const short = tf.tensor1d([1, 2]);
    expect(() => new NWKernelRegression(k, short, 1)).toThrow(
      /NWKernelRegression: values must be of length = 7, as keys of shape \[7\]; got shape \[2\]/,
    );
    expect(() => new NWKernelRegression(k, v, Number.NaN)).toThrow(/NWKernelRegression: lr must be a finite number; got NaN/);
    const model = new NWKernelRegression(k, v, 1);
    const m = tf.zeros([2, 2]);
    expect(() => model.forward(m)).toThrow(/NWKernelRegression.forward: queries must be 1-D \(nQueries\); got shape \[2,2\]/);
    expect(() => model.loss(short, v)).toThrow(/NWKernelRegression.loss: y must be of size = 2, as yHat of shape \[2\]; got shape \[7\]/);
    model.dispose();
    tf.dispose([k, v, short, m]);
  });
});
