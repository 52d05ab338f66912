import path from "node:path";
import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { seed } from "../ops/random";
import { Embedding } from "../layers/embedding";
import { DotProductAttention } from "../layers/attention";
import { LazyLinear } from "../layers/linear";
import { MTFraEng } from "../data/mt-fra-eng";
import { ProgressBoard } from "../training/progress-board";
import { Trainer } from "../training/trainer";
import { Decoder, Encoder } from "./encoder-decoder";
import { Seq2Seq } from "./seq2seq";
import { Seq2SeqAttentionDecoder } from "./attention-decoder";
import { Seq2SeqEncoder } from "./rnn-encoder";
import { initSeq2seq } from "./init";
import { bleu } from "./bleu";
import { fastKernelsEnabled, useFastKernels } from "../fast";

const SAMPLE = path.resolve(__dirname, "../../../test/fixtures/fra-eng-sample/fra-eng/fra.txt");

/** The book's 11.4 sizes check: vocab 10, embed 8, hidden 16, 2 layers, batch 4, 7 steps. */
function small(dropout = 0) {
  const encoder = new Seq2SeqEncoder(10, 8, 16, 2, dropout);
  const decoder = new Seq2SeqAttentionDecoder(10, 8, 16, 2, dropout);
  return { encoder, decoder };
}

/** A decoder without attention (embedding + dense, no recurrence): the base classes alone. */
class BagDecoder extends Decoder<tf.Tensor, tf.Tensor> {
  embedding = new Embedding(10, 4);
  dense = new LazyLinear(10);
  initState(encAllOutputs: tf.Tensor): tf.Tensor {
    return encAllOutputs.clone();
  }
  forward(X: tf.Tensor, state: tf.Tensor): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => [this.dense.forward(this.embedding.forward(X).add(state.expandDims(1))), state.add(1)]);
  }
}

class MeanEncoder extends Encoder<tf.Tensor> {
  embedding = new Embedding(10, 4);
  forward(X: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.embedding.forward(X).mean(1));
  }
}

describe("the encoder-decoder of 10.6-10.7 and the attention decoder of 11.4", () => {
  it("have the shapes of the book's check (section 11.4)", () => {
    seed(0);
    const { encoder, decoder } = small();
    const X = tf.zeros([4, 7], "int32");
    const encOut = encoder.forward(X);
    expect(encOut.map((t) => t.shape)).toEqual([[7, 4, 16], [2, 4, 16]]);
    const state = decoder.initState(encOut, null);
    const [output, next] = decoder.forward(X, state);
    expect(output.shape).toEqual([4, 7, 10]);
    expect(next[0].shape).toEqual([4, 7, 16]);
    expect(next[1].shape).toEqual([2, 4, 16]);
    expect(decoder.attentionWeights.map((w) => w.shape)).toEqual(Array(7).fill([4, 1, 7]));
    tf.dispose([X, ...encOut, state[0], output, next[1]]);
    encoder.dispose();
    decoder.dispose();
  });

  it("initSeq2seq gives the GRUs Xavier weights and leaves lazy layers to PyTorch's default", () => {
    seed(1);
    const decoder = new Seq2SeqAttentionDecoder(30, 64, 64, 1);
    const max = (t: tf.Tensor) => tf.max(tf.abs(t)).dataSync()[0]!;
    const ih = decoder.rnn.parameter("weight_ih_l0"); // (192, 128): xavier bound √(6/320)
    expect(max(ih)).toBeLessThanOrEqual(Math.sqrt(6 / 320));
    expect(max(ih)).toBeGreaterThan(1 / 8); // above the default bound 1/√64
    expect(max(decoder.rnn.parameter("bias_ih_l0"))).toBeLessThanOrEqual(1 / 8); // biases keep the default
    expect(decoder.dense.weight).toBeNull(); // lazy: created on the first forward
    // a linear layer that has its weights is initialised too (type nn.Linear in the book)
    const linear = new LazyLinear(200);
    linear.setWeights(tf.zeros([100, 200]));
    linear.apply(initSeq2seq);
    expect(max(linear.weight!)).toBeGreaterThan(0.1);
    expect(max(linear.weight!)).toBeLessThanOrEqual(Math.sqrt(6 / 300));
    decoder.dispose();
    linear.dispose();
  });

  it("predictStep decodes greedily for numSteps steps, never stopping at <eos>, and keeps each step's attention", () => {
    seed(2);
    const { encoder, decoder } = small();
    const model = new Seq2Seq(encoder, decoder, 1, 0.01);
    model.eval();
    const src = tf.tensor2d([[3, 4, 5, 1, 1, 1, 1], [6, 2, 1, 1, 1, 1, 1]], undefined, "int32");
    const tgt = tf.fill([2, 7], 2, "int32");
    const lens = tf.tensor1d([3, 2], "int32");
    const batch = [src, tgt, lens, tgt];
    tf.tidy(() => { model.forward(src, tgt, lens); }); // creates the lazy layers
    // make token 9 (say <eos>) always the most likely: the decoding must still run numSteps steps
    decoder.dense.setWeights(tf.zeros([16, 10]), tf.tensor1d([0, 0, 0, 0, 0, 0, 0, 0, 0, 5]));
    const warmUp = model.predictStep(batch, 6, true); // the decoder now keeps one step's weights
    tf.dispose([warmUp[0], ...warmUp[1].flat()]);
    const before = tf.memory().numTensors;
    const [outputs, weights] = model.predictStep(batch, 6, true);
    expect(outputs.dtype).toBe("int32");
    expect(outputs.arraySync()).toEqual([Array(6).fill(9), Array(6).fill(9)]);
    expect(weights).toHaveLength(6);
    for (const step of weights) {
      expect(step.map((w) => w.shape)).toEqual([[2, 1, 7]]);
      const w = step[0]!.arraySync() as number[][][];
      expect(w[0]![0]!.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
      expect(w[0]![0]!.slice(3)).toEqual([0, 0, 0, 0]); // past the valid length 3
      expect(w[1]![0]!.slice(2)).toEqual([0, 0, 0, 0, 0]);
    }
    // only the returned tensors are new
    tf.dispose([outputs, ...weights.flat()]);
    expect(tf.memory().numTensors).toBe(before);
    const [plain, none] = model.predictStep(batch, 2);
    expect(none).toEqual([]);
    plain.dispose();
    tf.dispose([src, tgt, lens]);
    model.dispose();
  });

  it("work with any Encoder and Decoder: state passed along, no attention weights to save", () => {
    seed(3);
    const model = new Seq2Seq(new MeanEncoder(), new BagDecoder(), 0, 0.1);
    const src = tf.tensor2d([[1, 2], [3, 4]], undefined, "int32");
    const Y = model.forward(src, src);
    expect(Y.shape).toEqual([2, 2, 10]);
    const before = tf.memory().numTensors;
    const [out] = model.predictStep([src, src, src], 3);
    expect(out.shape).toEqual([2, 3]);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => model.predictStep([src, src, src], 3, true)).toThrow(
      "Seq2Seq.predictStep: saveAttentionWeights must be false for a decoder without attention weights (BagDecoder); got true",
    );
    tf.dispose([Y, src]);
    model.dispose();
  });

  it("Seq2Seq's loss ignores the <pad> labels; validation plots the loss only", () => {
    const model = new Seq2Seq(new MeanEncoder(), new BagDecoder(), 0, 0.1);
    const Y = tf.tensor2d([[3, 0], [4, 0]], undefined, "int32");
    const a = tf.randomNormal([2, 2, 10]);
    // change the logits at the <pad> positions only
    const mask = tf.tensor3d([[[0], [1]], [[0], [1]]]).tile([1, 1, 10]);
    const b = a.add(mask.mul(tf.randomNormal([2, 2, 10])));
    expect(model.loss(b, Y).dataSync()[0]).toBeCloseTo(model.loss(a, Y).dataSync()[0]!, 6);
    tf.dispose([Y, a, mask, b]);
    model.dispose();
  });

  it("Seq2Seq's loss of a batch whose labels are all <pad> is 0 with a zero gradient, not NaN", () => {
    const model = new Seq2Seq(new MeanEncoder(), new BagDecoder(), 0, 0.1);
    const Y = tf.tensor2d([[0, 0]], undefined, "int32");
    const yHat = tf.randomNormal([1, 2, 10]);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => model.loss(x, Y))(yHat);
    expect(value.dataSync()[0]).toBe(0);
    expect(Array.from(grad.dataSync()).every((g) => g === 0)).toBe(true);
    tf.dispose([Y, yHat, value, grad]);
    model.dispose();
  });

  it("Seq2Seq refuses a tgtPad outside the target vocabulary: the decoder's embedding, or the logits of loss", () => {
    expect(() => new Seq2Seq(new MeanEncoder(), new BagDecoder(), 10, 0.1)).toThrow(
      "Seq2Seq: tgtPad must be an integer in [0, 10) (the target vocabulary's index of <pad>; 10 = the decoder's embedding.vocabSize); got 10",
    );
    // a decoder without an embedding: known once the loss sees the logits
    class StateDecoder extends Decoder<tf.Tensor, tf.Tensor> {
      initState(encAllOutputs: tf.Tensor): tf.Tensor {
        return encAllOutputs.clone();
      }
      forward(X: tf.Tensor, state: tf.Tensor): [tf.Tensor, tf.Tensor] {
        return [tf.zeros([...X.shape, 10]), state.clone()];
      }
    }
    const model = new Seq2Seq(new MeanEncoder(), new StateDecoder(), 12, 0.1);
    const Y = tf.tensor2d([[3, 0]], undefined, "int32");
    const yHat = tf.zeros([1, 2, 10]);
    expect(() => model.loss(yHat, Y)).toThrow(
      "Seq2Seq.loss: tgtPad must be an integer in [0, 10) (the target vocabulary's index of <pad>; 10 = the last dimension of yHat); got 12",
    );
    tf.dispose([Y, yHat]);
    model.dispose();
  });

  it("train on the sample data with Trainer.fit, Adam and gradient clipping: the validation loss falls", async () => {
    seed(4);
    const data = new MTFraEng(8, 6, 24, 8, { path: SAMPLE });
    const encoder = new Seq2SeqEncoder(data.srcVocab.length, 16, 16, 2, 0.1);
    const decoder = new Seq2SeqAttentionDecoder(data.tgtVocab.length, 16, 16, 2, 0.1);
    const model = new Seq2Seq(encoder, decoder, data.tgtVocab.get("<pad>"), 0.01);
    model.board = new ProgressBoard({ display: false });
    await new Trainer({ maxEpochs: 20, gradientClipVal: 1 }).fit(model, data);
    const val = model.board.data.get("val_loss")!.map((p) => p.y);
    expect(val).toHaveLength(20);
    // After 20 epochs the last validation loss is 0.44–0.61 of the first for seeds 1–6 (dropout's
    // masks differ by seed); it falls steadily, so a third off is a safe margin.
    expect(val[val.length - 1]!).toBeLessThan(val[0]! * (2 / 3));
    expect([...model.board.data.keys()].sort()).toEqual(["train_loss", "val_loss"]);
    data.dispose();
    model.dispose();
  });

  // One layer, one step or a batch of one each make an axis of size 1, whose tf.unstack tfjs
  // cannot differentiate; the book's 11.4 model must still train on them, on both kernel sets.
  it.each([
    ["fast kernels", 16, 9, true],
    ["fast kernels", 1, 1, true],
    ["tfjs's reference kernels", 16, 9, false],
    ["tfjs's reference kernels", 1, 1, false],
  ])("a one-layer model trains an epoch on the shipped corpus with %s (batch %i, numSteps %i)", async (_name, batchSize, numSteps, fast) => {
    const fastWasOn = fastKernelsEnabled();
    useFastKernels(fast);
    try {
      seed(6);
      const data = new MTFraEng(batchSize, numSteps, 32, 8);
      const encoder = new Seq2SeqEncoder(data.srcVocab.length, 8, 8, 1, 0.1);
      const decoder = new Seq2SeqAttentionDecoder(data.tgtVocab.length, 8, 8, 1, 0.1);
      const model = new Seq2Seq(encoder, decoder, data.tgtVocab.get("<pad>"), 0.01);
      model.board = new ProgressBoard({ display: false });
      // The decoder's lazy layers exist after a first forward; copy the weights before training.
      tf.tidy(() => model.forward(...(data.arrays.slice(0, 3) as [tf.Tensor, tf.Tensor, tf.Tensor])));
      const before = model.parameters().map((p) => p.dataSync().slice());
      await new Trainer({ maxEpochs: 1, gradientClipVal: 1 }).fit(model, data);
      const losses = [...model.board.data.get("train_loss")!, ...model.board.data.get("val_loss")!].map((p) => p.y);
      expect(losses.length).toBeGreaterThanOrEqual(2);
      for (const loss of losses) expect(Number.isFinite(loss) && loss > 0).toBe(true);
      // Every parameter moved: gradients reached the encoder, the attention and the decoder. Over
      // one step, the encoder's W_hh multiplies the zero initial state, and the softmax over one
      // key is 1 whatever its score: neither has a gradient.
      const still = numSteps === 1 ? [encoder.rnn.parameter("weight_hh_l0"), ...decoder.attention.parameters()] : [];
      expect(still.length).toBe(numSteps === 1 ? 4 : 0);
      model.parameters().forEach((p, i) => {
        const moved = Array.from(p.dataSync()).some((value, j) => value !== before[i][j]);
        expect(moved, `parameter ${i} of shape [${p.shape}]`).toBe(!still.includes(p));
      });
      data.dispose();
      model.dispose();
    } finally {
      useFastKernels(fastWasOn);
    }
  });

  it("take a DotProductAttention in place of the additive one (11.4's exercise)", () => {
    seed(5);
    const { encoder, decoder } = small();
    decoder.attention = new DotProductAttention(0);
    const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]], undefined, "int32");
    const state = decoder.initState(encoder.forward(X), tf.tensor1d([2, 3], "int32"));
    const [output] = decoder.forward(X, state);
    expect(output.shape).toEqual([2, 3, 10]);
    const w = decoder.attentionWeights[0]!.arraySync() as number[][][];
    expect(w[0]![0]![2]).toBe(0); // past the first example's valid length 2
    expect(w[0]![0]!.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    tf.dispose([X, output, ...state.filter((t): t is tf.Tensor => t instanceof tf.Tensor)]);
    encoder.dispose();
    decoder.dispose();
  });

  it("bleu: 1 for an exact match, 0 when an order has no match, the book's brevity penalty", () => {
    expect(bleu("il est calme .", "il est calme .", 2)).toBe(1);
    expect(bleu("a b b c d", "a b c d e f", 4)).toBe(0);
    expect(bleu("a b", "a b c d e f", 2)).toBeCloseTo(Math.exp(1 - 6 / 2), 12);
  });
});
