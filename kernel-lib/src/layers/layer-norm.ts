/** `LayerNorm` (PyTorch's `nn.LayerNorm`, section 8.5; used by AddNorm in 11.7). */
import { tf } from "../tf";
import { describe, expectFinite, expectMinRank, fail, formatShape } from "../ops/check";
import { Layer, parameter } from "./layer";

/**
 * A replacement for `LayerNorm.forward`'s chain of ops over the last axis (x `(…, n)`, weight and
 * bias `(n)`): the same result within float32 rounding, differentiable with respect to all
 * three; or null to leave these inputs to the chain. The fast CPU kernels install one kernel
 * each way (set with `setLayerNormKernel`; `null` restores the chain).
 */
export type LayerNormKernel = (x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number) => tf.Tensor | null;

let kernel: LayerNormKernel | null = null;

export function setLayerNormKernel(replacement: LayerNormKernel | null): void {
  kernel = replacement;
}

/**
 * PyTorch's `nn.LayerNorm(normalizedShape, eps)` (section 8.5): normalises over the last
 * `normalizedShape.length` axes with the biased variance, then scales by `weight` (ones) and
 * shifts by `bias` (zeros), both learnable of shape `normalizedShape`.
 */
export class LayerNorm extends Layer {
  weight: tf.Variable;
  bias: tf.Variable;
  readonly normalizedShape: readonly number[];
  readonly eps: number;

  constructor(normalizedShape: number | number[], eps = 1e-5) {
    super();
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      fail("LayerNorm", "normalizedShape", "an integer >= 1 or a non-empty array of them", describe(normalizedShape));
    }
    if (expectFinite("LayerNorm", "eps", eps) < 0) fail("LayerNorm", "eps", "a number >= 0", String(eps));
    this.normalizedShape = [...shape];
    this.eps = eps;
    this.weight = parameter(() => tf.ones(shape));
    this.bias = parameter(() => tf.zeros(shape));
  }

  /** `X` of shape `(…, *normalizedShape)` → same shape. */
  forward(X: tf.Tensor): tf.Tensor {
    const n = this.normalizedShape.length;
    const x = expectMinRank("LayerNorm.forward", "X", X, n, `(…, ${this.normalizedShape.join(", ")})`);
    const trailing = x.shape.slice(x.rank - n);
    if (trailing.some((d, i) => d !== this.normalizedShape[i])) {
      fail(
        "LayerNorm.forward",
        "X",
        `of trailing shape ${formatShape(this.normalizedShape)} (normalizedShape)`,
        `shape ${formatShape(x.shape)}`,
      );
    }
    if (n === 1) {
      const fused = kernel?.(x, this.weight, this.bias, this.eps);
      if (fused) return fused;
    }
    return tf.tidy(() => {
      const axes = Array.from({ length: n }, (_, i) => x.rank - n + i);
      const { mean, variance } = tf.moments(x, axes, true);
      return x.sub(mean).mul(tf.rsqrt(variance.add(this.eps))).mul(this.weight).add(this.bias);
    });
  }
}
