import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { unstack } from "./unstack";

describe("unstack (tf.unstack differentiable on an axis of size 1)", () => {
  it.each([
    [[1, 2, 3], 0],
    [[2, 1, 3], 1],
    [[2, 3, 1], -1],
    [[3, 2, 2], 0],
    [[2, 3, 2], 1],
  ])("slices a tensor of shape %j along axis %i as tf.unstack does, with the gradient of a weighted sum", (shape, axis) => {
    tf.tidy(() => {
      const x = tf.randomNormal(shape);
      const a = axis < 0 ? axis + shape.length : axis;
      const n = shape[a];
      const pieces = unstack(x, axis);
      const expected = tf.unstack(x, axis);
      expect(pieces.map((p) => p.shape)).toEqual(expected.map((p) => p.shape));
      pieces.forEach((p, i) => expect(Array.from(p.dataSync())).toEqual(Array.from(expected[i].dataSync())));
      // d/dx Σ_i (i + 1)·Σ piece_i is (i + 1) at every element of slice i
      const grad = tf.grad((t: tf.Tensor) => tf.addN(unstack(t, axis).map((p, i) => tf.sum(tf.mul(p, i + 1)))))(x);
      const weights = tf.range(1, n + 1).reshape(shape.map((_, k) => (k === a ? n : 1)));
      expect(Array.from(grad.dataSync())).toEqual(Array.from(tf.broadcastTo(weights, shape).dataSync()));
    });
  });
});
