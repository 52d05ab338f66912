/** `Dropout` (PyTorch's `nn.Dropout`, section 5.6). */
import { tf } from "../tf";
import { expectProbability, expectTensor } from "../ops/check";
import { dropoutMask } from "../ops/random";
import { Layer } from "./layer";

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
    return tf.tidy(() => x.mul(tf.tensor(dropoutMask(x.size, this.p), x.shape, "float32")));
  }
}
