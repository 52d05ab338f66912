/** `Embedding` (PyTorch's `nn.Embedding`, used from section 9.6 on; the encoders of 10.7 and 11.4). */
import { tf } from "../tf";
import { expectInteger, expectTensor, fail, formatShape } from "../ops/check";
import { randn } from "../ops/random";
import { Layer, parameter } from "./layer";
import { toFloatTensor } from "./weights";

/**
 * The token ids of `ids` (int32, or float32 holding integers) as host integers, each checked to
 * lie in [0, vocabSize); `fn` and `arg` name the caller in messages.
 */
export function readTokenIds(fn: string, arg: string, ids: tf.Tensor, vocabSize: number): Int32Array {
  if (ids.dtype !== "int32" && ids.dtype !== "float32") fail(fn, arg, "an int32 tensor of token ids", `dtype ${ids.dtype}`);
  return checkTokenIds(fn, arg, ids.dataSync() as Int32Array | Float32Array, ids.shape, vocabSize);
}

/** Checks host token ids against [0, vocabSize); returns them as an Int32Array. */
function checkTokenIds(fn: string, arg: string, values: ArrayLike<number>, shape: readonly number[], vocabSize: number): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= vocabSize) {
      fail(fn, arg, `token ids in [0, ${vocabSize}) (vocabSize)`, `${v} at flat index ${i} of shape ${formatShape(shape)}`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * PyTorch's `nn.Embedding(vocabSize, embedSize)`: `forward(ids)` replaces each token id of `ids`
 * (any shape, int32; float32 holding integers is accepted too) by its row of `weight`
 * `(vocabSize, embedSize)`, giving `(...ids.shape, embedSize)`. `weight` starts from N(0, 1), as
 * in PyTorch, drawn from the global generator. The lookup and its gradient (rows summed into
 * `weight`'s gradient) run on the host: tfjs's `gather` gradient costs seconds at the book's sizes
 * and has no WebAssembly kernel. Ids outside [0, vocabSize) throw a `D2lArgumentError`.
 */
export class Embedding extends Layer {
  readonly vocabSize: number;
  readonly embedSize: number;
  /** `(vocabSize, embedSize)`, PyTorch's layout. */
  weight: tf.Variable;

  constructor(vocabSize: number, embedSize: number) {
    super();
    this.vocabSize = expectInteger("Embedding", "vocabSize", vocabSize, 1);
    this.embedSize = expectInteger("Embedding", "embedSize", embedSize, 1);
    this.weight = parameter(() => randn([vocabSize, embedSize]));
  }

  /** `ids` of any shape → `(...ids.shape, embedSize)`. */
  forward(ids: tf.Tensor): tf.Tensor {
    const t = expectTensor("Embedding.forward", "ids", ids);
    return this.embedIds(readTokenIds("Embedding.forward", "ids", t, this.vocabSize), t.shape);
  }

  /**
   * The embedding of token ids given on the host, row-major of shape `idsShape`:
   * `(...idsShape, embedSize)` (what `forward` computes after reading its tensor). Ids outside
   * [0, vocabSize) throw a `D2lArgumentError`.
   */
  embedIds(ids: ArrayLike<number>, idsShape: readonly number[]): tf.Tensor {
    const rows = checkTokenIds("Embedding.embedIds", "ids", ids, idsShape, this.vocabSize);
    const E = this.embedSize;
    const V = this.vocabSize;
    const shape = [...idsShape, E];
    const lookup = tf.customGrad(((weight: tf.Tensor) => {
      const table = weight.dataSync() as Float32Array;
      const out = new Float32Array(rows.length * E);
      for (let i = 0; i < rows.length; i++) out.set(table.subarray(rows[i] * E, (rows[i] + 1) * E), i * E);
      return {
        value: tf.tensor(out, shape, "float32"),
        gradFunc: (dy: tf.Tensor) => {
          const d = dy.dataSync() as Float32Array;
          const grad = new Float32Array(V * E);
          for (let i = 0; i < rows.length; i++) {
            const to = rows[i] * E;
            const from = i * E;
            for (let j = 0; j < E; j++) grad[to + j] += d[from + j];
          }
          return tf.tensor2d(grad, [V, E], "float32");
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return lookup(this.weight);
  }

  /** Sets `weight` `(vocabSize, embedSize)` (a tensor or nested arrays; copied). */
  setWeights(weight: tf.Tensor | number[][]): void {
    const fn = "Embedding.setWeights";
    const w = toFloatTensor(fn, "weight", weight, 2, "(vocabSize, embedSize)");
    try {
      if (w.shape[0] !== this.vocabSize || w.shape[1] !== this.embedSize) {
        fail(fn, "weight", `of shape (vocabSize, embedSize) = ${formatShape([this.vocabSize, this.embedSize])}`, `shape ${formatShape(w.shape)}`);
      }
      this.weight.assign(w);
    } finally {
      w.dispose();
    }
  }
}
