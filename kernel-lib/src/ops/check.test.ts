import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { D2lArgumentError, checkLen, checkShape, expectRank, nestedShape } from "./check";

describe("argument checks", () => {
  it("checkShape accepts the exact shape and names both shapes otherwise", () => {
    const t = tf.ones([2, 3, 6]);
    expect(() => checkShape(t, [2, 3, 6])).not.toThrow();
    expect(() => checkShape(t, [2, 6, 3])).toThrow(
      "checkShape: t must be of shape [2,6,3]; got shape [2,3,6]",
    );
    expect(() => checkShape(t, [2, 3])).toThrow(D2lArgumentError);
  });

  it("checkLen reads arrays and a tensor's first dimension", () => {
    expect(() => checkLen([1, 2, 3], 3)).not.toThrow();
    expect(() => checkLen(tf.zeros([4, 2]), 4)).not.toThrow();
    expect(() => checkLen([1, 2], 3)).toThrow("checkLen: a must be of length 3; got length 2");
    expect(() => checkLen(tf.scalar(1), 1)).toThrow(/scalar/);
  });

  it("expectRank names function, argument, expectation and the shape seen", () => {
    expect(() => expectRank("f", "queries", tf.zeros([2, 3]), 3, "(batch, queries, d)")).toThrow(
      "f: queries must be 3-D (batch, queries, d); got shape [2,3]",
    );
    expect(() => expectRank("f", "queries", [[1]], 3, "(batch, queries, d)")).toThrow(
      "f: queries must be a tf.Tensor; got an array of shape [1,1]",
    );
  });

  it("nestedShape recognises ragged arrays", () => {
    expect(nestedShape([[1, 2], [3, 4]])).toEqual([2, 2]);
    expect(nestedShape([[1, 2], [3]])).toBeNull();
    expect(nestedShape([1, "a"])).toBeNull();
  });
});
