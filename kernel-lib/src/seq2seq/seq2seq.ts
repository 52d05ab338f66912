/** `Seq2Seq`: the RNN encoder–decoder trained with the masked loss of section 10.7 (used by 11.4). */
import { tf } from "../tf";
import { describe, expectFinite, expectInteger, fail } from "../ops/check";
import { Embedding } from "../layers/embedding";
import { Adam } from "../training/adam";
import type { Batch } from "../training/tensor-loader";
import { EncoderDecoder, type Decoder, type Encoder } from "./encoder-decoder";

/**
 * Section 10.7's `Seq2Seq(encoder, decoder, tgtPad, lr)`: an `EncoderDecoder` whose loss is the
 * cross-entropy averaged over the labels that are not `<pad>` (`tgtPad`, the target vocabulary's
 * index of `<pad>`), trained with Adam (`configureOptimizers`, PyTorch's defaults, learning rate
 * `lr`); `validationStep` plots `val_loss` only.
 *
 * About the loss: the book's text adds this masked loss to `Seq2Seq` in section 10.7, but the
 * published `d2l` package does not carry it, so the book's own 11.4 and 11.7 runs train with
 * `Classifier.loss`, which also counts the (easy to predict) `<pad>` labels and so reports lower
 * losses. d2l-ts uses the masked loss everywhere: it is the one the book defines and explains,
 * and it measures only the tokens that matter.
 */
export class Seq2Seq<E extends Encoder = Encoder, D extends Decoder = Decoder> extends EncoderDecoder<E, D> {
  /** The index of `<pad>` in the target vocabulary. */
  readonly tgtPad: number;

  /**
   * Throws a `D2lArgumentError` when `tgtPad` is not an integer in [0, vocabSize) of the
   * decoder's target vocabulary (its `embedding.vocabSize`; for a decoder without one, the
   * number of logits `loss` receives), or `lr` is not finite.
   */
  constructor(encoder: E, decoder: D, tgtPad: number, lr: number) {
    super(encoder, decoder);
    const vocabSize = decoderVocabSize(decoder);
    if (vocabSize !== null) checkTgtPad("Seq2Seq", tgtPad, vocabSize, "the decoder's embedding.vocabSize");
    this.tgtPad = expectInteger("Seq2Seq", "tgtPad", tgtPad, 0);
    this.lr = expectFinite("Seq2Seq", "lr", lr);
  }

  /**
   * Section 10.7: cross-entropy of `yHat` `(batch, numSteps, vocabSize)` against the labels `y`
   * `(batch, numSteps)`, summed over the labels that are not `tgtPad` and divided by their count.
   * A batch whose labels are all `tgtPad` has loss 0 and no gradient (the book's code divides 0
   * by 0 there, and the NaN spreads through Adam to every weight). That happens when `numSteps`
   * is so small that no sentence is padded: `<pad>` is then not in the vocabulary and `tgtPad` is
   * `<unk>`'s index, so a batch of unknown words is all "padding".
   */
  override loss(yHat: tf.Tensor, y: tf.Tensor): tf.Scalar {
    const classes = yHat instanceof tf.Tensor && yHat.rank > 0 ? yHat.shape[yHat.rank - 1] : null;
    if (classes !== null) checkTgtPad("Seq2Seq.loss", this.tgtPad, classes, "the last dimension of yHat");
    return tf.tidy(() => {
      const l = super.loss(yHat, y, false);
      const mask = tf.notEqual(y.reshape([-1]), tf.scalar(this.tgtPad, y.dtype)).cast("float32");
      return l.mul(mask).sum().div(tf.maximum(mask.sum(), 1)) as tf.Scalar;
    });
  }

  /** Section 10.7: plots the validation loss (`val_loss`) of one batch. */
  override validationStep(batch: Batch): void {
    const { inputs, target } = this.splitBatch("validationStep", batch);
    tf.tidy(() => {
      this.plot("loss", this.loss(this.forward(inputs[0], inputs[1], ...inputs.slice(2)), target), false);
    });
  }

  /** Section 10.7: `torch.optim.Adam(self.parameters(), lr=self.lr)`. */
  override configureOptimizers(): Adam {
    return new Adam(this.parameters(), this.lr as number);
  }
}

/** The target vocabulary's size when the decoder has an `Embedding` called `embedding` (all of the book's do), else null. */
function decoderVocabSize(decoder: unknown): number | null {
  const embedding = (decoder as { embedding?: unknown } | null)?.embedding;
  return embedding instanceof Embedding ? embedding.vocabSize : null;
}

/** `tgtPad` must index the target vocabulary, or the mask would silently keep every label. */
function checkTgtPad(fn: string, tgtPad: unknown, vocabSize: number, source: string): void {
  if (typeof tgtPad !== "number" || !Number.isInteger(tgtPad) || tgtPad < 0 || tgtPad >= vocabSize) {
    fail(fn, "tgtPad", `an integer in [0, ${vocabSize}) (the target vocabulary's index of <pad>; ${vocabSize} = ${source})`, describe(tgtPad));
  }
}
