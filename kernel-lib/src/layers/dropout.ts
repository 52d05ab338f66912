/** `Dropout` (PyTorch's `nn.Dropout`, section 5.6). */
import { tf } from "../tf";
import { expectProbability, expectTensor } from "../ops/check";
import { dropoutMaskFromSeed, dropoutSeed } from "../ops/random";
import { Layer } from "./layer";

/**
 * A replacement for `Dropout.forward`'s mask and product in training: `x` times the mask
 * `dropoutMaskFromSeed(x.size, p, seed)` as a new tensor, differentiable with respect to `x`
 * (the gradient: dy times the same mask), or null to leave these inputs to the host mask. The
 * fast CPU kernels install one (`setDropoutKernel`; `null` restores the host mask).
 */
export type DropoutKernel = (x: tf.Tensor, p: number, seed: number) => tf.Tensor | null;

let kernel: DropoutKernel | null = null;

export function setDropoutKernel(replacement: DropoutKernel | null): void {
  kernel = replacement;
}

/**
 * PyTorch's `nn.Dropout(p)` (section 5.6): in training mode zeroes each entry with probability
 * `p` and scales the rest by 1/(1-p), with a mask drawn from the global generator (so `seed(n)`
 * fixes it); in `eval()` mode it passes its input through (as a new tensor the caller owns).
 */
export class Dropout extends Layer {
  readonly p: number;

  constructor(p: number) {
    super();
    this.p = expectProbability("Dropout", "p", p);
  }

  forward(X: tf.Tensor): tf.Tensor {
    const x = expectTensor("Dropout.forward", "X", X);
    if (!this.training || this.p === 0) return x.clone();
    const seed = dropoutSeed();
    const fused = kernel?.(x, this.p, seed);
    if (fused) return fused;
    return tf.tidy(() => x.mul(tf.tensor(dropoutMaskFromSeed(x.size, this.p, seed), x.shape, "float32")));
  }
}
