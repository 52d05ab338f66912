// Bad input at every public boundary of d2l-ts's ops and layers gets a D2lArgumentError whose
// message names the function, the argument, what was seen (shape or value) and what was expected.
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src/index";

const tf = d2l.tf;
const t = (shape: number[]) => tf.zeros(shape);
const t3 = (shape: [number, number, number]) => tf.zeros(shape) as d2l.tf.Tensor3D;
const ids = (values: number[][]) => tf.tensor2d(values, undefined, "int32");
const SAMPLE = path.resolve(__dirname, "../fixtures/fra-eng-sample/fra-eng/fra.txt");
const sample = () => new d2l.MTFraEng(8, 9, 10, 2, { path: SAMPLE });
const model = () => new d2l.Seq2Seq(new d2l.Seq2SeqEncoder(10, 4, 4, 1), new d2l.Seq2SeqAttentionDecoder(10, 4, 4, 1), 0, 0.1);

/** [what is wrong, the call, the exact message]. */
const cases: Array<[string, () => unknown, string]> = [
  // maskedSoftmax (11.3)
  ["X of rank 2", () => d2l.maskedSoftmax(t([2, 4])),
    "maskedSoftmax: X must be 3-D (batch, queries, keys); got shape [2,4]"],
  ["X as a nested array", () => d2l.maskedSoftmax([[[1, 2]]] as unknown as d2l.tf.Tensor),
    "maskedSoftmax: X must be a tf.Tensor; got an array of shape [1,1,2]"],
  ["X of dtype int32", () => d2l.maskedSoftmax(tf.zeros([1, 1, 2], "int32")),
    "maskedSoftmax: X must be a float32 tensor (batch, queries, keys); got dtype int32"],
  ["3-D validLens", () => d2l.maskedSoftmax(t([2, 2, 4]), t([2, 2, 2])),
    "maskedSoftmax: validLens must be 1-D (batch = 2) or 2-D (batch = 2, queries = 2) for X of shape [2,2,4]; got shape [2,2,2]"],
  ["validLens of the wrong batch size", () => d2l.maskedSoftmax(t([2, 2, 4]), [1, 2, 3]),
    "maskedSoftmax: validLens must be 1-D (batch = 2) or 2-D (batch = 2, queries = 2) for X of shape [2,2,4]; got shape [3]"],
  ["2-D validLens with the wrong number of queries", () => d2l.maskedSoftmax(t([2, 2, 4]), [[1, 2, 3], [1, 2, 3]]),
    "maskedSoftmax: validLens must be 1-D (batch = 2) or 2-D (batch = 2, queries = 2) for X of shape [2,2,4]; got shape [2,3]"],
  ["a negative valid length", () => d2l.maskedSoftmax(t([2, 2, 4]), [2, -1]),
    "maskedSoftmax: validLens must be integers >= 0; got -1 at flat index 1 of shape [2]"],
  ["a NaN valid length", () => d2l.maskedSoftmax(t([2, 2, 4]), tf.tensor1d([NaN, 1])),
    "maskedSoftmax: validLens must be integers >= 0; got NaN at flat index 0 of shape [2]"],
  ["a fractional valid length", () => d2l.maskedSoftmax(t([2, 2, 4]), [[1, 2], [2.5, 1]]),
    "maskedSoftmax: validLens must be integers >= 0; got 2.5 at flat index 2 of shape [2,2]"],
  ["ragged validLens", () => d2l.maskedSoftmax(t([2, 2, 4]), [[1, 2], [3]]),
    "maskedSoftmax: validLens must be a number[] or number[][] of integers; got a ragged array"],
  ["a mask that does not broadcast", () => d2l.maskedSoftmax(t([2, 3, 4]), d2l.causalMask(3)),
    "maskedSoftmax: validLens must be an AttentionMask broadcastable to X of shape (batch, queries, keys) = [2,3,4]; got a mask of shape [1,3,3]"],
  // masks (11.6/11.7)
  ["2-D lengths for paddingMask", () => d2l.paddingMask([[1, 2]] as unknown as number[], 4),
    "paddingMask: validLens must be 1-D (batch); got shape [1,2]"],
  ["a negative number of queries", () => d2l.causalMask(-1),
    "causalMask: numQueries must be an integer >= 0; got -1"],
  ["masks of different key counts", () => d2l.causalMask(2).and(d2l.paddingMask([1], 3)),
    "AttentionMask.and: other must be a mask broadcastable with shape [1,2,2]; got shape [1,1,3]"],
  // DotProductAttention (11.3)
  ["2-D queries", () => new d2l.DotProductAttention(0).forward(t([2, 2]), t([2, 3, 2]), t([2, 3, 4])),
    "DotProductAttention.forward: queries must be 3-D (batch, queries, d); got shape [2,2]"],
  ["keys of another depth", () => new d2l.DotProductAttention(0).forward(t([2, 1, 2]), t([2, 3, 5]), t([2, 3, 4])),
    "DotProductAttention.forward: keys must be of depth d = 2, as queries of shape [2,1,2]; got shape [2,3,5]"],
  ["keys of another batch size", () => new d2l.DotProductAttention(0).forward(t([2, 1, 2]), t([3, 3, 2]), t([3, 3, 4])),
    "DotProductAttention.forward: keys must be of batch size = 2, as queries of shape [2,1,2]; got shape [3,3,2]"],
  ["fewer values than keys", () => new d2l.DotProductAttention(0).forward(t([2, 1, 2]), t([2, 10, 2]), t([2, 9, 4])),
    "DotProductAttention.forward: values must be of number of keys = 10, as keys of shape [2,10,2]; got shape [2,9,4]"],
  ["validLens for another batch", () => new d2l.DotProductAttention(0).forward(t([2, 1, 2]), t([2, 10, 2]), t([2, 10, 4]), [2, 6, 1]),
    "DotProductAttention.forward: validLens must be 1-D (batch = 2) or 2-D (batch = 2, queries = 1) for the attention scores of shape [2,1,10]; got shape [3]"],
  ["dropout of 1", () => new d2l.DotProductAttention(1),
    "Dropout: p must be a probability in [0, 1); got 1"],
  // AdditiveAttention (11.3)
  ["a fractional numHiddens", () => new d2l.AdditiveAttention(2.5, 0),
    "AdditiveAttention: numHiddens must be an integer >= 1; got 2.5"],
  ["values of another batch size", () => new d2l.AdditiveAttention(8, 0).forward(t([2, 1, 20]), t([2, 10, 2]), t([1, 10, 4])),
    "AdditiveAttention.forward: values must be of batch size = 2, as keys of shape [2,10,2]; got shape [1,10,4]"],
  ["projected keys of another size than numHiddens", () => new d2l.AdditiveAttention(8, 0).forwardProjected(t([2, 1, 20]), t([2, 10, 6]), t([2, 10, 4])),
    "AdditiveAttention.forwardProjected: projectedKeys must be of numHiddens = 8, as queries projected by Wq of shape [2,1,8]; got shape [2,10,6]"],
  // Dropout (5.6)
  ["a negative dropout", () => new d2l.Dropout(-0.1),
    "Dropout: p must be a probability in [0, 1); got -0.1"],
  ["a NaN dropout", () => new d2l.Dropout(NaN),
    "Dropout: p must be a probability in [0, 1); got NaN"],
  // MultiHeadAttention (11.5)
  ["numHiddens not divisible by numHeads", () => new d2l.MultiHeadAttention(100, 3, 0.5),
    "MultiHeadAttention: numHeads must be a divisor of numHiddens = 100; got 3"],
  ["zero heads", () => new d2l.MultiHeadAttention(100, 0, 0.5),
    "MultiHeadAttention: numHeads must be an integer >= 1; got 0"],
  ["transposeQkv of a 2-D tensor", () => new d2l.MultiHeadAttention(8, 2, 0).transposeQkv(t([4, 8])),
    "MultiHeadAttention.transposeQkv: X must be 3-D (batch, n, numHiddens); got shape [4,8]"],
  ["transposeOutput of rows not divisible by heads", () => new d2l.MultiHeadAttention(8, 2, 0).transposeOutput(t([3, 4, 4])),
    "MultiHeadAttention.transposeOutput: X must be of first dimension divisible by numHeads = 2; got shape [3,4,4]"],
  ["MHA validLens per key instead of per query", () => new d2l.MultiHeadAttention(8, 2, 0).forward(t([2, 4, 8]), t([2, 6, 8]), t([2, 6, 8]), [[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]),
    "MultiHeadAttention.forward: validLens must be 1-D (batch = 2) or 2-D (batch = 2, queries = 4) for the attention scores of shape [2,4,6]; got shape [2,6]"],
  // PositionalEncoding (11.6)
  ["odd numHiddens", () => new d2l.PositionalEncoding(7, 0),
    "PositionalEncoding: numHiddens must be even (sine and cosine columns pair up); got 7"],
  ["X of another feature size", () => new d2l.PositionalEncoding(8, 0, 10).forward(t([1, 5, 6])),
    "PositionalEncoding.forward: X must be of shape (batch, steps <= maxLen = 10, numHiddens = 8); got shape [1,5,6]"],
  ["more steps than maxLen", () => new d2l.PositionalEncoding(8, 0, 10).forward(t([1, 11, 8])),
    "PositionalEncoding.forward: X must be of shape (batch, steps <= maxLen = 10, numHiddens = 8); got shape [1,11,8]"],
  // LazyLinear (6.4), LayerNorm (8.5), FFN and AddNorm (11.7)
  ["zero outFeatures", () => new d2l.LazyLinear(0),
    "LazyLinear: outFeatures must be an integer >= 1; got 0"],
  ["a second input size", () => { const l = new d2l.LazyLinear(3); l.forward(t([2, 4])); return l.forward(t([2, 5])); },
    "LazyLinear.forward: X must be of last dimension 4 (inFeatures, fixed by the first forward); got shape [2,5]"],
  ["a fractional weightFor size", () => new d2l.LazyLinear(3).weightFor(2.5),
    "LazyLinear.weightFor: inFeatures must be an integer >= 1; got 2.5"],
  ["weightFor another size than the first forward's", () => { const l = new d2l.LazyLinear(3); l.forward(t([2, 4])); return l.weightFor(5); },
    "LazyLinear.weightFor: inFeatures must be 4 (fixed by the first forward); got 5"],
  ["a weight of the wrong output size", () => new d2l.LazyLinear(3).setWeights([[1, 2], [3, 4]]),
    "LazyLinear.setWeights: weight must be of shape [inFeatures >= 1, 3]; got shape [2,2]"],
  ["X of another normalized shape", () => new d2l.LayerNorm([3, 4]).forward(t([2, 4, 3])),
    "LayerNorm.forward: X must be of trailing shape [3,4] (normalizedShape); got shape [2,4,3]"],
  ["Y of another shape than X", () => new d2l.AddNorm(4, 0).forward(t([2, 3, 4]), t([2, 4, 4])),
    "AddNorm.forward: Y must be of the shape of X [2,3,4]; got shape [2,4,4]"],
  ["a zero-sized FFN", () => new d2l.PositionWiseFFN(0, 8),
    "PositionWiseFFN: ffnNumHiddens must be an integer >= 1; got 0"],
  // helpers
  ["checkShape of another shape", () => d2l.checkShape(t([2, 3, 6]), [2, 3, 4]),
    "checkShape: t must be of shape [2,3,4]; got shape [2,3,6]"],
  ["checkLen of another length", () => d2l.checkLen([1, 2], 3),
    "checkLen: a must be of length 3; got length 2"],
  ["a negative size for rand", () => d2l.rand([2, -3]),
    "rand: shape must be a shape (an array of integers >= 0); got [2,-3]"],
  ["a negative standard deviation", () => d2l.normal(0, -1, [2]),
    "normal: std must be a finite number >= 0; got -1"],
  ["a fractional seed", () => d2l.seed(1.5),
    "seed: n must be an integer; got 1.5"],
  ["a zero arange step", () => d2l.arange(0, 1, 0),
    "arange: step must be non-zero; got 0"],
  // attention pooling (11.2)
  ["nadarayaWatson with yTrain shorter than xTrain", () => d2l.nadarayaWatson(t([5]), t([3]), t([4]), d2l.gaussian),
    "nadarayaWatson: yTrain must be of length = 5, as xTrain of shape [5]; got shape [3]"],
  ["nadarayaWatson with 2-D xTrain", () => d2l.nadarayaWatson(t([5, 1]), t([5]), t([4]), d2l.gaussian),
    "nadarayaWatson: xTrain must be 1-D (nTrain); got shape [5,1]"],
  ["nadarayaWatson with a kernel that changes the shape", () => d2l.nadarayaWatson(t([5]), t([5]), t([4]), (d) => d.sum(0)),
    "nadarayaWatson: kernel must be a function returning a tensor of the distances' shape [5,4]; got a float32 tensor of shape [4]"],
  ["a kernel width of 0", () => d2l.gaussianWithWidth(0),
    "gaussianWithWidth: sigma must be a finite number > 0; got 0"],
  ["attentionPool with values for another number of keys", () => d2l.attentionPool(t([3, 5]), t([4])),
    "attentionPool: values must be of number of keys = 5, as queryKeyDiffs of shape [3,5]; got shape [4]"],
  ["NWKernelRegression with fewer values than keys", () => new d2l.NWKernelRegression(t([7]), t([2]), 1),
    "NWKernelRegression: values must be of length = 7, as keys of shape [7]; got shape [2]"],
  ["NonlinearData of no examples", () => new d2l.NonlinearData(0, 10),
    "NonlinearData: n must be an integer >= 1; got 0"],
  // training framework (3.2, 3.4)
  ["a batch size of 0", () => new d2l.NonlinearData(50, 0),
    "NonlinearData: batchSize must be an integer >= 1; got 0"],
  ["tensors of different example counts", () => new d2l.DataModule(2).getTensorloader([t([4, 2]), t([3])], true),
    "getTensorloader: tensors must be of one first dimension (examples) = 4, as tensors[0] of shape [4,2]; got shape [3] at position 1"],
  ["an example index out of range", () => new d2l.DataModule(2).getTensorloader([t([4])], false, [0, 4]),
    "getTensorloader: indices must be integers in [0, 4); got 4 at position 1"],
  ["maxEpochs of 0", () => new d2l.Trainer({ maxEpochs: 0 }),
    "Trainer: maxEpochs must be an integer >= 1; got 0"],
  ["a fractional maxEpochs", () => new d2l.Trainer({ maxEpochs: 2.5 }),
    "Trainer: maxEpochs must be an integer >= 1; got 2.5"],
  ["a negative gradientClipVal", () => new d2l.Trainer({ maxEpochs: 1, gradientClipVal: -1 }),
    "Trainer: gradientClipVal must be a finite number >= 0 (0: no clipping); got -1"],
  ["an SGD learning rate of NaN", () => new d2l.SGD([], NaN),
    "SGD: lr must be a finite number; got NaN"],
  ["a gradient of another shape", () => {
    const p = tf.variable(t([2]), true, "badInputSgdParam");
    try {
      new d2l.SGD([p], 0.1).step([t([3])]);
    } finally {
      p.dispose();
    }
  }, "SGD.step: grads must be of the shapes of their parameters; got shape [3] for parameter badInputSgdParam of shape [2]"],
  ["an Adam learning rate of NaN", () => new d2l.Adam([], NaN),
    "Adam: lr must be a finite number; got NaN"],
  // vocabulary and translation data (9.2, 10.5)
  ["a token id outside the vocabulary", () => new d2l.Vocab(["a", "b"]).toTokens([0, 3]),
    "Vocab.toTokens: indices must be token ids in [0, 3) (the vocabulary's length); got 3 at position 1"],
  ["numSteps of 0", () => new d2l.MTFraEng(8, 0, 10, 2, { path: SAMPLE }),
    "MTFraEng: numSteps must be an integer >= 1; got 0"],
  ["a fra.txt that does not exist", () => new d2l.MTFraEng(8, 9, 10, 2, { path: "/no/such/fra.txt" }),
    'MTFraEng: path must be a readable file in the book\'s fra.txt format; got "/no/such/fra.txt" (ENOENT: no such file or directory, open \'/no/such/fra.txt\')'],
  ["a fra.txt path that is a directory", () => new d2l.MTFraEng(8, 9, 10, 2, { path: path.dirname(SAMPLE) }),
    `MTFraEng: path must be a readable file in the book's fra.txt format; got ${JSON.stringify(path.dirname(SAMPLE))} (EISDIR: illegal operation on a directory, read)`],
  ["more training examples than the shipped corpus holds", () => new d2l.MTFraEng(128, 9, 5000, 128, { path: d2l.SHIPPED_CORPUS }),
    `MTFraEng: numTrain must be at most 1053 (${d2l.SHIPPED_CORPUS} holds 1181 sentence pairs; numVal = 128 of them validate); got 5000`],
  ["more validation examples than the corpus holds", () => new d2l.MTFraEng(8, 9, 10, 40, { path: SAMPLE }),
    `MTFraEng: numVal must be less than 37 (${SAMPLE} holds 37 sentence pairs; numTrain + numVal at most 37); got 40`],
  ["fewer target than source sentences in build", () => sample().build(["go .", "hi ."], ["va !"]),
    "MTFraEng.build: tgtSentences must be as many sentences as srcSentences (2); got 1"],
  ["an empty sentence in build", () => sample().build(["go .", " "], ["va !", "salut ."]),
    'MTFraEng.build: srcSentences must be non-empty sentences; got " " at position 1'],
  // Embedding, GRU, LSTM (nn.Embedding, nn.GRU, nn.LSTM)
  ["an embedding id outside the vocabulary", () => new d2l.Embedding(5, 3).forward(tf.tensor1d([1, 5], "int32")),
    "Embedding.forward: ids must be token ids in [0, 5) (vocabSize); got 5 at flat index 1 of shape [2]"],
  ["a fractional token id", () => new d2l.Embedding(5, 3).forward(tf.tensor1d([1.5])),
    "Embedding.forward: ids must be token ids in [0, 5) (vocabSize); got 1.5 at flat index 0 of shape [1]"],
  ["a GRU state of the wrong shape", () => new d2l.GRU(4, 3, 2).forward(t([5, 2, 4]), t([1, 2, 3])),
    "GRU.forward: state must be of shape (numLayers, batch, numHiddens) = [2,2,3]; got shape [1,2,3]"],
  ["GRU inputs of rank 2", () => new d2l.GRU(4, 3).forward(t([5, 4])),
    "GRU.forward: inputs must be 3-D (steps, batch, numInputs); got shape [5,4]"],
  ["GRU inputs of another feature size", () => new d2l.GRU(4, 3).forward(t([5, 2, 6])),
    "GRU.forward: inputs must be of shape (steps >= 1, batch >= 1, numInputs = 4); got shape [5,2,6]"],
  ["an LSTM state without its memory cell", () => new d2l.LSTM(4, 3).forward(t([5, 2, 4]), [t([1, 2, 3])] as unknown as [d2l.tf.Tensor, d2l.tf.Tensor]),
    "LSTM.forward: state must be [H, C], each (numLayers, batch, numHiddens); got an array of 1"],
  ["an LSTM memory cell for another batch", () => new d2l.LSTM(4, 3).forward(t([5, 2, 4]), [t([1, 2, 3]), t([1, 3, 3])]),
    "LSTM.forward: state[1] must be of shape (numLayers, batch, numHiddens) = [1,2,3]; got shape [1,3,3]"],
  ["a GRU parameter name of a layer it does not have", () => new d2l.GRU(2, 1).setParameters({ weight_hh_l1: [[1]] }),
    'GRU.setParameters: name must be one of weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0; got "weight_hh_l1"'],
  ["gruLayer with an initial state for another batch", () => d2l.gruLayer(t([2, 3, 4]), t([2, 5]), { weightIh: t([15, 4]), weightHh: t([15, 5]), biasIh: t([15]), biasHh: t([15]) }),
    "gruLayer: h0 must be of shape (batch, hidden) = [3,5]; got shape [2,5]"],
  // encoder-decoder (10.6, 10.7, 11.4)
  ["source ids outside the vocabulary", () => new d2l.Seq2SeqEncoder(10, 4, 4, 1).forward(ids([[1, 2], [3, 12]])),
    "Seq2SeqEncoder.forward: X must be token ids in [0, 10) (vocabSize); got 12 at flat index 3 of shape [2,2]"],
  ["source ids of rank 3", () => new d2l.Seq2SeqEncoder(10, 4, 4, 1).forward(tf.zeros([2, 3, 1], "int32")),
    "Seq2SeqEncoder.forward: X must be 2-D token ids (batch >= 1, numSteps >= 1); got shape [2,3,1]"],
  ["source and target of different batch sizes", () => model().forward(ids([[1, 2], [3, 4]]), ids([[1, 2], [3, 4], [5, 6]])),
    "Seq2Seq.forward: decX must be of the batch size of encX of shape [2,2]; got shape [3,2]"],
  ["decoder ids for another batch than the state", () => {
    const d = new d2l.Seq2SeqAttentionDecoder(10, 4, 6, 2);
    return d.forward(ids([[1, 2]]), d.initState([t3([5, 3, 6]), t3([2, 3, 6])], null));
  }, "Seq2SeqAttentionDecoder.forward: X must be of batch size 3, as the encoder outputs state[0] of shape [3,5,6]; got shape [1,2]"],
  ["an encoder state with too few layers", () => new d2l.Seq2SeqAttentionDecoder(10, 4, 6, 2).initState([t3([5, 3, 6]), t3([1, 3, 6])], null),
    "Seq2SeqAttentionDecoder.initState: encOutputs[1] must be of shape (numLayers, batch, numHiddens) = [2,3,6]; got shape [1,3,6]"],
  ["a decoder hidden state of another size", () => new d2l.Seq2SeqAttentionDecoder(10, 4, 6, 2).forward(ids([[1, 2]]), [t3([1, 5, 6]), t3([2, 1, 5]), null]),
    "Seq2SeqAttentionDecoder.forward: state[1] must be of shape (numLayers, batch, numHiddens) = [2,1,6]; got shape [2,1,5]"],
  ["decoder valid lengths for another batch, at initState", () => new d2l.Seq2SeqAttentionDecoder(10, 4, 6, 2).initState([t3([5, 3, 6]), t3([2, 3, 6])], [5, 4]),
    "Seq2SeqAttentionDecoder.initState: encValidLens must be 1-D source valid lengths of length batch = 3, a padding AttentionMask of shape (batch = 3, 1, encSteps = 5), or null; got shape [2]"],
  ["a negative decoder valid length, at initState", () => new d2l.Seq2SeqAttentionDecoder(10, 4, 6, 2).initState([t3([5, 2, 6]), t3([2, 2, 6])], tf.tensor1d([5, -1], "int32")),
    "Seq2SeqAttentionDecoder.initState: encValidLens must be integers >= 0; got -1 at flat index 1 of shape [2]"],
  ["a decoder state with valid lengths for another batch", () => new d2l.Seq2SeqAttentionDecoder(10, 4, 6, 2).forward(ids([[1], [2]]), [t3([2, 5, 6]), t3([2, 2, 6]), [5, 4, 3]]),
    "Seq2SeqAttentionDecoder.forward: state[2] must be 1-D source valid lengths of length batch = 2, a padding AttentionMask of shape (batch = 2, 1, encSteps = 5), or null; got shape [3]"],
  ["predictStep for 0 steps", () => model().predictStep([ids([[1]]), ids([[1]]), tf.tensor1d([1], "int32")], 0),
    "Seq2Seq.predictStep: numSteps must be an integer >= 1; got 0"],
  ["predictStep with a target batch of another size", () => model().predictStep([ids([[1], [2]]), ids([[1]]), tf.tensor1d([1], "int32")], 3),
    "Seq2Seq.predictStep: batch[1] must be 2-D tgt (batch, >= 1) with the batch size of src of shape [2,1]; got shape [1,1]"],
  ["a negative tgtPad", () => new d2l.Seq2Seq(new d2l.Seq2SeqEncoder(10, 4, 4, 1), new d2l.Seq2SeqAttentionDecoder(10, 4, 4, 1), -1, 0.1),
    "Seq2Seq: tgtPad must be an integer in [0, 10) (the target vocabulary's index of <pad>; 10 = the decoder's embedding.vocabSize); got -1"],
  ["a tgtPad outside the decoder's vocabulary", () => new d2l.Seq2Seq(new d2l.Seq2SeqEncoder(10, 4, 4, 1), new d2l.Seq2SeqAttentionDecoder(10, 4, 4, 1), 999, 0.1),
    "Seq2Seq: tgtPad must be an integer in [0, 10) (the target vocabulary's index of <pad>; 10 = the decoder's embedding.vocabSize); got 999"],
  // panel labels of a heatmap grid (11.7's blocks × heads)
  ["panel labels for fewer grid rows", () => d2l.showHeatmaps(t([2, 3, 4, 4]), { panelLabels: { rows: ["block 1"], cols: ["h1", "h2", "h3"] } }),
    "showHeatmaps: panelLabels.rows must be 2 strings (one per grid row); got 1 entry"],
  ["panel labels for more grid rows", () => d2l.showHeatmaps(t([1, 3, 4, 4]), { panelLabels: { rows: ["block 1", "block 2"], cols: ["h1", "h2", "h3"] } }),
    "showHeatmaps: panelLabels.rows must be 1 string (one per grid row); got 2 entries"],
  ["a panel label that is not a string", () => d2l.showHeatmaps(t([2, 3, 4, 4]), { panelLabels: { rows: ["block 1", 2 as unknown as string], cols: ["h1", "h2", "h3"] } }),
    "showHeatmaps: panelLabels.rows must be 2 strings (one per grid row); got 2 at position 1"],
  ["a negative figure width", () => d2l.showHeatmaps(t([1, 1, 2, 2]), { figsize: [-1, 2] }),
    "showHeatmaps: figsize must be [width, height] in inches, each in (0, 100]; got [-1, 2]"],
  ["an empty panel label", () => d2l.showHeatmaps(t([2, 3, 4, 4]), { panelLabels: { rows: ["block 1", "block 2"], cols: ["h1", " ", "h3"] } }),
    "showHeatmaps: panelLabels.cols[1] must be a name; got an empty string"],
  // the Transformer (11.7)
  ["numHiddens not divisible by numHeads", () => new d2l.TransformerEncoder(10, 24, 48, 5, 2, 0.1),
    "TransformerEncoder: numHeads must be a divisor of numHiddens = 24 (each head gets numHiddens / numHeads features); got 5"],
  ["a decoder block whose heads do not divide numHiddens", () => new d2l.TransformerDecoderBlock(24, 48, 5, 0.1, 0),
    "TransformerDecoderBlock: numHeads must be a divisor of numHiddens = 24 (each head gets numHiddens / numHeads features); got 5"],
  ["an odd numHiddens for the decoder's positional encoding", () => new d2l.TransformerDecoder(10, 9, 16, 3, 2, 0.1),
    "TransformerDecoder: numHiddens must be even (the positional encoding pairs sine and cosine columns); got 9"],
  ["a negative block index", () => new d2l.TransformerDecoderBlock(8, 16, 2, 0.1, -1),
    "TransformerDecoderBlock: i must be an integer >= 0; got -1"],
  ["an encoder block input of rank 2", () => new d2l.TransformerEncoderBlock(8, 16, 2, 0.1).forward(t([2, 8])),
    "TransformerEncoderBlock.forward: X must be 3-D (batch, steps, numHiddens = 8); got shape [2,8]"],
  ["an encoder block input of another width", () => new d2l.TransformerEncoderBlock(8, 16, 2, 0.1).forward(t([2, 3, 6])),
    "TransformerEncoderBlock.forward: X must be of shape (batch >= 1, steps >= 1, numHiddens = 8); got shape [2,3,6]"],
  ["encoder block valid lengths for another batch", () => new d2l.TransformerEncoderBlock(8, 16, 2, 0.1).forward(t([2, 3, 8]), [1, 2, 3]),
    "TransformerEncoderBlock.forward: validLens must be 1-D (batch = 2) or 2-D (batch = 2, queries = 3) for the self-attention scores of shape [2,3,3]; got shape [3]"],
  ["Transformer source ids of rank 3", () => new d2l.TransformerEncoder(10, 8, 16, 2, 2, 0.1).forward(tf.zeros([2, 3, 1], "int32")),
    "TransformerEncoder.forward: X must be 2-D token ids (batch >= 1, numSteps >= 1) in a live tf.Tensor; got shape [2,3,1]"],
  ["Transformer source valid lengths for another batch", () => new d2l.TransformerEncoder(10, 8, 16, 2, 2, 0.1).forward(ids([[1, 2], [3, 4]]), tf.tensor1d([2, 2, 1], "int32")),
    "TransformerEncoder.forward: validLens must be 1-D (batch = 2) or 2-D (batch = 2, queries = 2) for the self-attention scores of shape [2,2,2]; got shape [3]"],
  ["2-D source valid lengths for the decoder", () => new d2l.TransformerDecoder(10, 8, 16, 2, 2, 0.1).initState(t3([2, 5, 8]), [[1, 2], [3, 4]]),
    "TransformerDecoder.initState: encValidLens must be 1-D source valid lengths of length batch = 2, a padding AttentionMask of shape (batch = 2, 1, encSteps = 5), or null; got shape [2,2]"],
  ["1-D source valid lengths for another batch for the decoder", () => new d2l.TransformerDecoder(10, 8, 16, 2, 2, 0.1).initState(t3([2, 5, 8]), [1, 2, 3]),
    "TransformerDecoder.initState: encValidLens must be 1-D source valid lengths of length batch = 2, a padding AttentionMask of shape (batch = 2, 1, encSteps = 5), or null; got shape [3]"],
  ["an RNN encoder's [outputs, state] for the Transformer decoder", () => new d2l.TransformerDecoder(10, 8, 16, 2, 2, 0.1).initState([t3([5, 2, 8]), t3([2, 2, 8])] as unknown as d2l.tf.Tensor3D, [1, 2]),
    "TransformerDecoder.initState: encOutputs must be the Transformer encoder's outputs, one tensor (batch, steps, numHiddens = 8), with the source valid lengths as encValidLens (an RNN encoder's [outputs, state] goes to Seq2SeqAttentionDecoder); got an array of 2 entries (a float32 tensor of shape [5,2,8], a float32 tensor of shape [2,2,8])"],
  ["encoder outputs of another numHiddens", () => new d2l.TransformerDecoder(10, 8, 16, 2, 2, 0.1).initState(t3([2, 5, 6]), [3, 4]),
    "TransformerDecoder.initState: encOutputs must be of shape (batch >= 1, steps >= 1, numHiddens = 8); got shape [2,5,6]"],
  ["the state of a decoder with another number of blocks", () => {
    const other = new d2l.TransformerDecoder(10, 8, 16, 2, 3, 0.1);
    return new d2l.TransformerDecoder(10, 8, 16, 2, 2, 0.1).forward(ids([[1], [2]]), other.initState(t3([2, 5, 8]), [3, 4]));
  }, "TransformerDecoder.forward: state[2] must be an array of numBlks = 2 entries, each null or a block's cached inputs; got an array of 3 entries"],
  ["the state of an RNN decoder (11.4)", () => new d2l.TransformerDecoder(10, 8, 16, 2, 2, 0.1).forward(ids([[1]]), [t3([1, 5, 8]), t3([2, 1, 8]), [3]] as unknown as d2l.TransformerDecoderState),
    "TransformerDecoder.forward: state[1] must be 1-D source valid lengths of length batch = 1, a padding AttentionMask of shape (batch = 1, 1, encSteps = 5), or null; got shape [2,1,8]"],
  ["Transformer decoder ids for another batch than the state", () => {
    const d = new d2l.TransformerDecoder(10, 8, 16, 2, 2, 0.1);
    return d.forward(ids([[1]]), d.initState(t3([2, 5, 8]), [3, 4]));
  }, "TransformerDecoder.forward: X must be of batch size 2, as the encoder outputs state[0] of shape [2,5,8]; got shape [1,1]"],
  ["a block's cached inputs for another batch", () => new d2l.TransformerDecoderBlock(8, 16, 2, 0.1, 0).forward(t([2, 1, 8]), [t3([2, 5, 8]), [3, 4], [t3([3, 2, 8])]]),
    "TransformerDecoderBlock.forward: state[2][0] must be cached inputs of batch size 2, as X; got shape [3,2,8]"],
  ["blocks that cached different numbers of steps", () => new d2l.TransformerDecoder(10, 8, 16, 2, 2, 0.1).forward(ids([[1], [2]]), [t3([2, 5, 8]), [3, 4], [t3([2, 2, 8]), t3([2, 3, 8])]]),
    "TransformerDecoder.forward: state[2][1] must be the same number of cached steps as block 0 (2); got shape [2,3,8]"],
  ["a decoder block beyond the state's blocks", () => new d2l.TransformerDecoderBlock(8, 16, 2, 0.1, 2).forward(t([2, 1, 8]), [t3([2, 5, 8]), [3, 4], [null, null]]),
    "TransformerDecoderBlock.forward: state[2] must be an array with an entry for block i = 2; got an array of 2 entries"],
  ["positions past maxLen after an offset", () => new d2l.PositionalEncoding(8, 0, 10).forward(t([1, 4, 8]), 7),
    "PositionalEncoding.forward: X must be of shape (batch, steps <= maxLen - offset = 3, numHiddens = 8); got shape [1,4,8]"],
  ["labels for fewer positions than the predictions", () => new d2l.Classifier().loss(t([2, 3, 5]), ids([[1, 2]])),
    "Classifier.loss: y must be one label per row of yHat of shape [2,3,5] (6 labels); got shape [1,2]"],
  ["a label outside the classes", () => d2l.crossEntropy(t([2, 3]), [0, 3]),
    "crossEntropy: labels must be class indices in [0, 3); got 3 at position 1"],
  ["targets of another size than the predictions", () => d2l.squaredLoss(t([4, 1]), t([5])),
    "squaredLoss: y must be of size 4, as yHat of shape [4,1]; got shape [5]"],
  ["predictions as an array", () => d2l.squaredLoss([1, 2] as unknown as d2l.tf.Tensor, t([2])),
    "squaredLoss: yHat must be a tf.Tensor; got an array of shape [2]"],
  ["bleu of 0-grams", () => d2l.bleu("a", "a", 0),
    "bleu: k must be an integer >= 1; got 0"],
];

describe("bad input gets a clear D2lArgumentError", () => {
  it("has at least 25 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)("%s", (_what, call, message) => {
    let caught: unknown;
    try {
      call();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(d2l.D2lArgumentError);
    expect((caught as Error).message).toBe(message);
    // Every message names a function and an argument, an expectation and what was seen.
    expect(message).toMatch(/^[A-Za-z0-9.]+: [\w.[\]]+ must be .+; got .+$/);
  });
});
