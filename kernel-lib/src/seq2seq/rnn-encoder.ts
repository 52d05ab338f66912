/** `Seq2SeqEncoder`: the RNN encoder of section 10.7, used by 11.4. */
import { tf } from "../tf";
import { expectInteger, expectProbability, expectTensor, fail, formatShape } from "../ops/check";
import { Embedding, readTokenIds } from "../layers/embedding";
import { GRU } from "../layers/rnn";
import { Encoder } from "./encoder-decoder";
import { initSeq2seq } from "./init";

/** What `Seq2SeqEncoder.forward` returns: `[outputs (numSteps, batch, numHiddens), state (numLayers, batch, numHiddens)]`. */
export type Seq2SeqEncoderOutput = [outputs: tf.Tensor3D, state: tf.Tensor3D];

/**
 * Token ids `X` `(batch, numSteps)` (int32, or float32 holding integers) checked against
 * [0, vocabSize), and transposed on the host to time-major `(numSteps, batch)`, the order the
 * book embeds them in (`embedding(X.t())`).
 */
export function timeMajorIds(fn: string, arg: string, X: unknown, vocabSize: number): { ids: Int32Array; batch: number; steps: number } {
  const t = expectTensor(fn, arg, X);
  if (t.rank !== 2 || (t.shape as number[]).some((d) => d < 1)) fail(fn, arg, "2-D token ids (batch >= 1, numSteps >= 1)", `shape ${formatShape(t.shape)}`);
  const [batch, steps] = t.shape as [number, number];
  const rowMajor = readTokenIds(fn, arg, t, vocabSize);
  const ids = new Int32Array(rowMajor.length);
  for (let b = 0; b < batch; b++) for (let s = 0; s < steps; s++) ids[s * batch + b] = rowMajor[b * steps + s];
  return { ids, batch, steps };
}

/** Checks the sizes the RNN encoder and decoders of 10.7 and 11.4 take. */
export function checkRnnSizes(name: string, vocabSize: number, embedSize: number, numHiddens: number, numLayers: number, dropout: number): void {
  expectInteger(name, "vocabSize", vocabSize, 1);
  expectInteger(name, "embedSize", embedSize, 1);
  expectInteger(name, "numHiddens", numHiddens, 1);
  expectInteger(name, "numLayers", numLayers, 1);
  expectProbability(name, "dropout", dropout);
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
    checkRnnSizes("Seq2SeqEncoder", vocabSize, embedSize, numHiddens, numLayers, dropout);
    this.embedding = new Embedding(vocabSize, embedSize);
    this.rnn = new GRU(embedSize, numHiddens, numLayers, dropout);
    this.apply(initSeq2seq);
  }

  forward(X: tf.Tensor, ..._args: unknown[]): Seq2SeqEncoderOutput {
    const { ids, batch, steps } = timeMajorIds("Seq2SeqEncoder.forward", "X", X, this.embedding.vocabSize);
    return tf.tidy(() => {
      // embs: (numSteps, batch, embedSize)
      const embs = this.embedding.embedIds(ids, [steps, batch]);
      return this.rnn.forward(embs);
    });
  }
}
