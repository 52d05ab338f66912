/**
 * `LazyLinear` (PyTorch's `nn.LazyLinear`, section 6.4): a dense layer whose input size is fixed
 * by the first forward.
 */
import { tf } from "../tf";
import { describe, expectInteger, expectMinRank, fail, formatShape } from "../ops/check";
import { uniform } from "../ops/random";
import { Layer, parameter } from "./layer";
import { toFloatTensor } from "./weights";

/** Options of `LazyLinear` (section 6.4): `bias`, as `nn.LazyLinear(out, bias=...)`. */
export interface LazyLinearOptions {
  /** Add a learnable bias (default true, as PyTorch). */
  bias?: boolean;
}

/**
 * PyTorch's `nn.LazyLinear(outFeatures, bias)` (section 6.4): `forward(X)` computes `X W + b`
 * over the last axis of `X`. `weight` has shape `[inFeatures, outFeatures]` (the transpose of
 * PyTorch's) and, like `bias` `[outFeatures]`, is created on the first forward with PyTorch's
 * default initialisation: uniform on ±1/√inFeatures from the global generator.
 */
export class LazyLinear extends Layer {
  weight: tf.Variable | null = null;
  bias: tf.Variable | null = null;
  readonly outFeatures: number;
  readonly useBias: boolean;

  constructor(outFeatures: number, options: LazyLinearOptions = {}) {
    super();
    this.outFeatures = expectInteger("LazyLinear", "outFeatures", outFeatures, 1);
    const bias = options.bias ?? true;
    if (typeof bias !== "boolean") fail("LazyLinear", "options.bias", "a boolean", describe(bias));
    this.useBias = bias;
  }

  /** The input size fixed by the first forward (or `setWeights`), null before. */
  get inFeatures(): number | null {
    return this.weight === null ? null : this.weight.shape[0];
  }

  /** `X` of shape `(…, inFeatures)` → `(…, outFeatures)`. */
  forward(X: tf.Tensor): tf.Tensor {
    const x = expectMinRank("LazyLinear.forward", "X", X, 1, "(…, inFeatures)");
    const inFeatures = x.shape[x.rank - 1];
    if (this.weight === null) {
      if (inFeatures < 1) fail("LazyLinear.forward", "X", "of last dimension >= 1", `shape ${formatShape(x.shape)}`);
      this.initialize(inFeatures);
    } else if (inFeatures !== this.weight.shape[0]) {
      fail(
        "LazyLinear.forward",
        "X",
        `of last dimension ${this.weight.shape[0]} (inFeatures, fixed by the first forward)`,
        `shape ${formatShape(x.shape)}`,
      );
    }
    const weight = this.weight as tf.Variable;
    const bias = this.bias;
    return tf.tidy(() => {
      const flat = x.reshape([-1, inFeatures]);
      let y = tf.matMul(flat, weight);
      if (bias !== null) y = y.add(bias);
      return y.reshape([...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  /**
   * Sets the parameters explicitly: `weight` as `[inFeatures, outFeatures]`, `bias` as
   * `[outFeatures]` (tensors or nested arrays; copied). Creates them if needed; a missing bias
   * of a layer with bias gets the default initialisation.
   */
  setWeights(weight: tf.Tensor | number[][], bias?: tf.Tensor | number[]): void {
    const fn = "LazyLinear.setWeights";
    const w = toFloatTensor(fn, "weight", weight, 2, "[inFeatures, outFeatures]");
    try {
      if (w.shape[1] !== this.outFeatures || w.shape[0] < 1) {
        fail(fn, "weight", `of shape [inFeatures >= 1, ${this.outFeatures}]`, `shape ${formatShape(w.shape)}`);
      }
      if (bias !== undefined && !this.useBias) fail(fn, "bias", "absent for a layer built with bias: false", describe(bias));
      const b = bias === undefined ? null : toFloatTensor(fn, "bias", bias, 1, "[outFeatures]");
      try {
        if (b !== null && b.shape[0] !== this.outFeatures) {
          fail(fn, "bias", `of shape [${this.outFeatures}]`, `shape ${formatShape(b.shape)}`);
        }
        if (this.weight !== null && this.weight.shape[0] !== w.shape[0]) {
          this.weight.dispose();
          this.weight = null;
        }
        if (this.weight === null) this.weight = parameter(() => w.clone());
        else this.weight.assign(w);
        if (b !== null) {
          if (this.bias === null) this.bias = parameter(() => b.clone());
          else this.bias.assign(b);
        } else if (this.useBias && this.bias === null) {
          this.bias = this.defaultInit([this.outFeatures], w.shape[0]);
        }
      } finally {
        b?.dispose();
      }
    } finally {
      w.dispose();
    }
  }

  /**
   * The weight `[inFeatures, outFeatures]` for inputs of `inFeatures` features, created as the
   * first forward would (PyTorch's lazy materialisation) when there is none yet; throws, as
   * `forward` does, when `inFeatures` differs from the existing weight's. For code that uses
   * the weight without calling `forward` (e.g. AdditiveAttention's fused scores, section 11.3).
   */
  weightFor(inFeatures: number): tf.Variable {
    if (this.weight === null) {
      expectInteger("LazyLinear.weightFor", "inFeatures", inFeatures, 1);
      this.initialize(inFeatures);
    } else if (inFeatures !== this.weight.shape[0]) {
      fail("LazyLinear.weightFor", "inFeatures", `${this.weight.shape[0]} (fixed by the first forward)`, String(inFeatures));
    }
    return this.weight as tf.Variable;
  }

  private initialize(inFeatures: number): void {
    this.weight = this.defaultInit([inFeatures, this.outFeatures], inFeatures);
    if (this.useBias) this.bias = this.defaultInit([this.outFeatures], inFeatures);
  }

  /** PyTorch's default for `nn.Linear`: uniform on ±1/√fanIn (kaiming_uniform with a = √5). */
  private defaultInit(shape: number[], fanIn: number): tf.Variable {
    const bound = 1 / Math.sqrt(fanIn);
    return parameter(() => uniform(shape, -bound, bound));
  }
}
