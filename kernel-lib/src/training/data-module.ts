/**
 * `DataModule`: the book's base class of datasets (section 3.2).
 */
import type { tf } from "../tf";
import { expectInteger } from "../ops/check";
import { TensorLoader, type DataLoader } from "./tensor-loader";

/**
 * Section 3.2: the book's `d2l.DataModule`. A subclass holds its data and defines
 * `getDataloader(train)`; `Trainer` calls `trainDataloader()` and `valDataloader()`.
 */
export class DataModule {
  /** Examples per minibatch. */
  readonly batchSize: number;

  /** @param batchSize examples per minibatch, an integer ≥ 1 */
  constructor(batchSize: number) {
    this.batchSize = expectInteger(this.constructor.name, "batchSize", batchSize, 1);
  }

  /**
   * The loader of the training (`train = true`) or validation data; `null` when there is no
   * such data (then `Trainer` skips validation). Subclasses define it, as in the book.
   */
  getDataloader(train: boolean): DataLoader | null {
    void train;
    throw new Error(
      `${this.constructor.name}.getDataloader(train) is not defined: a DataModule subclass must define it (section 3.2)`,
    );
  }

  /** Section 3.2: the training loader, `getDataloader(true)`. */
  trainDataloader(): DataLoader | null {
    return this.getDataloader(true);
  }

  /** Section 3.2: the validation loader, `getDataloader(false)`. */
  valDataloader(): DataLoader | null {
    return this.getDataloader(false);
  }

  /**
   * Section 3.2: minibatches of `batchSize` over `tensors` (which share their first dimension),
   * shuffled with the global generator when `train`, restricted to the examples `indices` when
   * given (the book's `indices` slice). See `TensorLoader`.
   */
  getTensorloader(tensors: readonly tf.Tensor[], train: boolean, indices?: readonly number[]): TensorLoader {
    return new TensorLoader(tensors, this.batchSize, train, indices);
  }
}
