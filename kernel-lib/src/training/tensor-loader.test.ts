import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { seed } from "../ops/random";
import { DataModule } from "./data-module";
import { TensorLoader, type Batch } from "./tensor-loader";

/** Reads every batch of one pass as plain arrays and disposes the batch tensors. */
function pass(loader: Iterable<Batch>): number[][][] {
  const out: number[][][] = [];
  for (const batch of loader) {
    out.push(batch.map((t) => Array.from(t.dataSync())));
    tf.dispose(batch);
  }
  return out;
}

class Ten extends DataModule {
  x = tf.tensor2d(Array.from({ length: 10 }, (_, i) => [i, 100 + i]));
  y = tf.tensor1d(Array.from({ length: 10 }, (_, i) => 1000 + i), "int32");
  override getDataloader(train: boolean): TensorLoader {
    return this.getTensorloader([this.x, this.y], train);
  }
}

describe("TensorLoader and DataModule.getTensorloader (section 3.2)", () => {
  it("without shuffling yields the examples in order, in batches of batchSize (the last smaller)", () => {
    const data = new Ten(4);
    const val = data.valDataloader()!;
    expect(val.length).toBe(3);
    const batches = pass(val);
    expect(batches.map((b) => b[1])).toEqual([[1000, 1001, 1002, 1003], [1004, 1005, 1006, 1007], [1008, 1009]]);
    expect(batches[2][0]).toEqual([8, 108, 9, 109]);
    const [x, y] = data.getTensorloader([data.x, data.y], false)[Symbol.iterator]().next().value as Batch;
    expect([x.shape, x.dtype, y.shape, y.dtype]).toEqual([[4, 2], "float32", [4], "int32"]);
    tf.dispose([x, y, data.x, data.y]);
  });

  it("shuffled: every example once per epoch, rows kept together, a new order each epoch", () => {
    seed(0);
    const data = new Ten(3);
    const train = data.trainDataloader()!;
    const epochs = [pass(train), pass(train), pass(train)];
    for (const batches of epochs) {
      expect(batches.map((b) => b[1].length)).toEqual([3, 3, 3, 1]);
      const ys = batches.flatMap((b) => b[1]);
      expect([...ys].sort()).toEqual(Array.from({ length: 10 }, (_, i) => 1000 + i));
      // Each x row still belongs to its y.
      batches.forEach(([x, y]) => y.forEach((v, i) => expect([x[2 * i], x[2 * i + 1]]).toEqual([v - 1000, v - 900])));
    }
    const orders = epochs.map((batches) => batches.flatMap((b) => b[1]).join());
    expect(new Set(orders).size).toBe(3);
    expect(orders[0]).not.toBe(Array.from({ length: 10 }, (_, i) => 1000 + i).join());
    tf.dispose([data.x, data.y]);
  });

  it("shuffles reproducibly with d2l.seed", () => {
    const orders = (s: number) => {
      seed(s);
      const data = new Ten(4);
      const train = data.trainDataloader()!;
      const out = [pass(train), pass(train)];
      tf.dispose([data.x, data.y]);
      return out;
    };
    expect(orders(5)).toEqual(orders(5));
    expect(orders(5)).not.toEqual(orders(6));
  });

  it("selects examples by indices, keeps a host copy, and leaks nothing", () => {
    const x = tf.tensor1d([10, 11, 12, 13, 14]);
    const before = tf.memory().numTensors;
    const loader = new TensorLoader([x], 2, false, [4, 0, 2]);
    x.dispose(); // the loader no longer needs the source tensor
    expect(loader.numExamples).toBe(3);
    expect(pass(loader)).toEqual([[[14, 10]], [[12]]]);
    const peeked = loader.peek()!;
    expect(Array.from(peeked[0].dataSync())).toEqual([14, 10]);
    tf.dispose(peeked);
    expect(tf.memory().numTensors).toBe(before - 1);
  });

  it("names the argument and the shapes on bad input", () => {
    const a = tf.zeros([4, 2]);
    const b = tf.zeros([3]);
    expect(() => new TensorLoader([a, b], 2, true)).toThrow(
      "getTensorloader: tensors must be of one first dimension (examples) = 4, as tensors[0] of shape [4,2]; got shape [3] at position 1",
    );
    expect(() => new TensorLoader([a], 0, true)).toThrow("getTensorloader: batchSize must be an integer >= 1; got 0");
    expect(() => new TensorLoader([], 2, true)).toThrow("getTensorloader: tensors must be a non-empty array of tensors; got an array of shape [0]");
    expect(() => new TensorLoader([a, [1, 2] as unknown as tf.Tensor], 2, true)).toThrow(
      "getTensorloader: tensors must be live tf.Tensors; got an array of shape [2] at position 1",
    );
    expect(() => new TensorLoader([tf.scalar(1)], 2, true)).toThrow("getTensorloader: tensors must be at least 1-D (n, ...); got a scalar tensor at position 0");
    expect(() => new TensorLoader([a], 2, true, [0, 4])).toThrow("getTensorloader: indices must be integers in [0, 4); got 4 at position 1");
    expect(() => new DataModule(-1)).toThrow(/DataModule: batchSize must be an integer >= 1; got -1/);
    expect(() => new DataModule(2).trainDataloader()).toThrow(/DataModule.getDataloader\(train\) is not defined/);
    tf.dispose([a, b]);
  });
});
