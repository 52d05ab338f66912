/**
 * The encoder–decoder interfaces of section 10.6 (`Encoder`, `Decoder`, `EncoderDecoder`), 11.4's
 * `AttentionDecoder`, and greedy prediction (`predictStep`, section 10.7). The RNN models of 10.7
 * and 11.4 and the Transformer of 11.7 are built on them.
 *
 * Ownership: `forward`, `initState` and `predictStep` return new tensors that belong to the
 * caller; an `EncoderDecoder.forward` frees every intermediate, including the decoder state.
 */
import { tf } from "../tf";
import { describe, expectInteger, expectTensor, fail, formatShape } from "../ops/check";
import { Layer } from "../layers/layer";
import { Classifier } from "../training/classifier";
import type { Batch } from "../training/tensor-loader";
import { cloneTensors, disposeReplaced, tensorsIn } from "./state";

/** Extra arguments an encoder and `initState` receive after the input, e.g. valid lengths (10.6). */
export type EncoderDecoderArg = tf.Tensor | null;

/**
 * Section 10.6: the base encoder interface. `forward(X, ...args)` encodes `X` (e.g. token ids
 * `(batch, numSteps)`); `args` are what the model passes along, such as valid lengths. `Output`
 * is whatever the matching decoder's `initState` takes (the RNN encoder: `[outputs, state]`).
 */
export abstract class Encoder<Output = unknown> extends Layer {
  abstract override forward(X: tf.Tensor, ...args: EncoderDecoderArg[]): Output;
}

/**
 * Section 10.6: the base decoder interface. `initState(encAllOutputs, ...args)` turns the
 * encoder's output into the decoder's first `State`; `forward(X, state)` decodes `X` (token ids
 * `(batch, numSteps)`) and returns `[output, newState]`, output `(batch, numSteps, vocabSize)`.
 *
 * A state is a tensor or a container (arrays, plain objects) of tensors. `newState` may share
 * tensors with `state` (e.g. the encoder outputs); greedy prediction frees the tensors of the old
 * state that the new one no longer holds. A decoder that updates its state in place must put new
 * tensors in it, never dispose the old ones itself.
 */
export abstract class Decoder<State = unknown, EncoderOutput = unknown> extends Layer {
  abstract initState(encAllOutputs: EncoderOutput, ...args: EncoderDecoderArg[]): State;
  abstract override forward(X: tf.Tensor, state: State): [tf.Tensor, State];
}

/**
 * Section 11.4: the base attention-based decoder interface: a `Decoder` that keeps the attention
 * weights of its last `forward` in `attentionWeights` (owned by the decoder, replaced by the next
 * forward; `predictStep` copies them when asked to save them). The shape of `Weights` is the
 * decoder's: 11.4's decoder keeps one `(batch, 1, keys)` tensor per decoding step, as the book.
 */
export abstract class AttentionDecoder<State = unknown, EncoderOutput = unknown, Weights = unknown> extends Decoder<State, EncoderOutput> {
  abstract get attentionWeights(): Weights;
}

/** The type of a decoder's `attentionWeights` (`never` for a decoder without them). */
export type AttentionWeightsOf<D> = D extends { readonly attentionWeights: infer W } ? W : never;

/** Reads `numSteps`-style integers ≥ 1. */
function expectSteps(fn: string, arg: string, value: unknown): number {
  return expectInteger(fn, arg, value, 1);
}

/**
 * Section 10.6: the base class of encoder–decoder models, a `Classifier` (so its loss is the
 * mean cross-entropy of section 4.5 unless a subclass such as `Seq2Seq` changes it).
 * `forward(encX, decX, ...args)` encodes `encX`, initialises the decoder state from the encoder's
 * output and `args`, and returns the decoder's output only (`(batch, numSteps, vocabSize)` for
 * the book's models).
 */
export class EncoderDecoder<E extends Encoder = Encoder, D extends Decoder = Decoder> extends Classifier {
  encoder: E;
  decoder: D;

  constructor(encoder: E, decoder: D) {
    super();
    if (!(encoder instanceof Encoder)) fail(new.target.name, "encoder", "a d2l.Encoder", describe(encoder));
    if (!(decoder instanceof Decoder)) fail(new.target.name, "decoder", "a d2l.Decoder", describe(decoder));
    this.encoder = encoder;
    this.decoder = decoder;
  }

  /**
   * Section 10.6: `encX` and `decX` (token ids `(batch, …)`, the same batch size) and `args` (such
   * as the source valid lengths `(batch)`) → the decoder's output. Frees every intermediate.
   */
  override forward(encX: tf.Tensor, decX: tf.Tensor, ...args: EncoderDecoderArg[]): tf.Tensor {
    const fn = `${this.constructor.name}.forward`;
    const source = expectTensor(fn, "encX", encX);
    const target = expectTensor(fn, "decX", decX);
    if (source.rank === 0 || target.rank === 0 || source.shape[0] !== target.shape[0]) {
      fail(fn, "decX", `of the batch size of encX of shape ${formatShape(source.shape)}`, `shape ${formatShape(target.shape)}`);
    }
    return tf.tidy(() => {
      const encAllOutputs = this.encoder.forward(source, ...args);
      const decState = this.decoder.initState(encAllOutputs, ...args);
      return this.decoder.forward(target, decState)[0];
    });
  }

  /**
   * Section 10.7: greedy decoding of a batch `[src (batch, numSteps), tgt (batch, ≥ 1),
   * srcValidLen (batch), …]` (as `MTFraEng.build` returns it): the decoder starts from `tgt[:, 0]`
   * (`<bos>`) and, `numSteps` times, feeds back the most likely token of its previous step. It
   * never stops at `<eos>` (the book cuts the tokens there when it prints them). Runs in the
   * model's current mode, as the book (`Trainer.fit` leaves it in `eval()` after validation).
   *
   * Returns `[outputs, attentionWeights]`: `outputs` `(batch, numSteps)` int32 token ids; with
   * `saveAttentionWeights`, one copy of the decoder's `attentionWeights` per step (the caller
   * owns them), else `[]`. Throws a `D2lArgumentError` for a malformed batch, `numSteps < 1`,
   * or saving weights of a decoder that is not an `AttentionDecoder`.
   */
  predictStep(batch: Batch, numSteps: number, saveAttentionWeights = false): [tf.Tensor2D, Array<AttentionWeightsOf<D>>] {
    const fn = `${this.constructor.name}.predictStep`;
    if (!Array.isArray(batch) || batch.length < 3) {
      fail(fn, "batch", "[src, tgt, srcValidLen, ...] (as data.build returns)", Array.isArray(batch) ? `an array of ${batch.length}` : describe(batch));
    }
    const src = expectTensor(fn, "batch[0]", batch[0]);
    const tgt = expectTensor(fn, "batch[1]", batch[1]) as tf.Tensor2D;
    const srcValidLen = batch[2] === null ? null : expectTensor(fn, "batch[2]", batch[2]);
    if (src.rank !== 2) fail(fn, "batch[0]", "2-D src (batch, numSteps)", `shape ${formatShape(src.shape)}`);
    if (tgt.rank !== 2 || tgt.shape[0] !== src.shape[0] || tgt.shape[1] < 1) {
      fail(fn, "batch[1]", `2-D tgt (batch, >= 1) with the batch size of src of shape ${formatShape(src.shape)}`, `shape ${formatShape(tgt.shape)}`);
    }
    expectSteps(fn, "numSteps", numSteps);
    if (saveAttentionWeights && !(this.decoder instanceof AttentionDecoder)) {
      fail(fn, "saveAttentionWeights", `false for a decoder without attention weights (${this.decoder.constructor.name})`, "true");
    }
    const keep = new Set<tf.Tensor>(batch.filter((t): t is tf.Tensor => t instanceof tf.Tensor));
    // tokens[0] is tgt[:, 0] (<bos>); tokens[i + 1] the prediction of step i.
    const tokens: tf.Tensor[] = [tf.slice(tgt, [0, 0], [tgt.shape[0], 1])];
    const weights: Array<AttentionWeightsOf<D>> = [];
    let state: unknown = null;
    let done = false;
    try {
      state = tf.tidy(() => {
        const encAllOutputs = this.encoder.forward(src, srcValidLen);
        return this.decoder.initState(encAllOutputs, srcValidLen) as tf.TensorContainer;
      });
      for (let i = 0; i < numSteps; i++) {
        const previous = tensorsIn(state);
        const input = tokens[tokens.length - 1];
        const current = state;
        const { next, argmax } = tf.tidy(() => {
          const [Y, nextState] = this.decoder.forward(input, current);
          return { next: nextState as tf.TensorContainer, argmax: tf.argMax(Y, 2) };
        });
        tokens.push(argmax);
        disposeReplaced(previous, next, keep);
        state = next;
        if (saveAttentionWeights) {
          weights.push(cloneTensors((this.decoder as unknown as AttentionDecoder).attentionWeights) as AttentionWeightsOf<D>);
        }
      }
      const outputs = tf.concat(tokens.slice(1), 1) as tf.Tensor2D;
      done = true;
      return [outputs, weights];
    } finally {
      tf.dispose(tokens);
      disposeReplaced(tensorsIn(state), null, keep);
      if (!done) disposeReplaced(tensorsIn(weights), null, keep);
    }
  }
}
