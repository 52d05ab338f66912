/**
 * Parity of `maskedSoftmax` (section 11.3) and the attention masks (sections 11.6/11.7, seed 001)
 * with the book's PyTorch code: forward values and the gradient with respect to X, for every kind
 * of valid lengths, on the CPU and WebAssembly backends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { BACKENDS, ParityCase, expectAllOutputsChecked, useBackend } from "./fixture";

const tf = d2l.tf;

type ValidLens = number[] | number[][] | null;

const LENS_CASES = ["none", "1d", "2d", "1d_zero", "2d_zero", "1d_over_length", "2d_over_length"];

/** The gradient of Σ G ⊙ maskedSoftmax(X, validLens) with respect to X (the fixture's dX). */
function gradientOfWeightedSum(X: d2l.tf.Tensor, G: d2l.tf.Tensor, validLens: ValidLens): d2l.tf.Tensor {
  const f = (x: d2l.tf.Tensor) =>
    tf.sum(tf.mul(d2l.maskedSoftmax(x as d2l.tf.Tensor3D, validLens ?? undefined), G));
  return tf.grad(f)(X);
}

describe.each(BACKENDS)("maskedSoftmax matches the book (11.3) on %s", (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe.each(LENS_CASES)("valid lengths %s", (lensName) => {
    const c = new ParityCase(`maskedSoftmax/${lensName}`);
    const validLens = c.arg<ValidLens>("validLens");

    it("forward, with valid lengths as number arrays", () => {
      tf.tidy(() => c.check("Y", d2l.maskedSoftmax(c.input("X") as d2l.tf.Tensor3D, validLens ?? undefined)));
    });

    if (validLens !== null) {
      it("forward, with valid lengths as an int32 tensor", () => {
        tf.tidy(() => {
          const lens = tf.tensor(validLens, undefined, "int32");
          c.check("Y", d2l.maskedSoftmax(c.input("X") as d2l.tf.Tensor3D, lens));
        });
      });
    }

    it("gradient with respect to X (backward of a fixed weighted sum)", () => {
      tf.tidy(() => c.check("dX", gradientOfWeightedSum(c.input("X"), c.input("G"), validLens)));
    });

    it("leaves its input unchanged (the book's version writes -1e6 into it)", () => {
      tf.tidy(() => {
        const X = c.input("X");
        const before = Array.from(X.dataSync());
        d2l.maskedSoftmax(X as d2l.tf.Tensor3D, validLens ?? undefined);
        expect(Array.from(X.dataSync())).toEqual(before);
      });
    });
  });
});

describe.each(BACKENDS)("attention masks match seed 001's causal and padding masks on %s", (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  const c = new ParityCase("masks");
  const numKeys = c.arg<number>("numKeys");
  const validLens = c.arg<number[]>("validLens");
  const [rectQueries, rectKeys] = c.arg<[number, number]>("rectangular");
  const exactly = () => ({ abs: 0, rel: 0 });

  /** Which keys a mask keeps, read through its effect: weights > 0 of a softmax of zeros. */
  function kept(mask: d2l.AttentionMask, shape: [number, number, number]): d2l.tf.Tensor {
    return tf.tidy(() => tf.cast(tf.greater(d2l.maskedSoftmax(tf.zeros(shape) as d2l.tf.Tensor3D, mask), 0), "float32"));
  }

  it("causalMask keeps key j for query i exactly when j <= i (square and rectangular)", () => {
    c.check("causalKeep", kept(d2l.causalMask(numKeys), [1, numKeys, numKeys]), exactly);
    c.check("causalKeepRectangular", kept(d2l.causalMask(rectQueries, rectKeys), [1, rectQueries, rectKeys]), exactly);
  });

  it("paddingMask keeps the first validLens[b] keys; and() combines masks", () => {
    c.check("paddingKeep", kept(d2l.paddingMask(validLens, numKeys), [validLens.length, 1, numKeys]), exactly);
    const both = d2l.causalMask(numKeys).and(d2l.paddingMask(validLens, numKeys));
    c.check("causalAndPaddingKeep", kept(both, [validLens.length, numKeys, numKeys]), exactly);
  });

  it("maskedSoftmax with a mask equals the softmax of scores filled with -1e6 where masked", () => {
    tf.tidy(() => {
      const scores = c.input("scores") as d2l.tf.Tensor3D;
      c.check("softmaxCausal", d2l.maskedSoftmax(scores, d2l.causalMask(numKeys)));
      c.check("softmaxPadding", d2l.maskedSoftmax(scores, d2l.paddingMask(validLens, numKeys)));
      const both = d2l.causalMask(numKeys).and(d2l.paddingMask(validLens, numKeys));
      c.check("softmaxCausalAndPadding", d2l.maskedSoftmax(scores, both));
    });
  });

  it("DotProductAttention takes a mask where it takes valid lengths", () => {
    const attention = new d2l.DotProductAttention(0);
    attention.eval();
    const both = d2l.causalMask(numKeys).and(d2l.paddingMask(validLens, numKeys));
    tf.tidy(() => {
      const output = attention.forward(c.input("queries"), c.input("keys"), c.input("values"), both);
      c.check("dotProductAttentionCausalAndPadding.output", output);
    });
    c.check("dotProductAttentionCausalAndPadding.attentionWeights", attention.attentionWeights);
  });
});

afterAll(() => {
  expectAllOutputsChecked(["maskedSoftmax", "masks"]);
});
