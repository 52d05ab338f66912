/** `Seq2SeqAttentionDecoder`: the RNN decoder with Bahdanau (additive) attention of section 11.4. */
import { tf } from "../tf";
import { describe, expectRank, fail, formatShape } from "../ops/check";
import { concatFeatures } from "../ops/concat-features";
import { checkEncValidLens, type ValidLens } from "../ops/masks";
import { unstack } from "../ops/unstack";
import { AdditiveAttention, DotProductAttention } from "../layers/attention";
import { Embedding } from "../layers/embedding";
import { keptFromForward } from "../layers/layer";
import { LazyLinear } from "../layers/linear";
import { GRU } from "../layers/rnn";
import { AttentionDecoder } from "./encoder-decoder";
import { initSeq2seq } from "./init";
import { checkRnnSizes, timeMajorIds, type Seq2SeqEncoderOutput } from "./rnn-encoder";

/**
 * The state of `Seq2SeqAttentionDecoder` (section 11.4): `[encOutputs (batch, encSteps,
 * numHiddens), hiddenState (numLayers, batch, numHiddens), encValidLens (batch) or null]`.
 */
export type Seq2SeqAttentionState = [encOutputs: tf.Tensor3D, hiddenState: tf.Tensor3D, encValidLens: ValidLens | null];

/**
 * Section 11.4's `Seq2SeqAttentionDecoder(vocabSize, embedSize, numHiddens, numLayers, dropout =
 * 0)`: `AdditiveAttention(numHiddens, dropout)`, an `Embedding(vocabSize, embedSize)`, a
 * `GRU(embedSize + numHiddens, numHiddens, numLayers, dropout)` and a `LazyLinear(vocabSize)`,
 * initialised with `initSeq2seq` (so the GRU weights are Xavier, the lazy layers PyTorch's default).
 *
 * - `initState([outputs, hiddenState], encValidLens)` → `[outputs` transposed to `(batch, encSteps,
 *   numHiddens), hiddenState, encValidLens]`.
 * - `forward(X (batch, numSteps), state)` → `[(batch, numSteps, vocabSize), newState]`. Step by
 *   step: the query is the last layer's hidden state `(batch, 1, numHiddens)`; the context is the
 *   additive attention over the encoder outputs (masked by `encValidLens`); the GRU's input is the
 *   concatenation (context, embedding), in that order.
 * - `attentionWeights`: the weights of every step of the last forward, one `(batch, 1, encSteps)`
 *   tensor per step (the book's list); owned by the decoder, replaced by the next forward.
 *
 * `attention` may be replaced by a `DotProductAttention` (11.4's exercise on scaled dot-product
 * scoring): `this.attention = new DotProductAttention(dropout)` in a subclass or after
 * construction. Shape mismatches (token ids, a state of the wrong shape, batch sizes that differ
 * between the target ids and the state, `encValidLens` that are not one length per example)
 * throw a `D2lArgumentError`.
 */
export class Seq2SeqAttentionDecoder extends AttentionDecoder<Seq2SeqAttentionState, Seq2SeqEncoderOutput, tf.Tensor3D[]> {
  /** The book's `AdditiveAttention(numHiddens, dropout)`; a `DotProductAttention` works too. */
  attention: AdditiveAttention | DotProductAttention;
  embedding: Embedding;
  rnn: GRU;
  dense: LazyLinear;
  private stepWeights: tf.Tensor3D[] | null = null;

  constructor(vocabSize: number, embedSize: number, numHiddens: number, numLayers: number, dropout = 0) {
    super();
    checkRnnSizes("Seq2SeqAttentionDecoder", vocabSize, embedSize, numHiddens, numLayers, dropout);
    this.attention = new AdditiveAttention(numHiddens, dropout);
    this.embedding = new Embedding(vocabSize, embedSize);
    this.rnn = new GRU(embedSize + numHiddens, numHiddens, numLayers, dropout);
    this.dense = new LazyLinear(vocabSize);
    this.apply(initSeq2seq);
  }

  /** Each decoding step's attention weights `(batch, 1, encSteps)` from the last forward. Throws before the first. */
  get attentionWeights(): tf.Tensor3D[] {
    const weights = this.stepWeights;
    keptFromForward(this.constructor.name, "attentionWeights", weights === null ? null : (weights[0] ?? null));
    return weights as tf.Tensor3D[];
  }

  initState(encOutputs: Seq2SeqEncoderOutput, encValidLens?: ValidLens | null): Seq2SeqAttentionState {
    const fn = "Seq2SeqAttentionDecoder.initState";
    if (!Array.isArray(encOutputs) || encOutputs.length !== 2) {
      fail(fn, "encOutputs", "[outputs (encSteps, batch, numHiddens), hiddenState (numLayers, batch, numHiddens)]", describe(encOutputs));
    }
    const outputs = expectRank(fn, "encOutputs[0]", encOutputs[0], 3, "(encSteps, batch, numHiddens)") as tf.Tensor3D;
    const hidden = this.checkHidden(fn, "encOutputs[1]", encOutputs[1], outputs.shape[1]);
    if (outputs.shape[2] !== this.rnn.numHiddens) {
      fail(fn, "encOutputs[0]", `of shape (encSteps, batch, numHiddens = ${this.rnn.numHiddens})`, `shape ${formatShape(outputs.shape)}`);
    }
    const lens = checkEncValidLens(fn, "encValidLens", encValidLens, outputs.shape[1], outputs.shape[0]);
    return [outputs.transpose([1, 0, 2]) as tf.Tensor3D, hidden, lens];
  }

  forward(X: tf.Tensor, state: Seq2SeqAttentionState): [tf.Tensor3D, Seq2SeqAttentionState] {
    const fn = "Seq2SeqAttentionDecoder.forward";
    const { ids, batch: xBatch, steps: numSteps } = timeMajorIds(fn, "X", X, this.embedding.vocabSize);
    if (!Array.isArray(state) || state.length !== 3) {
      fail(fn, "state", "[encOutputs, hiddenState, encValidLens] (from initState)", describe(state));
    }
    const encOutputs = expectRank(fn, "state[0]", state[0], 3, "(batch, encSteps, numHiddens)") as tf.Tensor3D;
    const [batch, , features] = encOutputs.shape;
    if (features !== this.rnn.numHiddens) {
      fail(fn, "state[0]", `of shape (batch, encSteps, numHiddens = ${this.rnn.numHiddens})`, `shape ${formatShape(encOutputs.shape)}`);
    }
    if (xBatch !== batch) {
      fail(fn, "X", `of batch size ${batch}, as the encoder outputs state[0] of shape ${formatShape(encOutputs.shape)}`, `shape ${formatShape([xBatch, numSteps])}`);
    }
    const hidden0 = this.checkHidden(fn, "state[1]", state[1], batch);
    const encValidLens = checkEncValidLens(fn, "state[2]", state[2], batch, encOutputs.shape[1], false);
    const weights: tf.Tensor3D[] = [];
    try {
      const result = tf.tidy(() => {
        // (numSteps, batch, embedSize), one (batch, embedSize) per step
        const steps = unstack<tf.Tensor2D>(this.embedding.embedIds(ids, [numSteps, batch]));
        const embedSize = steps[0].shape[1];
        let hidden = hidden0;
        const outputs: tf.Tensor[] = [];
        // The keys are the same at every step: additive attention projects them once (the book's
        // W_k(keys) per step, with the same result and gradients). Not before its lazy layers
        // exist (the first forward creates them in the book's order), nor for a subclass with its
        // own forward.
        const attention = this.attention;
        const projectedKeys =
          attention instanceof AdditiveAttention &&
          attention.forward === AdditiveAttention.prototype.forward &&
          attention.Wk.inFeatures !== null &&
          attention.Wq.inFeatures !== null
            ? attention.Wk.forward(encOutputs)
            : null;
        for (const x of steps) {
          // query: the last layer's hidden state, (batch, 1, numHiddens)
          const layers = unstack<tf.Tensor2D>(hidden);
          const query = layers[layers.length - 1].expandDims(1);
          const context =
            attention instanceof AdditiveAttention && projectedKeys !== null
              ? attention.forwardProjected(query, projectedKeys, encOutputs, encValidLens)
              : attention.forward(query, encOutputs, encOutputs, encValidLens);
          // (context, embedding) on the feature axis, as (1, batch, numHiddens + embedSize)
          const input = concatFeatures([context, x.expandDims(1)]).reshape([1, batch, features + embedSize]);
          const [out, next] = this.rnn.forward(input, hidden);
          outputs.push(out);
          hidden = next;
          weights.push(tf.keep(this.attention.attentionWeights.clone()));
        }
        // (numSteps, batch, vocabSize) → (batch, numSteps, vocabSize)
        const logits = this.dense.forward(tf.concat(outputs, 0)).transpose([1, 0, 2]) as tf.Tensor3D;
        return { logits, hidden };
      });
      tf.dispose(this.stepWeights ?? []);
      this.stepWeights = weights;
      return [result.logits, [encOutputs, result.hidden, encValidLens]];
    } catch (error) {
      tf.dispose(weights);
      throw error;
    }
  }

  /** Checks a hidden state `(numLayers, batch, numHiddens)`. */
  private checkHidden(fn: string, arg: string, value: unknown, batch: number): tf.Tensor3D {
    const hidden = expectRank(fn, arg, value, 3, "(numLayers, batch, numHiddens)") as tf.Tensor3D;
    const shape = [this.rnn.numLayers, batch, this.rnn.numHiddens];
    if (hidden.shape.join() !== shape.join()) {
      fail(fn, arg, `of shape (numLayers, batch, numHiddens) = ${formatShape(shape)}`, `shape ${formatShape(hidden.shape)}`);
    }
    return hidden;
  }
}
