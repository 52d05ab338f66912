import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { seed } from "../ops/random";
import { Embedding } from "./embedding";

describe("Embedding (nn.Embedding)", () => {
  it("replaces each id by its row of weight, for ids of any shape", () => {
    const emb = new Embedding(4, 2);
    emb.setWeights([[0, 1], [2, 3], [4, 5], [6, 7]]);
    const ids = tf.tensor2d([[3, 0], [1, 1]], undefined, "int32");
    const out = emb.forward(ids);
    expect(out.shape).toEqual([2, 2, 2]);
    expect(out.arraySync()).toEqual([[[6, 7], [0, 1]], [[2, 3], [2, 3]]]);
    tf.dispose([ids, out]);
    emb.dispose();
  });

  it("sums the gradients of repeated ids into their row; unused rows get 0", () => {
    const emb = new Embedding(3, 2);
    const ids = tf.tensor1d([2, 0, 2], "int32");
    const G = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(emb.forward(ids), G)) as tf.Scalar, [emb.weight]);
    expect(grads[emb.weight.name]!.arraySync()).toEqual([[3, 4], [0, 0], [6, 8]]);
    tf.dispose([ids, G, value, ...Object.values(grads)]);
    emb.dispose();
  });

  it("starts from N(0, 1) and accepts float ids holding integers", () => {
    seed(3);
    const emb = new Embedding(100, 50);
    const m = tf.moments(emb.weight);
    expect(Math.abs(m.mean.dataSync()[0]!)).toBeLessThan(0.05);
    expect(Math.abs(m.variance.dataSync()[0]! - 1)).toBeLessThan(0.05);
    const out = emb.forward(tf.tensor1d([7]));
    expect(out.shape).toEqual([1, 50]);
    tf.dispose([m.mean, m.variance, out]);
    emb.dispose();
  });
});
