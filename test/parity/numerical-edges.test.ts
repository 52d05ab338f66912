/**
 * Numerical edges (issue 12): scores and distances far outside the fixtures' range, compared with
 * the book's PyTorch code run on the same inputs in this test (float32, or float64 where torch's
 * own float32 rounding is the difference). Where the book's result is finite, d2l-ts must give
 * it; where it is NaN (0/0 in Nadaraya-Watson pooling), d2l-ts gives the limit instead, or names
 * the problem, and never NaN silently.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { BACKENDS, useBackend } from "./fixture";

const tf = d2l.tf;

/** The book's code (reference/book_torch.py) on the edge inputs, float32, NaN as null. */
const BOOK = `
import json, math, sys, torch
sys.path.insert(0, sys.argv[1])
import book_torch as book
t = lambda v: torch.tensor(v, dtype=torch.float32)
def out(x):
    return [None if math.isnan(v) else v for v in x.flatten().tolist()]
X = t([[[1e30, 0.0, -1e30, 5.0], [3e38, -3e38, 0.0, 1.0]]])
attention = book.DotProductAttention(0.0); attention.eval()
q = t([[[1e4, -2e4]]]); k = t([[[1.0, 2.0], [3.0, -1.0], [-2.0, 0.5]]]); v = t([[[1.0], [2.0], [3.0]]])
x_train = t([0, 1, 2, 3, 4])
add_norm = book.AddNorm(4, 0.0); add_norm.eval()
rows = t([[[7.0, 7.0, 7.0, 7.0], [1e6, 1e6, 1e6, 1e6 + 1]]])
print(json.dumps({
  "huge": out(book.masked_softmax(X.clone(), None)),
  "huge_masked": out(book.masked_softmax(X.clone(), torch.tensor([3]))),
  "below_mask": out(book.masked_softmax(t([[[-2e6, -2e6, 0.0, 0.0]]]), torch.tensor([2]))),
  "dot_large": out(attention(q, k, v, None)),
  "dot_large_weights": out(attention.attention_weights),
  "nw_far": out(book.nadaraya_watson(x_train, 10 * x_train, t([2.5, 100.0]), book.gaussian)[0]),
  "pool_far": out(book.attention_pool(book.diff(t([0.5, 1e3]), x_train), 10 * x_train)[0]),
  "add_norm_flat": out(add_norm.double()(rows.double(), torch.zeros_like(rows.double())).detach()),
}))
`;

let ref: Record<string, Array<number | null>>;

beforeAll(() => {
  const stdout = execFileSync("/usr/bin/python3", ["-c", BOOK, path.resolve(__dirname, "../../reference")], { encoding: "utf8" });
  ref = JSON.parse(stdout) as typeof ref;
});

/** Where the book's value is finite, ours equals it (to float32 rounding); where it is NaN, ours is finite. */
function expectBookWhereFinite(got: ArrayLike<number>, book: Array<number | null>): void {
  expect(got.length).toBe(book.length);
  Array.from(got).forEach((v, k) => {
    const b = book[k];
    if (b === null) expect(Number.isFinite(v)).toBe(true);
    else expect(v).toBeCloseTo(b, 5);
  });
}

describe.each(BACKENDS)("numerical edges against the book's code on %s", (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  afterAll(async () => {
    await useBackend("cpu");
  });

  it("masked softmax of scores near float32's limits: exactly the book's one-hot rows, no overflow", () => {
    const X = () => tf.tensor3d([[[1e30, 0, -1e30, 5], [3e38, -3e38, 0, 1]]]);
    tf.tidy(() => {
      const y = d2l.maskedSoftmax(X()).dataSync();
      expect(Array.from(y)).toEqual(ref.huge);
      expect(Array.from(d2l.maskedSoftmax(X(), [3]).dataSync())).toEqual(ref.huge_masked);
    });
  });

  it("masked softmax pins the book's -1e6 limit: scores below it send the weight to padding", () => {
    tf.tidy(() => {
      const y = d2l.maskedSoftmax(tf.tensor3d([[[-2e6, -2e6, 0, 0]]]), [2]).dataSync();
      expect(Array.from(y)).toEqual([0, 0, 0.5, 0.5]);
      expect(Array.from(y)).toEqual(ref.below_mask);
    });
  });

  it("dot-product attention with scores in the tens of millions: the book's weights and output", () => {
    tf.tidy(() => {
      const attention = new d2l.DotProductAttention(0);
      attention.eval();
      const out = attention.forward(tf.tensor3d([[[1e4, -2e4]]]), tf.tensor3d([[[1, 2], [3, -1], [-2, 0.5]]]), tf.tensor3d([[[1], [2], [3]]]));
      expectBookWhereFinite(out.dataSync(), ref.dot_large);
      expectBookWhereFinite(attention.attentionWeights.dataSync(), ref.dot_large_weights);
    });
  });

  it("AddNorm of constant rows (variance 0) and of rows around 1e6: the book's values, no 0/0", () => {
    tf.tidy(() => {
      const addNorm = new d2l.AddNorm(4, 0);
      addNorm.eval();
      const rows = tf.tensor3d([[[7, 7, 7, 7], [1e6, 1e6, 1e6, 1e6 + 1]]]);
      const y = addNorm.forward(rows, tf.zerosLike(rows)).dataSync();
      expect(Array.from(y.slice(0, 4))).toEqual([0, 0, 0, 0]);
      // Around 1e6 (variance 0.1875), against the book's code in float64: float32 torch itself is
      // 0.1 off here (-0.4767 for -0.5773), its reductions lose more of the small deviations.
      y.forEach((v, k) => expect(v).toBeCloseTo(ref.add_norm_flat[k] as number, 3));
    });
  });

  it("Nadaraya-Watson far from every key: the book's NaN becomes the limit 40, its finite value stays", () => {
    expect(ref.nw_far[1]).toBeNull(); // the book's own code: 0/0
    tf.tidy(() => {
      const xTrain = tf.tensor1d([0, 1, 2, 3, 4]);
      const yHat = d2l.nadarayaWatson(xTrain, xTrain.mul(10), tf.tensor1d([2.5, 100]), d2l.gaussian).yHat.dataSync();
      expectBookWhereFinite(yHat, ref.nw_far);
      expect(yHat[1]).toBe(40);
      // The softmax form of 11.2 was stable in the book already, and stays equal to it.
      const pooled = d2l.attentionPool(d2l.diff(tf.tensor1d([0.5, 1e3]), xTrain), xTrain.mul(10)).yHat.dataSync();
      expectBookWhereFinite(pooled, ref.pool_far);
      expect(pooled[1]).toBe(40);
    });
  });
});
