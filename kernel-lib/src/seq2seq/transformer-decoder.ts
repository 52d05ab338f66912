/**
 * The Transformer decoder of section 11.7: `TransformerDecoderBlock` and `TransformerDecoder`,
 * with two deliberate departures from the book's code, both so that decoding one token at a time
 * gives what decoding the whole prefix at once gives:
 *
 * 1. Positions. The book's decoder adds `P[:, :steps]` to whatever it is given; `predict_step`
 *    gives it one token per call, so every generated token gets P[0]. Here the decoder counts the
 *    tokens it has already seen (the length of block 0's cached inputs in the state) and gives
 *    the token at step t the encoding P[t].
 * 2. The causal mask. The book masks the decoder's self-attention only `if self.training`, so a
 *    full-sequence forward in eval mode (its validation loss) lets every query see the tokens
 *    after it. Here a block masks causally whenever it gets several new tokens at once, in any
 *    mode (one new token may see every cached key, so it needs no mask).
 *
 * In training mode on a fresh state both agree with the book, operation for operation.
 */
import { tf } from "../tf";
import { countOf, describe, expectInteger, fail, formatShape } from "../ops/check";
import { checkEncValidLens, type ValidLens } from "../ops/masks";
import { Embedding } from "../layers/embedding";
import { keptFromForward, Layer } from "../layers/layer";
import { LazyLinear } from "../layers/linear";
import { MultiHeadAttention } from "../layers/multi-head-attention";
import { PositionalEncoding } from "../layers/positional-encoding";
import { AddNorm, PositionWiseFFN } from "../layers/transformer-blocks";
import { AttentionDecoder } from "./encoder-decoder";
import { checkEvenHiddens, checkHiddens, checkTokenIds, checkTransformerSizes } from "./transformer-encoder";

/**
 * The state of the Transformer decoder (section 11.7), the book's list:
 * `[encOutputs (batch, encSteps, numHiddens), encValidLens (batch) or null, keyValues]`, where
 * `keyValues[i]` holds the inputs block i has seen so far, `(batch, stepsSoFar, numHiddens)`, or
 * null before the first step. Each forward replaces `keyValues[i]` in place (the book's
 * `state[2][self.i] = key_values`).
 */
export type TransformerDecoderState = [encOutputs: tf.Tensor3D, encValidLens: ValidLens | null, keyValues: Array<tf.Tensor3D | null>];

/**
 * The decoder's attention weights from its last forward (section 11.7):
 * `[selfAttention, encDecAttention]`, one tensor per block in each, of shape
 * `(batch * numHeads, steps, keys)`: `keys` = the tokens seen so far for the self-attention,
 * `encSteps` for the encoder–decoder attention.
 */
export type TransformerDecoderAttentionWeights = [selfAttention: tf.Tensor3D[], encDecAttention: tf.Tensor3D[]];

/** A decoder state checked against a model of `numHiddens` features and `numBlks` blocks, for a batch of `batch`. */
interface CheckedState {
  encOutputs: tf.Tensor3D;
  encValidLens: ValidLens | null;
  keyValues: Array<tf.Tensor3D | null>;
}

/**
 * Checks `state` (from `TransformerDecoder.initState` of a decoder like this one) for inputs `X`
 * of shape `xShape` (batch first); `blocks` are the indices of `state[2]` to check.
 */
function checkState(fn: string, state: unknown, numHiddens: number, numBlks: number | null, xShape: readonly number[], blocks: readonly number[]): CheckedState {
  if (!Array.isArray(state) || state.length !== 3) {
    fail(fn, "state", "[encOutputs, encValidLens, keyValues] (from TransformerDecoder.initState)", describe(state));
  }
  const encOutputs = checkHiddens(fn, "state[0]", state[0], numHiddens);
  const batch = encOutputs.shape[0];
  if (xShape[0] !== batch) {
    fail(fn, "X", `of batch size ${batch}, as the encoder outputs state[0] of shape ${formatShape(encOutputs.shape)}`, `shape ${formatShape(xShape)}`);
  }
  const encValidLens = checkEncValidLens(fn, "state[1]", state[1], batch, encOutputs.shape[1], false);
  const keyValues = state[2] as unknown;
  const entries = Array.isArray(keyValues) ? `an array of ${countOf(keyValues.length, "entry", "entries")}` : describe(keyValues);
  const perBlock = numBlks === null ? "one entry per block" : `numBlks = ${countOf(numBlks, "entry", "entries")}`;
  if (!Array.isArray(keyValues) || (numBlks !== null && keyValues.length !== numBlks)) {
    fail(fn, "state[2]", `an array of ${perBlock}, each null or a block's cached inputs`, entries);
  }
  const missing = blocks.find((i) => i >= keyValues.length);
  if (missing !== undefined) fail(fn, "state[2]", `an array with an entry for block i = ${missing}`, entries);
  let seen: number | null = null;
  for (const i of blocks) {
    const cached = keyValues[i] as unknown;
    const arg = `state[2][${i}]`;
    const steps = cached === null ? 0 : checkHiddens(fn, arg, cached, numHiddens).shape[1];
    const shape = cached === null ? "null" : `shape ${formatShape((cached as tf.Tensor).shape)}`;
    if (cached !== null && (cached as tf.Tensor).shape[0] !== batch) fail(fn, arg, `cached inputs of batch size ${batch}, as X`, shape);
    if (seen !== null && steps !== seen) fail(fn, arg, `the same number of cached steps as block ${blocks[0]} (${seen})`, shape);
    seen = steps;
  }
  return { encOutputs, encValidLens, keyValues: keyValues as Array<tf.Tensor3D | null> };
}

/**
 * The causal valid lengths of `steps` new queries that follow `past` cached keys: query q sees
 * keys 0 … past + q, as the book's `dec_valid_lens` rows `[1, 2, …, steps]` when nothing is
 * cached. `(batch, steps)`.
 */
function causalValidLens(batch: number, past: number, steps: number): number[][] {
  const row = Array.from({ length: steps }, (_, q) => past + q + 1);
  return Array.from({ length: batch }, () => row.slice());
}

/**
 * Section 11.7's `TransformerDecoderBlock(numHiddens, ffnNumHiddens, numHeads, dropout, i)`, the
 * i-th block of a `TransformerDecoder`: masked multi-head self-attention (`attention1`),
 * encoder–decoder attention (`attention2`, queries from the decoder, keys and values the encoder
 * outputs) and a position-wise FFN (`ffn`), each followed by `AddNorm` (`addnorm1` … `addnorm3`).
 *
 * `forward(X (batch, steps, numHiddens), state)` → `[(batch, steps, numHiddens), state]`: the
 * block's keys and values are its cached inputs `state[2][i]` followed by `X`, and it stores them
 * back in `state[2][i]` (in place, as the book; the old tensor is left to whoever owns the state,
 * e.g. `predictStep`, which frees it). With several new tokens the self-attention is causal (query
 * q sees keys up to its own position), in training and in eval mode alike; a single new token
 * sees every cached key. The book masks only in training mode: see the module's notes.
 * Throws a `D2lArgumentError` for an `X` of another rank or width, or a state that does not fit.
 */
export class TransformerDecoderBlock extends Layer {
  readonly numHiddens: number;
  /** This block's index in the decoder, and so in the state's `keyValues`. */
  readonly i: number;
  attention1: MultiHeadAttention;
  addnorm1: AddNorm;
  attention2: MultiHeadAttention;
  addnorm2: AddNorm;
  ffn: PositionWiseFFN;
  addnorm3: AddNorm;

  constructor(numHiddens: number, ffnNumHiddens: number, numHeads: number, dropout: number, i: number) {
    super();
    checkTransformerSizes("TransformerDecoderBlock", numHiddens, ffnNumHiddens, numHeads, dropout);
    this.i = expectInteger("TransformerDecoderBlock", "i", i, 0);
    this.numHiddens = numHiddens;
    this.attention1 = new MultiHeadAttention(numHiddens, numHeads, dropout);
    this.addnorm1 = new AddNorm(numHiddens, dropout);
    this.attention2 = new MultiHeadAttention(numHiddens, numHeads, dropout);
    this.addnorm2 = new AddNorm(numHiddens, dropout);
    this.ffn = new PositionWiseFFN(ffnNumHiddens, numHiddens);
    this.addnorm3 = new AddNorm(numHiddens, dropout);
  }

  forward(X: tf.Tensor, state: TransformerDecoderState): [tf.Tensor3D, TransformerDecoderState] {
    const fn = "TransformerDecoderBlock.forward";
    const x = checkHiddens(fn, "X", X, this.numHiddens);
    const { encOutputs, encValidLens, keyValues } = checkState(fn, state, this.numHiddens, null, x.shape, [this.i]);
    const cached = keyValues[this.i];
    const [batch, steps] = x.shape;
    const past = cached === null ? 0 : cached.shape[1];
    const selfLens = steps > 1 ? causalValidLens(batch, past, steps) : null;
    const result = tf.tidy(() => {
      const kv = cached === null ? x : (tf.concat([cached, x], 1) as tf.Tensor3D);
      // Self-attention over the tokens so far, then attention to the encoder outputs.
      const Y = this.addnorm1.forward(x, this.attention1.forward(x, kv, kv, selfLens));
      const Z = this.addnorm2.forward(Y, this.attention2.forward(Y, encOutputs, encOutputs, encValidLens));
      return { output: this.addnorm3.forward(Z, this.ffn.forward(Z)) as tf.Tensor3D, kv };
    });
    keyValues[this.i] = result.kv;
    return [result.output, state];
  }
}

/**
 * Section 11.7's `TransformerDecoder(vocabSize, numHiddens, ffnNumHiddens, numHeads, numBlks,
 * dropout)`: an `Embedding(vocabSize, numHiddens)` scaled by √numHiddens, a
 * `PositionalEncoding(numHiddens, dropout)` (`posEncoding`), `numBlks` `TransformerDecoderBlock`s
 * (`blks`) and a `LazyLinear(vocabSize)` (`dense`) giving the logits. PyTorch's default
 * initialisation, as the book.
 *
 * - `initState(encOutputs (batch, encSteps, numHiddens), encValidLens?)` → `[encOutputs,
 *   encValidLens, [null, …]]` (see `TransformerDecoderState`); `encValidLens` `(batch)` or null.
 * - `forward(X (batch, steps) token ids, state)` → `[(batch, steps, vocabSize), state]`, the state
 *   updated in place with every block's inputs. The tokens of `X` follow the `t` tokens the state
 *   has already seen (0 after `initState`) and get the positional encodings P[t] … P[t + steps - 1]:
 *   decoding one token per call (`predictStep`) equals decoding the whole prefix at once.
 * - `attentionWeights`: `[selfAttention, encDecAttention]` of the last forward, one
 *   `(batch * numHeads, steps, keys)` tensor per block each (owned by the decoder).
 *
 * Where this differs from the book (positions of generated tokens; the causal mask in eval mode)
 * and why: see the module's notes and kernel-lib/README.md. Token ids outside [0, vocabSize), an
 * `X` that is not 2-D and a state from another model (other `numHiddens`, another number of
 * blocks, another batch, valid lengths of another shape) throw a `D2lArgumentError`.
 */
export class TransformerDecoder extends AttentionDecoder<TransformerDecoderState, tf.Tensor3D, TransformerDecoderAttentionWeights> {
  readonly numHiddens: number;
  readonly numBlks: number;
  embedding: Embedding;
  posEncoding: PositionalEncoding;
  blks: TransformerDecoderBlock[];
  dense: LazyLinear;
  private selfWeights: tf.Tensor3D[] | null = null;
  private encDecWeights: tf.Tensor3D[] | null = null;

  constructor(vocabSize: number, numHiddens: number, ffnNumHiddens: number, numHeads: number, numBlks: number, dropout: number) {
    super();
    const name = "TransformerDecoder";
    expectInteger(name, "vocabSize", vocabSize, 1);
    checkTransformerSizes(name, numHiddens, ffnNumHiddens, numHeads, dropout);
    checkEvenHiddens(name, numHiddens);
    this.numHiddens = numHiddens;
    this.numBlks = expectInteger(name, "numBlks", numBlks, 1);
    this.embedding = new Embedding(vocabSize, numHiddens);
    this.posEncoding = new PositionalEncoding(numHiddens, dropout);
    this.blks = Array.from({ length: numBlks }, (_, i) => new TransformerDecoderBlock(numHiddens, ffnNumHiddens, numHeads, dropout, i));
    this.dense = new LazyLinear(vocabSize);
  }

  /** `[selfAttention, encDecAttention]` per block from the last forward. Throws before the first. */
  get attentionWeights(): TransformerDecoderAttentionWeights {
    keptFromForward(this.constructor.name, "attentionWeights", this.selfWeights === null ? null : this.selfWeights[0]);
    return [this.selfWeights as tf.Tensor3D[], this.encDecWeights as tf.Tensor3D[]];
  }

  initState(encOutputs: tf.Tensor3D, encValidLens?: ValidLens | null): TransformerDecoderState {
    const fn = "TransformerDecoder.initState";
    if (Array.isArray(encOutputs)) {
      // e.g. an RNN encoder's [outputs, state] (10.7, 11.4): say what this decoder takes instead
      fail(fn, "encOutputs", `the Transformer encoder's outputs, one tensor (batch, steps, numHiddens = ${this.numHiddens}), with the source valid lengths as encValidLens (an RNN encoder's [outputs, state] goes to Seq2SeqAttentionDecoder)`, describe(encOutputs));
    }
    const outputs = checkHiddens(fn, "encOutputs", encOutputs, this.numHiddens);
    const lens = checkEncValidLens(fn, "encValidLens", encValidLens, outputs.shape[0], outputs.shape[1]);
    return [outputs, lens, Array.from({ length: this.numBlks }, () => null)];
  }

  forward(X: tf.Tensor, state: TransformerDecoderState): [tf.Tensor3D, TransformerDecoderState] {
    const fn = "TransformerDecoder.forward";
    const { ids, shape } = checkTokenIds(fn, X, this.embedding.vocabSize);
    const blocks = this.blks.map((blk) => blk.i);
    const { keyValues } = checkState(fn, state, this.numHiddens, this.numBlks, shape, blocks);
    const past = keyValues[0] === null ? 0 : keyValues[0].shape[1];
    const maxLen = this.posEncoding.P.shape[1];
    if (past + shape[1] > maxLen) {
      fail(fn, "X", `at most ${maxLen - past} steps: the state has seen ${past} tokens and the positional encoding has maxLen = ${maxLen}`, `shape ${formatShape(shape)}`);
    }
    const before = keyValues.slice();
    const selfWeights: tf.Tensor3D[] = [];
    const encDecWeights: tf.Tensor3D[] = [];
    try {
      const logits = tf.tidy(() => {
        let h = this.posEncoding.forward(this.embedding.embedIds(ids, shape).mul(Math.sqrt(this.numHiddens)), past);
        for (const blk of this.blks) {
          [h] = blk.forward(h, state);
          selfWeights.push(tf.keep(blk.attention1.attentionWeights.clone()));
          encDecWeights.push(tf.keep(blk.attention2.attentionWeights.clone()));
        }
        // The new caches are returned with the logits so that the tidy keeps them.
        return { logits: this.dense.forward(h) as tf.Tensor3D, caches: keyValues as tf.Tensor[] };
      }).logits;
      tf.dispose([...(this.selfWeights ?? []), ...(this.encDecWeights ?? [])]);
      this.selfWeights = selfWeights;
      this.encDecWeights = encDecWeights;
      return [logits, state];
    } catch (error) {
      keyValues.splice(0, keyValues.length, ...before);
      tf.dispose([...selfWeights, ...encDecWeights]);
      throw error;
    }
  }
}
