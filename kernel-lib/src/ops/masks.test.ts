import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { maskedSoftmax } from "./masked-softmax";
import { AttentionMask, causalMask, paddingMask, repeatValidLens } from "./masks";
import { randn, seed } from "./random";

describe("attention masks (sections 11.6, 11.7)", () => {
  it("paddingMask is the same as 1-D valid lengths", () => {
    seed(0);
    const X = randn([3, 4, 6]) as tf.Tensor3D;
    const lens = [2, 0, 6];
    const mask = paddingMask(lens, 6);
    expect(mask.shape).toEqual([3, 1, 6]);
    expect(maskedSoftmax(X, mask).arraySync()).toEqual(maskedSoftmax(X, lens).arraySync());
    expect(maskedSoftmax(X, paddingMask(tf.tensor1d(lens, "int32"), 6)).arraySync()).toEqual(
      maskedSoftmax(X, lens).arraySync(),
    );
  });

  it("causalMask is the same as 2-D valid lengths [1, 2, …, n] for every example", () => {
    seed(1);
    const X = randn([2, 5, 5]) as tf.Tensor3D;
    const mask = causalMask(5);
    expect(mask.shape).toEqual([1, 5, 5]);
    expect(mask.toTensor().arraySync()[0][2]).toEqual([1, 1, 1, 0, 0]);
    const lens = [0, 1].map(() => [1, 2, 3, 4, 5]);
    expect(maskedSoftmax(X, mask).arraySync()).toEqual(maskedSoftmax(X, lens).arraySync());
  });

  it("and() combines a causal and a padding mask by broadcasting", () => {
    const both = causalMask(3, 4).and(paddingMask([2, 4], 4));
    expect(both.shape).toEqual([2, 3, 4]);
    // tfjs reads bool tensors back as 0/1.
    expect(both.toTensor().arraySync()).toEqual([
      [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]],
      [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]],
    ]);
    expect(() => causalMask(3, 4).and(paddingMask([1], 5))).toThrow(
      "AttentionMask.and: other must be a mask broadcastable with shape [1,3,4]; got shape [1,1,5]",
    );
  });

  it("refuses a mask that does not broadcast to the scores", () => {
    expect(() => maskedSoftmax(tf.zeros([2, 3, 4]), causalMask(3))).toThrow(
      "maskedSoftmax: validLens must be an AttentionMask broadcastable to X of shape (batch, queries, keys) = [2,3,4]; got a mask of shape [1,3,3]",
    );
    expect(() => new AttentionMask([1, 2, 2], [1, 0, 1])).toThrow(/keep must be 4 flags/);
    expect(() => new AttentionMask([1, 2, 2], new Uint8Array(3))).toThrow(
      "AttentionMask: keep must be 4 flags for shape [1,2,2]; got a Uint8Array of length 3",
    );
  });

  it("repeats lengths and masks per head like torch.repeat_interleave", () => {
    expect(repeatValidLens("f", [2, 3], 2)).toEqual([2, 2, 3, 3]);
    expect(repeatValidLens("f", tf.tensor2d([[1, 2], [3, 4]]), 2)).toEqual([[1, 2], [1, 2], [3, 4], [3, 4]]);
    const m = paddingMask([1, 2], 2).repeatInterleave(2) as AttentionMask;
    expect(m.shape).toEqual([4, 1, 2]);
    expect(Array.from(m.keep)).toEqual([1, 0, 1, 0, 1, 1, 1, 1]);
    expect(causalMask(2).repeatInterleave(3).shape).toEqual([1, 2, 2]);
  });
});
