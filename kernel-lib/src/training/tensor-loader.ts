/**
 * Minibatches of tensors (section 3.2's `get_tensorloader`, the role of PyTorch's
 * `TensorDataset` + `DataLoader`).
 *
 * The examples are copied to the host once; each batch is cut out of those arrays and handed to
 * tfjs as a fresh tensor. On tfjs this is much faster than `tf.gather` inside a training loop.
 */
import { tf } from "../tf";
import { describe, expectInteger, fail, formatShape } from "../ops/check";
import { nextInt } from "../ops/random";

/** A minibatch (section 3.2): the tensors of one batch, in the order the loader was given them. */
export type Batch = tf.Tensor[];

/**
 * What `Trainer` iterates (section 3.2): batches, and `length`, the number of batches per pass
 * (the book's `len(dataloader)`).
 */
export interface DataLoader extends Iterable<Batch> {
  readonly length: number;
}

type HostArray = Float32Array | Int32Array | Uint8Array;

/** One source tensor, copied to the host with its row layout. */
interface HostColumn {
  values: HostArray;
  rowShape: number[];
  rowSize: number;
  dtype: "float32" | "int32" | "bool";
}

/** The rows `rows` of a row-major host array with rows of `rowSize` values, as a new array. */
function gatherRows(values: HostArray, rows: ArrayLike<number>, rowSize: number): HostArray {
  const out = new (values.constructor as new (n: number) => HostArray)(rows.length * rowSize);
  for (let i = 0; i < rows.length; i++) {
    out.set(values.subarray(rows[i] * rowSize, (rows[i] + 1) * rowSize), i * rowSize);
  }
  return out;
}

/** Copies the selected rows of `t` to the host. */
function toHostColumn(fn: string, arg: string, t: tf.Tensor, rows: readonly number[] | null): HostColumn {
  if (t.dtype !== "float32" && t.dtype !== "int32" && t.dtype !== "bool") {
    fail(fn, arg, "float32, int32 or bool tensors", `dtype ${t.dtype}`);
  }
  const rowShape = t.shape.slice(1);
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const all = t.dataSync() as HostArray;
  const values = rows === null ? all.slice() : gatherRows(all, rows, rowSize);
  return { values, rowShape, rowSize, dtype: t.dtype };
}

/**
 * Section 3.2: an iterable of minibatches over tensors that share their first dimension (the
 * examples). Every pass over it yields `length` batches of `batchSize` examples (the last one may
 * be smaller), each example exactly once. With `shuffle`, every pass draws a new order from the
 * global generator (`d2l.seed` makes it reproducible), as a shuffling PyTorch `DataLoader` does.
 *
 * Each batch is made of new tensors that belong to the caller (`Trainer` disposes them after the
 * step). The loader keeps a host copy of the data, so the source tensors may be disposed.
 */
export class TensorLoader implements DataLoader {
  /** Number of examples (after selecting `indices`). */
  readonly numExamples: number;
  /** Number of batches per pass, `ceil(numExamples / batchSize)`. */
  readonly length: number;
  private readonly columns: HostColumn[];

  /**
   * @param tensors tensors of shape `(n, ...)`, all with the same `n`
   * @param batchSize examples per batch, an integer ≥ 1
   * @param shuffle draw a new order of the examples for every pass
   * @param indices the examples to use (rows of the tensors), in this order; all by default
   */
  constructor(
    tensors: readonly tf.Tensor[],
    readonly batchSize: number,
    readonly shuffle: boolean,
    indices?: readonly number[],
  ) {
    const fn = "getTensorloader";
    if (!Array.isArray(tensors) || tensors.length === 0) {
      fail(fn, "tensors", "a non-empty array of tensors", describe(tensors));
    }
    tensors.forEach((t, i) => {
      if (!(t instanceof tf.Tensor) || t.isDisposed) fail(fn, "tensors", "live tf.Tensors", `${describe(t)} at position ${i}`);
      if (t.rank === 0) fail(fn, "tensors", "at least 1-D (n, ...)", `a scalar tensor at position ${i}`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        fail(
          fn,
          "tensors",
          `of one first dimension (examples) = ${tensors[0].shape[0]}, as tensors[0] of shape ${formatShape(tensors[0].shape)}`,
          `shape ${formatShape(t.shape)} at position ${i}`,
        );
      }
    });
    expectInteger(fn, "batchSize", batchSize, 1);
    const n = tensors[0].shape[0];
    if (indices !== undefined) {
      if (!Array.isArray(indices)) fail(fn, "indices", "an array of example indices", describe(indices));
      const bad = indices.findIndex((i) => typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= n);
      if (bad >= 0) fail(fn, "indices", `integers in [0, ${n})`, `${describe(indices[bad])} at position ${bad}`);
    }
    this.columns = tensors.map((t) => toHostColumn(fn, "tensors", t, indices ?? null));
    this.numExamples = indices?.length ?? n;
    this.length = Math.ceil(this.numExamples / batchSize);
  }

  /** The order of one pass: identity, or a Fisher-Yates shuffle from the global generator. */
  private order(): Int32Array {
    const order = new Int32Array(this.numExamples);
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.shuffle) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = nextInt(i + 1);
        const tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
      }
    }
    return order;
  }

  /** Cuts the examples `rows` of one column into a new tensor. */
  private batchOf(column: HostColumn, rows: Int32Array, contiguous = !this.shuffle): tf.Tensor {
    const { values, rowSize, rowShape, dtype } = column;
    const shape = [rows.length, ...rowShape];
    if (contiguous) {
      // Unshuffled batches are contiguous rows: one copy.
      const start = rows[0] * rowSize;
      return tf.tensor(values.slice(start, start + rows.length * rowSize), shape, dtype);
    }
    return tf.tensor(gatherRows(values, rows, rowSize), shape, dtype);
  }

  /**
   * The first batch in storage order, without drawing from the generator (for looking at
   * shapes, e.g. to create lazily initialised parameters); its tensors belong to the caller.
   */
  peek(): Batch | null {
    if (this.numExamples === 0) return null;
    const rows = new Int32Array(Math.min(this.batchSize, this.numExamples));
    for (let i = 0; i < rows.length; i++) rows[i] = i;
    return this.columns.map((column) => this.batchOf(column, rows, false));
  }

  /** One pass over the examples; its order is drawn here, when the pass starts (like PyTorch). */
  [Symbol.iterator](): Iterator<Batch> {
    return this.batches(this.order());
  }

  private *batches(order: Int32Array): Generator<Batch> {
    for (let start = 0; start < order.length; start += this.batchSize) {
      const rows = order.subarray(start, Math.min(start + this.batchSize, order.length));
      yield this.columns.map((column) => this.batchOf(column, rows));
    }
  }
}
