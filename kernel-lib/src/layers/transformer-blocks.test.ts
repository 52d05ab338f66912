import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { checkShape } from "../ops/check";
import { seed } from "../ops/random";
import { PositionalEncoding, positionalEncodingTable } from "./positional-encoding";
import { AddNorm, PositionWiseFFN } from "./transformer-blocks";

describe("PositionalEncoding (section 11.6)", () => {
  it("fills even columns with sin and odd ones with cos of i / 10000^(2j/d)", () => {
    const P = positionalEncodingTable(8, 60).arraySync()[0];
    for (const [i, j] of [[0, 0], [1, 0], [7, 2], [59, 6], [30, 4]]) {
      const x = i / Math.pow(10000, j / 8);
      expect(P[i][j]).toBeCloseTo(Math.sin(x), 5);
      expect(P[i][j + 1]).toBeCloseTo(Math.cos(x), 5);
    }
    expect(P[0]).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it("adds the first steps rows of P to X in eval mode", () => {
    const pe = new PositionalEncoding(32, 0.5, 100);
    pe.eval();
    checkShape(pe.P, [1, 100, 32]);
    const X = tf.zeros([1, 60, 32]);
    const y = pe.forward(X);
    expect(y.arraySync()).toEqual(pe.P.slice([0, 0, 0], [1, 60, 32]).arraySync());
    expect(pe.parameters()).toEqual([]);
  });
});

describe("PositionWiseFFN and AddNorm (section 11.7)", () => {
  it("give the book's shapes", () => {
    seed(0);
    const ffn = new PositionWiseFFN(4, 8);
    ffn.eval();
    checkShape(ffn.forward(tf.ones([2, 3, 4])), [2, 3, 8]);
    expect(ffn.parameters().map((p) => p.shape)).toEqual([[4, 4], [4], [4, 8], [8]]);
    const addNorm = new AddNorm(4, 0.5);
    addNorm.eval();
    checkShape(addNorm.forward(tf.ones([2, 3, 4]), tf.ones([2, 3, 4])), [2, 3, 4]);
  });

  it("FFN is dense2(relu(dense1(X))) and AddNorm is ln(Y + X) in eval mode", () => {
    const ffn = new PositionWiseFFN(2, 1);
    ffn.dense1.setWeights([[1, -1], [1, 1]], [0, 0]);
    ffn.dense2.setWeights([[1], [10]], [0.5]);
    // X = [1, -2]: dense1 → [-1, -3], relu → [0, 0]; X = [2, 1]: dense1 → [3, -1] → [3, 0].
    expect(ffn.forward(tf.tensor2d([[1, -2], [2, 1]])).arraySync()).toEqual([[0.5], [3.5]]);
    const addNorm = new AddNorm(2, 0.9).eval();
    const out = (addNorm.forward(tf.tensor2d([[0, 0]]), tf.tensor2d([[1, 3]])).arraySync() as number[][])[0];
    expect(out[0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-5), 5);
    expect(out[1]).toBeCloseTo(1 / Math.sqrt(1 + 1e-5), 5);
  });
});
