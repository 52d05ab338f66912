/**
 * Parity of the Transformer's building blocks with the book's PyTorch code: PositionalEncoding
 * (section 11.6), PositionWiseFFN and AddNorm (section 11.7), in eval mode, with explicit
 * weights: outputs, and for FFN and AddNorm the gradients of a weighted sum of the output, on the
 * CPU and WebAssembly backends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import type { Tolerance } from "./expect-close";
import {
  BACKENDS,
  ParityCase,
  type Run,
  TOLERANCE,
  checkWeightedSumGradients,
  expectAllOutputsChecked,
  useBackend,
} from "./fixture";

const tf = d2l.tf;

/**
 * Tolerance for sines and cosines of the positional encoding. Its argument pos / 10000^(2i/d)
 * is itself rounded to float32 (the power, the division): an error of a few units in the last
 * place of the argument, up to 4·|arg|·2⁻²⁴, moves sin/cos by as much, and two float32
 * implementations may round it differently. So the absolute part grows with the argument (to
 * 2.4e-4 at pos 999, frequency 1); the relative part is the usual one.
 */
function encodingTolerance(numHiddens: number, seqLen: number): (run: Run) => Tolerance {
  return (run) => ({
    rel: TOLERANCE[run].rel,
    abs: (index: number) => {
      const pos = Math.floor(index / numHiddens) % seqLen;
      const pair = Math.floor((index % numHiddens) / 2);
      const argument = pos / 10000 ** ((2 * pair) / numHiddens);
      return (TOLERANCE[run].abs as number) + 4 * argument * 2 ** -24;
    },
  });
}

describe.each(BACKENDS)("Transformer layers match the book on %s", (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe("PositionalEncoding (11.6)", () => {
    it("P with the default maxLen 1000", () => {
      const c = new ParityCase("PositionalEncoding/default");
      const numHiddens = c.arg<number>("numHiddens");
      const encoding = new d2l.PositionalEncoding(numHiddens, c.arg<number>("dropout"));
      c.check("P", encoding.P, encodingTolerance(numHiddens, c.arg<number>("maxLen")));
    });

    it("P and forward(X) = X + P[:, :steps] with maxLen 60", () => {
      const c = new ParityCase("PositionalEncoding/forward");
      const numHiddens = c.arg<number>("numHiddens");
      const encoding = new d2l.PositionalEncoding(numHiddens, c.arg<number>("dropout"), c.arg<number>("maxLen"));
      encoding.eval();
      c.check("P", encoding.P, encodingTolerance(numHiddens, c.arg<number>("maxLen")));
      tf.tidy(() => {
        const X = c.input("X");
        c.check("output", encoding.forward(X), encodingTolerance(numHiddens, X.shape[1]!));
      });
    });
  });

  it("PositionWiseFFN (11.7) with the fixture's dense1, dense2: output and gradients", () => {
    const c = new ParityCase("PositionWiseFFN");
    // The case must exercise the ReLU: the generator counts the hidden units it cuts.
    expect(c.data.float64["negativeHiddenCount"]).toBeGreaterThan(0);
    const ffn = new d2l.PositionWiseFFN(c.arg<number>("ffnNumHiddens"), c.arg<number>("ffnNumOutputs"));
    ffn.eval();
    const dense1 = c.linear("dense1");
    const dense2 = c.linear("dense2");
    ffn.dense1.setWeights(dense1.weight, dense1.bias);
    ffn.dense2.setWeights(dense2.weight, dense2.bias);
    tf.tidy(() => c.check("output", ffn.forward(c.input("X"))));
    checkWeightedSumGradients(
      c,
      ["X"],
      [
        { name: "dense1.weight", variable: ffn.dense1.weight, layout: "linear" },
        { name: "dense1.bias", variable: ffn.dense1.bias },
        { name: "dense2.weight", variable: ffn.dense2.weight, layout: "linear" },
        { name: "dense2.bias", variable: ffn.dense2.bias },
      ],
      (x) => ffn.forward(x["X"]!),
    );
  });

  describe.each(["last_axis", "two_axes"])("AddNorm (11.7), normalised over %s", (caseName) => {
    it("output = LayerNorm(dropout(Y) + X) with LayerNorm's default weight and bias, and its gradients", () => {
      const c = new ParityCase(`AddNorm/${caseName}`);
      const addNorm = new d2l.AddNorm(c.arg<number | number[]>("normShape"), c.arg<number>("dropout"));
      addNorm.eval();
      tf.tidy(() => c.check("output", addNorm.forward(c.input("X"), c.input("Y"))));
      const parameters = [
        { name: "ln.weight", variable: addNorm.ln.weight },
        { name: "ln.bias", variable: addNorm.ln.bias },
      ];
      checkWeightedSumGradients(c, ["X", "Y"], parameters, (x) => addNorm.forward(x["X"]!, x["Y"]!));
    });
  });
});

afterAll(() => {
  expectAllOutputsChecked(["PositionalEncoding", "PositionWiseFFN", "AddNorm"]);
});
