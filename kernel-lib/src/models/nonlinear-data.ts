/**
 * The synthetic regression data of section 11.2: `y = 2 sin x + x^0.8 + ε`.
 */
import { tf } from "../tf";
import { expectInteger } from "../ops/check";
import { arange, rand, randn } from "../ops/random";
import { DataModule } from "../training/data-module";
import type { TensorLoader } from "../training/tensor-loader";

/** The noise-free function of section 11.2, `2 sin x + x^0.8` (for x ≥ 0). */
function truth(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sin(x).mul(2).add(tf.pow(x, 0.8)));
}

/**
 * Section 11.2: the book's `NonlinearData(n, batch_size)`. `n` training inputs drawn uniformly
 * on [0, 5) and sorted (so attention heatmaps show structure), with outputs
 * `2 sin x + x^0.8` plus standard normal noise; `n` evenly spaced validation inputs
 * `0, 5/n, …` with noise-free outputs. Draws from the global generator (`d2l.seed`).
 */
export class NonlinearData extends DataModule {
  /** Number of training (and of validation) examples. */
  readonly n: number;
  /** Sorted training inputs `(n)`. */
  readonly xTrain: tf.Tensor1D;
  /** Noisy training outputs `(n)`. */
  readonly yTrain: tf.Tensor1D;
  /** Validation inputs `(n)`: `arange(0, 5, 5/n)`. */
  readonly xVal: tf.Tensor1D;
  /** Noise-free validation outputs `(n)`. */
  readonly yVal: tf.Tensor1D;

  /**
   * @param n examples, an integer ≥ 1
   * @param batchSize examples per minibatch, an integer ≥ 1
   */
  constructor(n: number, batchSize: number) {
    super(batchSize);
    this.n = expectInteger("NonlinearData", "n", n, 1);
    // Sorting on the host: ascending, exact, and the same order torch.sort gives.
    const inputs = rand([n]);
    const sorted = (inputs.dataSync() as Float32Array).map((v) => v * 5).sort();
    inputs.dispose();
    this.xTrain = tf.tensor1d(sorted, "float32");
    this.yTrain = tf.tidy(() => {
      const noise = randn([n]);
      return truth(this.xTrain).add(noise) as tf.Tensor1D;
    });
    this.xVal = arange(0, 5, 5 / n);
    this.yVal = truth(this.xVal) as tf.Tensor1D;
  }

  /** Section 11.2: batches of `(x, y)` from the training (shuffled) or validation data. */
  override getDataloader(train: boolean): TensorLoader {
    const tensors = train ? [this.xTrain, this.yTrain] : [this.xVal, this.yVal];
    return this.getTensorloader(tensors, train);
  }

  /** Frees the four data tensors. */
  dispose(): void {
    tf.dispose([this.xTrain, this.yTrain, this.xVal, this.yVal]);
  }
}
