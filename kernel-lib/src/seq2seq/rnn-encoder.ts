/** `Seq2SeqEncoder`: the RNN encoder of section 10.7, used by 11.4. */
import { tf } from "../tf";
import { expectInteger, expectProbability, expectTensor, fail, formatShape } from "../ops/check";
import { Embedding } from "../layers/embedding";
import { GRU } from "../layers/rnn";
import { Encoder } from "./encoder-decoder";
import { initSeq2seq } from "./init";

/** What `Seq2SeqEncoder.forward` returns: `[outputs (numSteps, batch, numHiddens), state (numLayers, batch, numHiddens)]`. */
export type Seq2SeqEncoderOutput = [outputs: tf.Tensor3D, state: tf.Tensor3D];

/** Checks token ids `X` `(batch, numSteps)` (int32, or float32 holding integers). */
export function expectTokenIds(fn: string, arg: string, X: unknown): tf.Tensor2D {
  const t = expectTensor(fn, arg, X);
  if (t.rank !== 2 || (t.shape as number[]).some((d) => d < 1)) fail(fn, arg, "2-D token ids (batch >= 1, numSteps >= 1)", `shape ${formatShape(t.shape)}`);
  if (t.dtype !== "int32" && t.dtype !== "float32") fail(fn, arg, "an int32 tensor of token ids (batch, numSteps)", `dtype ${t.dtype}`);
  return t as tf.Tensor2D;
}

/**
 * Section 10.7's `Seq2SeqEncoder(vocabSize, embedSize, numHiddens, numLayers, dropout = 0)`: an
 * `Embedding` and a multilayer `GRU(embedSize, numHiddens, numLayers, dropout)`, initialised with
 * `initSeq2seq`. `forward(X (batch, numSteps), ...args)` embeds the transposed token ids and runs
 * the GRU over every step, padding included (as the book; valid lengths are ignored), returning
 * `[outputs (numSteps, batch, numHiddens), state (numLayers, batch, numHiddens)]`. Token ids
 * outside [0, vocabSize) throw a `D2lArgumentError`.
 */
export class Seq2SeqEncoder extends Encoder<Seq2SeqEncoderOutput> {
  embedding: Embedding;
  rnn: GRU;

  constructor(vocabSize: number, embedSize: number, numHiddens: number, numLayers: number, dropout = 0) {
    super();
    const name = "Seq2SeqEncoder";
    expectInteger(name, "vocabSize", vocabSize, 1);
    expectInteger(name, "embedSize", embedSize, 1);
    expectInteger(name, "numHiddens", numHiddens, 1);
    expectInteger(name, "numLayers", numLayers, 1);
    expectProbability(name, "dropout", dropout);
    this.embedding = new Embedding(vocabSize, embedSize);
    this.rnn = new GRU(embedSize, numHiddens, numLayers, dropout);
    this.apply(initSeq2seq);
  }

  forward(X: tf.Tensor, ..._args: unknown[]): Seq2SeqEncoderOutput {
    const ids = expectTokenIds("Seq2SeqEncoder.forward", "X", X);
    return tf.tidy(() => {
      // embs: (numSteps, batch, embedSize)
      const embs = this.embedding.forward(ids.transpose());
      return this.rnn.forward(embs);
    });
  }
}
