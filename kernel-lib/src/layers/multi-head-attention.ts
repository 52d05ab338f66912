/** Multi-head attention (section 11.5). */
import { tf } from "../tf";
import { expectInteger, expectRank, fail, formatShape } from "../ops/check";
import { resolveValidLens } from "../ops/masked-softmax";
import { repeatValidLens, type ValidLens } from "../ops/masks";
import { checkAttentionInputs, DotProductAttention } from "./attention";
import { Layer } from "./layer";
import { LazyLinear } from "./linear";

/**
 * The book's `MultiHeadAttention(numHiddens, numHeads, dropout, bias)` (section 11.5): queries,
 * keys and values are projected by `Wq`, `Wk`, `Wv` to `numHiddens`, split into `numHeads`
 * heads that run one scaled dot-product `attention` in parallel, and the concatenated heads are
 * projected by `Wo`. `forward(queries, keys, values, validLens?)` → `(batch, queries,
 * numHiddens)`; `attentionWeights` has shape `(batch * numHeads, queries, keys)`.
 */
export class MultiHeadAttention extends Layer {
  readonly numHeads: number;
  attention: DotProductAttention;
  Wq: LazyLinear;
  Wk: LazyLinear;
  Wv: LazyLinear;
  Wo: LazyLinear;

  constructor(numHiddens: number, numHeads: number, dropout: number, bias = false) {
    super();
    expectInteger("MultiHeadAttention", "numHiddens", numHiddens, 1);
    expectInteger("MultiHeadAttention", "numHeads", numHeads, 1);
    if (numHiddens % numHeads !== 0) {
      fail("MultiHeadAttention", "numHeads", `a divisor of numHiddens = ${numHiddens}`, String(numHeads));
    }
    this.numHeads = numHeads;
    this.attention = new DotProductAttention(dropout);
    this.Wq = new LazyLinear(numHiddens, { bias });
    this.Wk = new LazyLinear(numHiddens, { bias });
    this.Wv = new LazyLinear(numHiddens, { bias });
    this.Wo = new LazyLinear(numHiddens, { bias });
  }

  /**
   * The inner attention's weights of the last forward, `(batch * numHeads, queries, keys)`.
   * Throws before the first forward.
   */
  get attentionWeights(): tf.Tensor3D {
    return this.attention.attentionWeights;
  }

  /**
   * The book's `transpose_qkv`: `(batch, n, numHiddens)` → `(batch * numHeads, n,
   * numHiddens / numHeads)`, head h of example b at row b * numHeads + h.
   */
  transposeQkv(X: tf.Tensor): tf.Tensor3D {
    const x = expectRank("MultiHeadAttention.transposeQkv", "X", X, 3, "(batch, n, numHiddens)");
    const [batch, n, hiddens] = x.shape;
    if (hiddens % this.numHeads !== 0) {
      fail(
        "MultiHeadAttention.transposeQkv",
        "X",
        `of last dimension divisible by numHeads = ${this.numHeads}`,
        `shape ${formatShape(x.shape)}`,
      );
    }
    const depth = hiddens / this.numHeads;
    return tf.tidy(() =>
      x.reshape([batch, n, this.numHeads, depth]).transpose([0, 2, 1, 3]).reshape([batch * this.numHeads, n, depth]),
    );
  }

  /** The book's `transpose_output`, the inverse of `transposeQkv`. */
  transposeOutput(X: tf.Tensor): tf.Tensor3D {
    const x = expectRank("MultiHeadAttention.transposeOutput", "X", X, 3, "(batch * numHeads, n, depth)");
    const [rows, n, depth] = x.shape;
    if (rows % this.numHeads !== 0) {
      fail(
        "MultiHeadAttention.transposeOutput",
        "X",
        `of first dimension divisible by numHeads = ${this.numHeads}`,
        `shape ${formatShape(x.shape)}`,
      );
    }
    const batch = rows / this.numHeads;
    return tf.tidy(() =>
      x.reshape([batch, this.numHeads, n, depth]).transpose([0, 2, 1, 3]).reshape([batch, n, this.numHeads * depth]),
    );
  }

  forward(queries: tf.Tensor, keys: tf.Tensor, values: tf.Tensor, validLens?: ValidLens | null): tf.Tensor3D {
    const fn = "MultiHeadAttention.forward";
    const x = checkAttentionInputs(fn, queries, keys, values, false);
    const scoresShape = [x.queries.shape[0], x.queries.shape[1], x.keys.shape[1]];
    resolveValidLens(fn, scoresShape, validLens, "the attention scores");
    // Each example's lengths are repeated once per head, as torch.repeat_interleave in the book.
    const headLens = validLens === undefined || validLens === null ? null : repeatValidLens(fn, validLens, this.numHeads);
    return tf.tidy(() => {
      const q = this.transposeQkv(this.Wq.forward(x.queries));
      const k = this.transposeQkv(this.Wk.forward(x.keys));
      const v = this.transposeQkv(this.Wv.forward(x.values));
      const output = this.attention.forward(q, k, v, headLens);
      return this.Wo.forward(this.transposeOutput(output)) as tf.Tensor3D;
    });
  }
}
