import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { D2lArgumentError } from "../ops/check";
import { Vocab, compareCodePoints } from "./vocab";

describe("Vocab (section 9.2)", () => {
  const tokens = [["b", "a", "c", "a"], ["<eos>", "a", "b", "!"]];
  const vocab = new Vocab(tokens, 2, ["<pad>"]);

  it("indexes the sorted set of <unk>, the reserved tokens and the tokens seen minFreq times", () => {
    // counts: a 3, b 2, c 1, <eos> 1, ! 1: c, <eos> and ! fall below minFreq 2
    expect(vocab.idxToToken).toEqual(["<pad>", "<unk>", "a", "b"]);
    expect(vocab.length).toBe(4);
    expect(vocab.unk).toBe(1);
    expect(vocab.tokenFreqs).toEqual([["a", 3], ["b", 2], ["c", 1], ["<eos>", 1], ["!", 1]]);
  });

  it("sorts like Python: punctuation before <tags> before letters, astral characters last", () => {
    const v = new Vocab(["z", "!", ".", "é", "<bos>", "a", "'", "😀", "\uFFFD"]);
    expect(v.idxToToken).toEqual(["!", "'", ".", "<bos>", "<unk>", "a", "z", "é", "\uFFFD", "😀"]);
    expect(compareCodePoints("😀", "\uFFFD")).toBeGreaterThan(0);
    expect(compareCodePoints("ab", "a")).toBeGreaterThan(0);
  });

  it("looks up tokens and (nested) lists, unknown tokens as <unk>", () => {
    expect(vocab.get("a")).toBe(2);
    expect(vocab.get("never seen")).toBe(vocab.unk);
    expect(vocab.get(["b", "x"])).toEqual([3, 1]);
    expect(vocab.get([["a"], ["b", "<pad>"]])).toEqual([[2], [3, 0]]);
  });

  it("maps indices back to tokens from numbers, arrays, typed arrays and tensors", () => {
    expect(vocab.toTokens(3)).toBe("b");
    expect(vocab.toTokens([2, 3, 1])).toEqual(["a", "b", "<unk>"]);
    expect(vocab.toTokens([2])).toEqual(["a"]);
    expect(vocab.toTokens(Int32Array.of(0, 2))).toEqual(["<pad>", "a"]);
    const t = tf.tensor1d([3, 3], "int32");
    expect(vocab.toTokens(t)).toEqual(["b", "b"]);
    t.dispose();
  });

  it("refuses indices outside the vocabulary", () => {
    expect(() => vocab.toTokens([1, 4])).toThrow(D2lArgumentError);
    expect(() => vocab.toTokens([1, 4])).toThrow("Vocab.toTokens: indices must be token ids in [0, 4) (the vocabulary's length); got 4 at position 1");
    expect(() => vocab.toTokens(-1)).toThrow("got -1");
  });

  it("of no tokens holds <unk> only", () => {
    expect(new Vocab().idxToToken).toEqual(["<unk>"]);
  });
});
