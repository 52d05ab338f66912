/** The Transformer encoder of section 11.7: `TransformerEncoderBlock` and `TransformerEncoder`. */
import { tf } from "../tf";
import { expectInteger, expectProbability, expectRank, fail, formatShape } from "../ops/check";
import { resolveValidLens } from "../ops/masked-softmax";
import type { ValidLens } from "../ops/masks";
import { Embedding, readTokenIds } from "../layers/embedding";
import { Layer, keptFromForward } from "../layers/layer";
import { MultiHeadAttention } from "../layers/multi-head-attention";
import { PositionalEncoding } from "../layers/positional-encoding";
import { AddNorm, PositionWiseFFN } from "../layers/transformer-blocks";
import { Encoder } from "./encoder-decoder";

/**
 * Checks the sizes every Transformer class of 11.7 takes: `numHiddens` divisible by `numHeads`,
 * `dropout` in [0, 1).
 */
export function checkTransformerSizes(name: string, numHiddens: number, ffnNumHiddens: number, numHeads: number, dropout: number): void {
  expectInteger(name, "numHiddens", numHiddens, 1);
  expectInteger(name, "ffnNumHiddens", ffnNumHiddens, 1);
  expectInteger(name, "numHeads", numHeads, 1);
  if (numHiddens % numHeads !== 0) {
    fail(name, "numHeads", `a divisor of numHiddens = ${numHiddens} (each head gets numHiddens / numHeads features)`, String(numHeads));
  }
  expectProbability(name, "dropout", dropout);
}

/** The positional encoding of a Transformer's encoder and decoder pairs sine and cosine columns. */
export function checkEvenHiddens(name: string, numHiddens: number): void {
  if (numHiddens % 2 !== 0) fail(name, "numHiddens", "even (the positional encoding pairs sine and cosine columns)", String(numHiddens));
}

/**
 * A block's input `X` `(batch, steps, numHiddens)`, checked: float32, 3-D, `numHiddens` features
 * and at least one step.
 */
export function checkHiddens(fn: string, arg: string, X: unknown, numHiddens: number): tf.Tensor3D {
  const x = expectRank(fn, arg, X, 3, `(batch, steps, numHiddens = ${numHiddens})`) as tf.Tensor3D;
  if (x.shape[2] !== numHiddens || x.shape[0] < 1 || x.shape[1] < 1) {
    fail(fn, arg, `of shape (batch >= 1, steps >= 1, numHiddens = ${numHiddens})`, `shape ${formatShape(x.shape)}`);
  }
  return x;
}

/** Token ids `X` `(batch, numSteps)` checked against [0, vocabSize), on the host, row-major. */
export function checkTokenIds(fn: string, X: unknown, vocabSize: number): { ids: Int32Array; shape: [number, number] } {
  const x = X instanceof tf.Tensor ? X : null;
  if (x === null || x.isDisposed || x.rank !== 2 || x.shape[0] < 1 || x.shape[1] < 1) {
    fail(fn, "X", "2-D token ids (batch >= 1, numSteps >= 1) in a live tf.Tensor", x === null ? typeof X : x.isDisposed ? "a disposed tensor" : `shape ${formatShape(x.shape)}`);
  }
  return { ids: readTokenIds(fn, "X", x, vocabSize), shape: [x.shape[0], x.shape[1]] };
}

/**
 * Section 11.7's `TransformerEncoderBlock(numHiddens, ffnNumHiddens, numHeads, dropout, useBias =
 * false)`: multi-head self-attention (`attention`, a `MultiHeadAttention(numHiddens, numHeads,
 * dropout, useBias)`) and a position-wise FFN (`ffn`, `PositionWiseFFN(ffnNumHiddens,
 * numHiddens)`), each followed by a residual connection and layer normalisation (`addnorm1`,
 * `addnorm2`, `AddNorm(numHiddens, dropout)`).
 *
 * `forward(X (batch, steps, numHiddens), validLens?)` → `(batch, steps, numHiddens)`: the shape
 * does not change. `validLens` `(batch)` (or `(batch, steps)`, or an `AttentionMask`) hides the
 * padding keys of each example. `attention.attentionWeights` is `(batch * numHeads, steps, steps)`.
 * Throws a `D2lArgumentError` for sizes that do not fit (`numHiddens` not divisible by
 * `numHeads`), an `X` of another rank or width, or valid lengths of another batch.
 */
export class TransformerEncoderBlock extends Layer {
  readonly numHiddens: number;
  attention: MultiHeadAttention;
  addnorm1: AddNorm;
  ffn: PositionWiseFFN;
  addnorm2: AddNorm;

  constructor(numHiddens: number, ffnNumHiddens: number, numHeads: number, dropout: number, useBias = false) {
    super();
    checkTransformerSizes("TransformerEncoderBlock", numHiddens, ffnNumHiddens, numHeads, dropout);
    this.numHiddens = numHiddens;
    this.attention = new MultiHeadAttention(numHiddens, numHeads, dropout, useBias);
    this.addnorm1 = new AddNorm(numHiddens, dropout);
    this.ffn = new PositionWiseFFN(ffnNumHiddens, numHiddens);
    this.addnorm2 = new AddNorm(numHiddens, dropout);
  }

  forward(X: tf.Tensor, validLens?: ValidLens | null): tf.Tensor3D {
    const fn = "TransformerEncoderBlock.forward";
    const x = checkHiddens(fn, "X", X, this.numHiddens);
    const [batch, steps] = x.shape;
    resolveValidLens(fn, [batch, steps, steps], validLens, "the self-attention scores");
    return tf.tidy(() => {
      const Y = this.addnorm1.forward(x, this.attention.forward(x, x, x, validLens));
      return this.addnorm2.forward(Y, this.ffn.forward(Y)) as tf.Tensor3D;
    });
  }
}

/**
 * Section 11.7's `TransformerEncoder(vocabSize, numHiddens, ffnNumHiddens, numHeads, numBlks,
 * dropout, useBias = false)`: an `Embedding(vocabSize, numHiddens)` scaled by √numHiddens (the
 * positional encoding lies in [-1, 1], the embedding starts from N(0, 1)), a
 * `PositionalEncoding(numHiddens, dropout)` (`posEncoding`) and `numBlks`
 * `TransformerEncoderBlock`s (`blks`). PyTorch's default initialisation, as the book (no
 * `initSeq2seq`).
 *
 * `forward(X (batch, numSteps) token ids, validLens?)` → `(batch, numSteps, numHiddens)`;
 * `validLens` `(batch)` are the source lengths (`MTFraEng`'s `srcValidLen`), so no query attends
 * to padding. `attentionWeights`: one `(batch * numHeads, numSteps, numSteps)` tensor per block
 * (head h of example b at row b·numHeads + h), owned by the encoder and replaced by the next
 * forward. Ids outside [0, vocabSize), an `X` that is not 2-D and valid lengths of another batch
 * throw a `D2lArgumentError`.
 */
export class TransformerEncoder extends Encoder<tf.Tensor3D> {
  readonly numHiddens: number;
  embedding: Embedding;
  posEncoding: PositionalEncoding;
  blks: TransformerEncoderBlock[];
  private blockWeights: tf.Tensor3D[] | null = null;

  constructor(vocabSize: number, numHiddens: number, ffnNumHiddens: number, numHeads: number, numBlks: number, dropout: number, useBias = false) {
    super();
    const name = "TransformerEncoder";
    expectInteger(name, "vocabSize", vocabSize, 1);
    checkTransformerSizes(name, numHiddens, ffnNumHiddens, numHeads, dropout);
    checkEvenHiddens(name, numHiddens);
    expectInteger(name, "numBlks", numBlks, 1);
    this.numHiddens = numHiddens;
    this.embedding = new Embedding(vocabSize, numHiddens);
    this.posEncoding = new PositionalEncoding(numHiddens, dropout);
    this.blks = Array.from({ length: numBlks }, () => new TransformerEncoderBlock(numHiddens, ffnNumHiddens, numHeads, dropout, useBias));
  }

  /** Each block's self-attention weights `(batch * numHeads, numSteps, numSteps)` from the last forward. Throws before the first. */
  get attentionWeights(): tf.Tensor3D[] {
    const weights = this.blockWeights;
    keptFromForward(this.constructor.name, "attentionWeights", weights === null ? null : weights[0]);
    return weights as tf.Tensor3D[];
  }

  forward(X: tf.Tensor, validLens?: ValidLens | null): tf.Tensor3D {
    const fn = "TransformerEncoder.forward";
    const { ids, shape } = checkTokenIds(fn, X, this.embedding.vocabSize);
    resolveValidLens(fn, [shape[0], shape[1], shape[1]], validLens, "the self-attention scores");
    const weights: tf.Tensor3D[] = [];
    try {
      const output = tf.tidy(() => {
        let h = this.posEncoding.forward(this.embedding.embedIds(ids, shape).mul(Math.sqrt(this.numHiddens)));
        for (const blk of this.blks) {
          h = blk.forward(h, validLens);
          weights.push(tf.keep(blk.attention.attentionWeights.clone()));
        }
        return h;
      });
      tf.dispose(this.blockWeights ?? []);
      this.blockWeights = weights;
      return output;
    } catch (error) {
      tf.dispose(weights);
      throw error;
    }
  }
}
