// tf.memory().numTensors stays flat over long training and forward loops of d2l-ts's layers:
// every forward cleans up after itself (tf.tidy) and kept attention weights are replaced, not
// accumulated.
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src/index";

const SAMPLE = path.resolve(__dirname, "../fixtures/fra-eng-sample/fra-eng/fra.txt");

const tf = d2l.tf;

/** MultiHeadAttention followed by a LazyLinear read-out, in training mode (dropout active). */
class TinyAttentionModel extends d2l.Module {
  attention = new d2l.MultiHeadAttention(16, 4, 0.1, true);
  head = new d2l.LazyLinear(1);
  constructor() {
    super();
    this.board = new d2l.ProgressBoard({ display: false });
  }
  override forward(X: d2l.tf.Tensor): d2l.tf.Tensor {
    return tf.tidy(() => this.head.forward(this.attention.forward(X, X, X, [3, 5, 1, 6])).squeeze([2]));
  }
  override loss(yHat: d2l.tf.Tensor, y: d2l.tf.Tensor): d2l.tf.Scalar {
    return tf.tidy(() => tf.losses.meanSquaredError(y, yHat) as d2l.tf.Scalar);
  }
  override configureOptimizers(): d2l.SGD {
    return new d2l.SGD(this.parameters(), 0.01);
  }
}

describe("no tensor leaks", () => {
  it("1,000 training steps (tf.variableGrads + SGD) of MultiHeadAttention + LazyLinear", () => {
    d2l.seed(0);
    const model = new TinyAttentionModel().train();
    const X = d2l.randn([4, 6, 8]);
    const y = d2l.randn([4, 6]);
    model.forward(X).dispose(); // creates the lazy parameters, as the book's first forward
    const step = (): number => {
      const { value, grads } = tf.variableGrads(() => model.loss(model.forward(X), y), model.parameters());
      const optimizer = new d2l.SGD(model.parameters(), 0.01);
      optimizer.step(grads);
      const loss = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    };
    const first = step();
    const baseline = tf.memory().numTensors;
    let last = first;
    for (let i = 1; i < 1000; i++) {
      last = step();
      if (i % 250 === 0) expect(tf.memory().numTensors).toBe(baseline);
    }
    expect(tf.memory().numTensors).toBe(baseline);
    expect(last).toBeLessThan(first); // it really trained
    const params = model.parameters().length;
    expect(params).toBe(10); // Wq, Wk, Wv, Wo (weight + bias) and the read-out
    model.dispose();
    tf.dispose([X, y]);
  });

  it("Trainer.fit of the same model leaves only the model's own tensors", async () => {
    d2l.seed(1);
    const model = new TinyAttentionModel();
    class Data extends d2l.DataModule {
      X = d2l.randn([32, 6, 8]);
      y = d2l.randn([32, 6]);
      constructor() {
        super(4);
      }
      override getDataloader(train: boolean): d2l.DataLoader {
        return this.getTensorloader([this.X, this.y], train);
      }
    }
    const data = new Data();
    // The lazy parameters and the kept attention weights exist after one forward.
    model.forward(data.X.slice([0, 0, 0], [4, 6, 8])).dispose();
    const before = tf.memory().numTensors;
    const trainer = new d2l.Trainer({ maxEpochs: 10 });
    await trainer.fit(model, data);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("forward-only loops of every layer", () => {
    d2l.seed(2);
    const X = d2l.randn([2, 5, 8]);
    const K = d2l.randn([2, 7, 8]);
    const V = d2l.randn([2, 7, 3]);
    const layers: Array<[string, d2l.Layer, () => d2l.tf.Tensor]> = [];
    const add = <L extends d2l.Layer>(name: string, layer: L, run: (l: L) => d2l.tf.Tensor) =>
      layers.push([name, layer, () => run(layer)]);
    add("LazyLinear", new d2l.LazyLinear(4), (l) => l.forward(X));
    add("Dropout", new d2l.Dropout(0.5), (l) => l.forward(X));
    add("LayerNorm", new d2l.LayerNorm(8), (l) => l.forward(X));
    add("DotProductAttention", new d2l.DotProductAttention(0.2), (l) => l.forward(X, K, V, [2, 7]));
    add("AdditiveAttention", new d2l.AdditiveAttention(6, 0.2), (l) => l.forward(X, K, V, [[1, 2, 3, 4, 5], [0, 7, 7, 1, 2]]));
    add("MultiHeadAttention", new d2l.MultiHeadAttention(8, 2, 0.2), (l) => l.forward(X, K, K, d2l.paddingMask([3, 4], 7)));
    add("PositionalEncoding", new d2l.PositionalEncoding(8, 0.2, 50), (l) => l.forward(X));
    add("PositionWiseFFN", new d2l.PositionWiseFFN(16, 8), (l) => l.forward(X));
    add("AddNorm", new d2l.AddNorm(8, 0.2), (l) => l.forward(X, X));
    add("maskedSoftmax", new d2l.Dropout(0), () => d2l.maskedSoftmax(X, d2l.causalMask(5, 8)));
    const ids = tf.tensor2d([[1, 2, 3], [4, 0, 2]], undefined, "int32");
    const h0 = tf.fill([2, 5, 4], 0.1);
    add("Embedding", new d2l.Embedding(5, 3), (l) => l.forward(ids));
    // outputs returned, states freed by the loop: time-major (steps 2, batch 5, features 8)
    add("GRU", new d2l.GRU(8, 4, 2, 0.2), (l) => {
      const [outputs, state] = l.forward(X, h0);
      state.dispose();
      return outputs;
    });
    add("LSTM", new d2l.LSTM(8, 4, 2, 0.2), (l) => {
      const [outputs, [H, C]] = l.forward(X);
      tf.dispose([H, C]);
      return outputs;
    });
    for (const [name, layer, run] of layers) {
      run().dispose(); // lazy parameters, kept weights
      const baseline = tf.memory().numTensors;
      for (let i = 0; i < 200; i++) run().dispose();
      expect({ name, numTensors: tf.memory().numTensors }).toEqual({ name, numTensors: baseline });
      const held = tf.memory().numTensors;
      layer.dispose();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(held);
    }
    tf.dispose([X, K, V, ids, h0]);
  });

  it("Trainer.fit of Seq2Seq (GRU encoder, attention decoder, Adam, clipping) and predictStep loops", async () => {
    d2l.seed(3);
    const data = new d2l.MTFraEng(8, 6, 16, 8, { path: SAMPLE });
    const encoder = new d2l.Seq2SeqEncoder(data.srcVocab.length, 8, 8, 2, 0.2);
    const decoder = new d2l.Seq2SeqAttentionDecoder(data.tgtVocab.length, 8, 8, 2, 0.2);
    const model = new d2l.Seq2Seq(encoder, decoder, data.tgtVocab.get("<pad>"), 0.01);
    model.board = new d2l.ProgressBoard({ display: false });
    // The first fit creates the lazy parameters and the weights the attention layers keep.
    await new d2l.Trainer({ maxEpochs: 1, gradientClipVal: 1 }).fit(model, data);
    const before = tf.memory().numTensors;
    await new d2l.Trainer({ maxEpochs: 8, gradientClipVal: 1 }).fit(model, data);
    expect(tf.memory().numTensors).toBe(before);
    const batch = data.build(["go .", "i'm home ."], ["va !", "je suis chez moi ."]);
    const predict = (): void => {
      const [outputs, weights] = model.predictStep(batch, data.numSteps, true);
      tf.dispose([outputs, ...weights.flat()]);
    };
    predict();
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) predict();
    expect(tf.memory().numTensors).toBe(baseline);
    tf.dispose(batch);
    model.dispose();
    data.dispose();
  });
});
