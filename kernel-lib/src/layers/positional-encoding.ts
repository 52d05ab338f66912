/** Sinusoidal positional encoding (section 11.6). */
import { tf } from "../tf";
import { describe, expectInteger, expectRank, fail, formatShape } from "../ops/check";
import { Dropout } from "./dropout";
import { Layer } from "./layer";

/**
 * The table of section 11.6 in float32, computed as the book's PyTorch code does: with
 * X = arange(maxLen) / 10000^(arange(0, numHiddens, 2) / numHiddens), P[:, :, 0::2] = sin(X) and
 * P[:, :, 1::2] = cos(X). Shape `(1, maxLen, numHiddens)`.
 */
export function positionalEncodingTable(numHiddens: number, maxLen: number): tf.Tensor3D {
  const values = new Float32Array(maxLen * numHiddens);
  for (let j = 0; j < numHiddens; j += 2) {
    // Each step rounded to float32, as torch computes it.
    const exponent = Math.fround(Math.fround(j) / numHiddens);
    const denominator = Math.fround(Math.pow(10000, exponent));
    for (let i = 0; i < maxLen; i++) {
      const angle = Math.fround(i / denominator);
      values[i * numHiddens + j] = Math.sin(angle);
      values[i * numHiddens + j + 1] = Math.cos(angle);
    }
  }
  return tf.tensor3d(values, [1, maxLen, numHiddens], "float32");
}

/**
 * The book's `PositionalEncoding(numHiddens, dropout, maxLen)` (section 11.6): `forward(X)` adds
 * the first `steps` rows of `P` `(1, maxLen, numHiddens)` to `X` `(batch, steps, numHiddens)`,
 * then applies dropout. `numHiddens` must be even (the sine and cosine columns interleave).
 *
 * `forward(X, offset)` adds rows `offset … offset + steps - 1` instead: the encodings of tokens
 * that follow `offset` earlier ones. The Transformer decoder of d2l-ts (11.7) uses it so that the
 * token it decodes at step t gets P[t] (the book's decoder, seeing one token per call, gives
 * every token P[0]).
 */
export class PositionalEncoding extends Layer {
  dropout: Dropout;
  /** The encoding table, a constant (not a parameter) owned by the layer. */
  P: tf.Tensor3D;

  constructor(numHiddens: number, dropout: number, maxLen = 1000) {
    super();
    expectInteger("PositionalEncoding", "numHiddens", numHiddens, 2);
    if (numHiddens % 2 !== 0) fail("PositionalEncoding", "numHiddens", "even (sine and cosine columns pair up)", describe(numHiddens));
    expectInteger("PositionalEncoding", "maxLen", maxLen, 1);
    this.dropout = new Dropout(dropout);
    // Kept so that building the layer inside someone's tf.tidy does not free the table.
    this.P = tf.keep(positionalEncodingTable(numHiddens, maxLen));
  }

  /**
   * `X` `(batch, steps, numHiddens)` → `dropout(X + P[:, offset:offset + steps])`, same shape.
   * Throws a `D2lArgumentError` when `offset + steps` exceeds `maxLen`.
   */
  forward(X: tf.Tensor, offset = 0): tf.Tensor3D {
    const fn = "PositionalEncoding.forward";
    const maxLen = this.P.shape[1];
    const numHiddens = this.P.shape[2];
    const x = expectRank(fn, "X", X, 3, `(batch, steps, numHiddens = ${numHiddens})`) as tf.Tensor3D;
    expectInteger(fn, "offset", offset, 0);
    if (x.shape[2] !== numHiddens || offset + x.shape[1] > maxLen) {
      const steps = offset === 0 ? `steps <= maxLen = ${maxLen}` : `steps <= maxLen - offset = ${maxLen - offset}`;
      fail(fn, "X", `of shape (batch, ${steps}, numHiddens = ${numHiddens})`, `shape ${formatShape(x.shape)}`);
    }
    return tf.tidy(() => {
      const positions = this.P.slice([0, offset, 0], [1, x.shape[1], numHiddens]);
      return this.dropout.forward(x.add(positions)) as tf.Tensor3D;
    });
  }
}
