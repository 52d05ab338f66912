import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { crossEntropy } from "../ops/cross-entropy";
import { Classifier } from "./classifier";

describe("Classifier (sections 4.3, 4.5) and crossEntropy", () => {
  const logits = () => tf.tensor3d([[[2, 0, 0], [0, 1, 0]], [[0, 0, 3], [1, 1, 0]]]);
  const labels = () => tf.tensor2d([[0, 2], [2, 1]], undefined, "int32");

  it("loss is the mean cross-entropy of the flattened predictions; per label when not averaged", () => {
    const c = new Classifier();
    const [X, y] = [logits(), labels()];
    const perLabel = Array.from(c.loss(X, y, false).dataSync());
    const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    const want = [lse([2, 0, 0]) - 2, lse([0, 1, 0]) - 0, lse([0, 0, 3]) - 3, lse([1, 1, 0]) - 1];
    perLabel.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    expect(c.loss(X, y).dataSync()[0]).toBeCloseTo(want.reduce((a, b) => a + b) / 4, 6);
    // accuracy: rows 0 and 2 are right; row 3's largest logit is a tie that argmax gives to class 0
    expect(c.accuracy(X, y).dataSync()[0]).toBeCloseTo(0.5, 6);
    tf.dispose([X, y]);
  });

  it("crossEntropy's reductions and its gradient softmax − one-hot", () => {
    const z = tf.tensor2d([[1, 2, 3]]);
    expect(crossEntropy(z, [2], "sum").dataSync()[0]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3, 6);
    const grad = tf.grad((x: tf.Tensor) => crossEntropy(x, [2]))(z);
    const e = [1, 2, 3].map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    Array.from(grad.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(e[i]! / s - (i === 2 ? 1 : 0), 6));
    expect(() => crossEntropy(z, [3])).toThrow("crossEntropy: labels must be class indices in [0, 3); got 3 at position 0");
    tf.dispose([z, grad]);
  });
});
