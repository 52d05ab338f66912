/** The Transformer's position-wise feed-forward network and residual add & norm (section 11.7). */
import { tf } from "../tf";
import { expectInteger, expectMinRank, fail, formatShape } from "../ops/check";
import { Dropout } from "./dropout";
import { Layer } from "./layer";
import { LayerNorm } from "./layer-norm";
import { LazyLinear } from "./linear";

/**
 * The book's `PositionWiseFFN(ffnNumHiddens, ffnNumOutputs)` (section 11.7): the same two-layer
 * MLP at every position, `dense2(relu(dense1(X)))`; `X` `(…, d)` → `(…, ffnNumOutputs)`.
 */
export class PositionWiseFFN extends Layer {
  dense1: LazyLinear;
  dense2: LazyLinear;

  constructor(ffnNumHiddens: number, ffnNumOutputs: number) {
    super();
    expectInteger("PositionWiseFFN", "ffnNumHiddens", ffnNumHiddens, 1);
    expectInteger("PositionWiseFFN", "ffnNumOutputs", ffnNumOutputs, 1);
    this.dense1 = new LazyLinear(ffnNumHiddens);
    this.dense2 = new LazyLinear(ffnNumOutputs);
  }

  forward(X: tf.Tensor): tf.Tensor {
    const x = expectMinRank("PositionWiseFFN.forward", "X", X, 1, "(…, d)");
    return tf.tidy(() => this.dense2.forward(tf.relu(this.dense1.forward(x))));
  }
}

/**
 * The book's `AddNorm(normShape, dropout)` (section 11.7): the residual connection followed by
 * layer normalisation, `ln(dropout(Y) + X)`; `X` and `Y` have the same shape.
 */
export class AddNorm extends Layer {
  dropout: Dropout;
  ln: LayerNorm;

  constructor(normShape: number | number[], dropout: number) {
    super();
    this.dropout = new Dropout(dropout);
    this.ln = new LayerNorm(normShape);
  }

  forward(X: tf.Tensor, Y: tf.Tensor): tf.Tensor {
    const fn = "AddNorm.forward";
    const x = expectMinRank(fn, "X", X, 1, "(…, *normShape)");
    const y = expectMinRank(fn, "Y", Y, 1, "(…, *normShape)");
    if (!tf.util.arraysEqual(x.shape, y.shape)) {
      fail(fn, "Y", `of the shape of X ${formatShape(x.shape)}`, `shape ${formatShape(y.shape)}`);
    }
    return tf.tidy(() => this.ln.forward(this.dropout.forward(y).add(x)));
  }
}
