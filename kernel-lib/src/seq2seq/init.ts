/** `initSeq2seq`: the book's Xavier initialisation for sequence-to-sequence models (section 10.7). */
import { tf } from "../tf";
import { uniform } from "../ops/random";
import { Layer } from "../layers/layer";
import { LazyLinear } from "../layers/linear";
import { GRU } from "../layers/rnn";

/** PyTorch's `nn.init.xavier_uniform_` of a 2-D weight: uniform on ±√(6 / (fanIn + fanOut)). */
function xavierUniform(p: tf.Variable): void {
  const [fanOut, fanIn] = p.shape as number[];
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  tf.tidy(() => p.assign(uniform(p.shape, -bound, bound)));
}

/**
 * Section 10.7's `init_seq2seq(module)`, applied to every layer by `layer.apply(initSeq2seq)`:
 * Xavier-uniform weights (biases unchanged) for a `GRU` (its `weight_ih_l*`, `weight_hh_l*`) and
 * for a linear layer that has its weights. The book checks the exact types `nn.Linear` and
 * `nn.GRU`, and its models call `apply(init_seq2seq)` in their constructors, when their
 * `LazyLinear` layers have no weights yet: so in the book (and here) the GRUs get Xavier weights
 * while the output layer and the attention projections keep PyTorch's default initialisation
 * (uniform on ±1/√fanIn, made on the first forward); an `LSTM` is not touched either.
 */
export function initSeq2seq(layer: Layer): void {
  if (layer.constructor === LazyLinear) {
    const weight = (layer as LazyLinear).weight;
    if (weight !== null) xavierUniform(weight);
  }
  if (layer.constructor === GRU) {
    for (const [name, p] of (layer as GRU).namedParameters()) if (name.includes("weight")) xavierUniform(p);
  }
}
