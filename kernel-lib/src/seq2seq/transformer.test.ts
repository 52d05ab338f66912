import { afterEach, describe, expect, it } from "vitest";
import { tf } from "../tf";
import { checkShape } from "../ops/check";
import { seed } from "../ops/random";
import { TransformerEncoder, TransformerEncoderBlock } from "./transformer-encoder";
import { TransformerDecoder, TransformerDecoderBlock, type TransformerDecoderState } from "./transformer-decoder";
import { Seq2Seq } from "./seq2seq";
import type { EncoderDecoder } from "./encoder-decoder";

const ids = (values: number[][]) => tf.tensor2d(values, undefined, "int32");
const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

/** A small Transformer: source vocabulary 12, target 15, 16 hidden, FFN 32, 4 heads, 2 blocks. */
function small(dropout = 0.1) {
  const encoder = new TransformerEncoder(12, 16, 32, 4, 2, dropout);
  const decoder = new TransformerDecoder(15, 16, 32, 4, 2, dropout);
  return { encoder, decoder, model: new Seq2Seq(encoder, decoder, 0, 0.01) };
}

const SRC = [[3, 4, 5, 2, 1, 1], [6, 7, 8, 9, 10, 2]];
const SRC_LENS = [4, 6];
const TGT = [[1, 3, 5, 7, 2, 0, 0], [1, 4, 4, 9, 11, 13, 2]];

afterEach(() => {
  tf.disposeVariables();
});

describe("the Transformer of section 11.7", () => {
  it("has the shapes of the book's checks", () => {
    seed(0);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const X = tf.ones([2, 100, 24]);
      const validLens = tf.tensor1d([3, 2], "int32");
      const encoderBlk = new TransformerEncoderBlock(24, 48, 8, 0.5).eval();
      checkShape(encoderBlk.forward(X, validLens), [2, 100, 24]);
      const encoder = new TransformerEncoder(200, 24, 48, 8, 2, 0.5);
      checkShape(encoder.forward(tf.ones([2, 100], "int32"), validLens), [2, 100, 24]);
      expect(encoder.attentionWeights.map((w) => w.shape)).toEqual([[16, 100, 100], [16, 100, 100]]);
      const decoderBlk = new TransformerDecoderBlock(24, 48, 8, 0.5, 0);
      const state: TransformerDecoderState = [encoderBlk.forward(X, validLens), validLens, [null]];
      checkShape(decoderBlk.forward(X, state)[0], [2, 100, 24]);
      const decoder = new TransformerDecoder(30, 24, 48, 8, 2, 0.5);
      const [logits] = decoder.forward(tf.ones([2, 7], "int32"), decoder.initState(encoder.forward(tf.ones([2, 100], "int32"), validLens), validLens));
      checkShape(logits, [2, 7, 30]);
      const [self, encDec] = decoder.attentionWeights;
      expect(self.map((w) => w.shape)).toEqual([[16, 7, 7], [16, 7, 7]]);
      expect(encDec.map((w) => w.shape)).toEqual([[16, 7, 100], [16, 7, 100]]);
      [encoderBlk, encoder, decoderBlk, decoder].forEach((layer) => layer.dispose());
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("hides the source padding from the encoder's and the encoder-decoder attention", () => {
    seed(1);
    const { encoder, decoder } = small();
    encoder.eval();
    decoder.eval();
    tf.tidy(() => {
      const lens = tf.tensor1d(SRC_LENS, "int32");
      decoder.forward(ids(TGT), decoder.initState(encoder.forward(ids(SRC), lens), lens));
      // Example 0 has 4 valid source tokens: its heads are rows 0-3 of each weight tensor.
      for (const w of [...encoder.attentionWeights, ...decoder.attentionWeights[1]]) {
        const padding = w.slice([0, 0, 4], [4, -1, -1]);
        expect(tf.max(padding).dataSync()[0]).toBe(0);
        const rowSums = tf.sum(w, 2).dataSync();
        for (const s of rowSums) expect(Math.abs(s - 1)).toBeLessThan(1e-6);
      }
    });
    encoder.dispose();
    decoder.dispose();
  });

  it.each(["eval", "train"] as const)("masks the decoder's self-attention causally in %s mode", (mode) => {
    seed(2);
    const { encoder, decoder } = small(0);
    encoder[mode]();
    decoder[mode]();
    tf.tidy(() => {
      const lens = tf.tensor1d(SRC_LENS, "int32");
      const enc = encoder.forward(ids(SRC), lens);
      const [a] = decoder.forward(ids(TGT), decoder.initState(enc, lens));
      const weights = decoder.attentionWeights[0].map((w) => w.clone());
      // Other tokens from position 4 on: the first four outputs do not change.
      const changed = TGT.map((row) => row.map((t, i) => (i >= 4 ? (t + 5) % 15 : t)));
      const [b] = decoder.forward(ids(changed), decoder.initState(enc, lens));
      expect(maxAbs(a.slice([0, 0, 0], [2, 4, -1]), b.slice([0, 0, 0], [2, 4, -1]))).toBe(0);
      expect(maxAbs(a, b)).toBeGreaterThan(0);
      for (const w of weights) {
        const upper = tf.mul(w, tf.linalg.bandPart(tf.ones([7, 7]), 0, -1).sub(tf.eye(7)));
        expect(tf.max(upper).dataSync()[0]).toBe(0);
      }
    });
    encoder.dispose();
    decoder.dispose();
  });

  it("decodes one token at a time as it decodes the whole prefix (positions P[t], masks in eval)", () => {
    seed(3);
    const { encoder, decoder } = small(0.3);
    encoder.eval();
    decoder.eval();
    tf.tidy(() => {
      const lens = tf.tensor1d(SRC_LENS, "int32");
      const enc = encoder.forward(ids(SRC), lens);
      const [full] = decoder.forward(ids(TGT), decoder.initState(enc, lens));
      const fullWeights = decoder.attentionWeights.map((perBlock) => perBlock.map((w) => w.clone()));
      const state = decoder.initState(enc, lens);
      const steps: tf.Tensor[] = [];
      for (let t = 0; t < 7; t++) {
        const [y, next] = decoder.forward(ids(TGT.map((row) => [row[t]!])), state);
        expect(next).toBe(state); // updated in place, as the book
        expect(state[2].map((kv) => kv!.shape)).toEqual([[2, t + 1, 16], [2, t + 1, 16]]);
        steps.push(y);
        // Step t's weights are row t of the full forward's.
        decoder.attentionWeights.forEach((perBlock, kind) =>
          perBlock.forEach((w, b) => {
            const row = fullWeights[kind]![b]!.slice([0, t, 0], [-1, 1, kind === 0 ? t + 1 : -1]);
            expect(maxAbs(w, row)).toBeLessThan(1e-6);
          }),
        );
      }
      expect(maxAbs(tf.concat(steps, 1), full)).toBeLessThan(1e-5);
    });
    encoder.dispose();
    decoder.dispose();
  });

  it("predictStep's greedy tokens equal the argmax of full recomputation of each prefix", () => {
    seed(4);
    const { encoder, decoder, model } = small(0.2);
    model.eval();
    const batch = [ids(SRC), ids(TGT), tf.tensor1d(SRC_LENS, "int32"), ids(TGT)];
    const [outputs, weights] = model.predictStep(batch, 6, true);
    // A helper typed for any model takes the Transformer's (checked by the type-check).
    const anyModel: EncoderDecoder = model;
    expect(anyModel).toBe(model);
    expect(weights).toHaveLength(6);
    expect(weights[5]![0]!.map((w) => w.shape)).toEqual([[8, 1, 6], [8, 1, 6]]);
    const tokens = outputs.arraySync();
    const prefix = TGT.map((row, b) => [row[0]!, ...tokens[b]!]);
    tf.tidy(() => {
      const logits = model.forward(ids(SRC), ids(prefix.map((row) => row.slice(0, 6))), batch[2]!);
      expect(tf.argMax(logits, 2).arraySync()).toEqual(tokens);
    });
    tf.dispose([outputs, ...batch, ...weights.flat(2)]);
    encoder.dispose();
    decoder.dispose();
  });

  it("gives the book's parameters, created by the first forward", () => {
    seed(5);
    const { model } = small();
    tf.tidy(() => model.forward(ids(SRC), ids(TGT), tf.tensor1d(SRC_LENS, "int32")));
    const sizes = model.parameters().map((p) => p.size);
    // embeddings 12·16 and 15·16; per encoder block 4 projections 16·16, 2 LayerNorms of 2·16,
    // FFN 16·32+32 + 32·16+16; per decoder block one more attention and LayerNorm; dense 16·15+15
    const encoderBlock = 4 * 256 + 2 * 32 + (512 + 32 + 512 + 16);
    const decoderBlock = 8 * 256 + 3 * 32 + (512 + 32 + 512 + 16);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(12 * 16 + 15 * 16 + 2 * encoderBlock + 2 * decoderBlock + 16 * 15 + 15);
    model.dispose();
  });
});
