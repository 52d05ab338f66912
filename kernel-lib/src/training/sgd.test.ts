import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { SGD } from "./sgd";

describe("SGD (section 3.4)", () => {
  it("applies p ← p − lr·grad from a map of named gradients, leaving parameters without one", () => {
    const a = tf.variable(tf.tensor1d([1, 2, 3]));
    const b = tf.variable(tf.tensor2d([[4, 5]]));
    const opt = new SGD([a, b], 0.5);
    const g = tf.tensor1d([2, -2, 4]);
    const before = tf.memory().numTensors;
    opt.zeroGrad();
    opt.step({ [a.name]: g });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(a.dataSync())).toEqual([0, 3, 1]);
    expect(Array.from(b.dataSync())).toEqual([4, 5]);
    expect(g.isDisposed).toBe(false); // the caller's gradients are not consumed
    tf.dispose([a, b, g]);
  });

  it("accepts gradients as an array in parameter order", () => {
    const a = tf.variable(tf.tensor1d([1]));
    const b = tf.variable(tf.tensor1d([1]));
    const ga = tf.tensor1d([1]);
    new SGD([a, b], 0.25).step([ga, null]);
    expect([a.dataSync()[0], b.dataSync()[0]]).toEqual([0.75, 1]);
    tf.dispose([a, b, ga]);
  });

  it("names the argument and the shapes on bad input", () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const opt = new SGD([a], 0.1);
    const wrong = tf.zeros([3]);
    expect(() => opt.step({ [a.name]: wrong })).toThrow(
      `SGD.step: grads must be of the shapes of their parameters; got shape [3] for parameter ${a.name} of shape [2]`,
    );
    expect(() => opt.step([])).toThrow("SGD.step: grads must be an array of 1 gradients (one per parameter); got 0");
    expect(() => new SGD([a], Number.POSITIVE_INFINITY)).toThrow("SGD: lr must be a finite number; got Infinity");
    expect(() => new SGD([a, wrong as tf.Variable], 0.1)).toThrow(
      "SGD: params must be an array of tf.Variables; got a float32 tensor of shape [3] at position 1",
    );
    tf.dispose([a, wrong]);
  });
});
