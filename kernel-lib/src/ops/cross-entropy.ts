/**
 * Cross-entropy of logits against integer labels, as PyTorch's `F.cross_entropy` (section 4.5;
 * the loss of `Classifier` and of `Seq2Seq`, 10.7), as one custom op.
 *
 * Built from tfjs ops it needs a one-hot matrix (tfjs's `oneHot` costs ~50 ms at the book's
 * sizes) or a gather; here the log-softmax and its gradient are loops over the rows on the host.
 */
import { tf } from "../tf";
import { describe, expectRank, fail, formatShape } from "./check";

/**
 * A replacement for the per-row losses of `crossEntropy`: logits `(N, classes)` and checked labels
 * → the losses `(N)` as a tensor differentiable with respect to the logits, or null to leave
 * them to the host loops. The fast CPU kernels install one kernel each way
 * (`setCrossEntropyKernel`; `null` restores the loops).
 */
export type CrossEntropyKernel = (logits: tf.Tensor2D, labels: Int32Array) => tf.Tensor1D | null;

let kernel: CrossEntropyKernel | null = null;

export function setCrossEntropyKernel(replacement: CrossEntropyKernel | null): void {
  kernel = replacement;
}

/** How `crossEntropy` reduces the per-example losses (PyTorch's `reduction`). */
export type CrossEntropyReduction = "mean" | "sum" | "none";

/** Labels as host integers, each checked to lie in [0, classes). */
function readLabels(fn: string, labels: unknown, rows: number, classes: number): Int32Array {
  const t = labels instanceof tf.Tensor ? labels : null;
  if (t === null && !Array.isArray(labels)) fail(fn, "labels", "an int32 tensor (N) of class indices", describe(labels));
  if (t !== null && t.isDisposed) fail(fn, "labels", "a live tensor", "a disposed tensor");
  if (t !== null && (t.rank !== 1 || (t.dtype !== "int32" && t.dtype !== "float32"))) {
    fail(fn, "labels", "an int32 tensor (N) of class indices", describe(t));
  }
  const values = t !== null ? t.dataSync() : (labels as unknown[]);
  if (values.length !== rows) {
    fail(fn, "labels", `of length N = ${rows}, as logits (N, classes)`, t !== null ? `shape ${formatShape(t.shape)}` : describe(labels));
  }
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = values[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      fail(fn, "labels", `class indices in [0, ${classes})`, `${String(v)} at position ${i}`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * PyTorch's `F.cross_entropy(logits, labels, reduction)` (section 4.5): for each row `i` of
 * `logits` `(N, classes)`, `−log softmax(logits[i])[labels[i]]`; `reduction` `"mean"` (default,
 * a scalar), `"sum"` or `"none"` (`(N)`). `labels` `(N)`: int32 tensor or numbers in
 * [0, classes). Differentiable with respect to `logits`. Throws a `D2lArgumentError` on a label
 * outside the classes or mismatched lengths.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor | readonly number[], reduction: CrossEntropyReduction = "mean"): tf.Tensor {
  const fn = "crossEntropy";
  const x = expectRank(fn, "logits", logits, 2, "(N, classes)") as tf.Tensor2D;
  const [rows, classes] = x.shape;
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    fail(fn, "reduction", '"mean", "sum" or "none"', describe(reduction));
  }
  const target = readLabels(fn, labels, rows, classes);
  const fused = rows > 0 && classes > 0 ? kernel?.(x, target) : null;
  if (fused) {
    if (reduction === "none") return fused;
    return tf.tidy(() => (reduction === "sum" ? fused.sum() : fused.mean()));
  }
  const op = tf.customGrad(((input: tf.Tensor) => {
    const z = input.dataSync() as Float32Array;
    const losses = new Float32Array(rows);
    // softmax rows, kept for the gradient
    const probs = new Float32Array(rows * classes);
    for (let r = 0; r < rows; r++) {
      const start = r * classes;
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, z[start + c]);
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const e = Math.exp(z[start + c] - max);
        probs[start + c] = e;
        sum += e;
      }
      for (let c = 0; c < classes; c++) probs[start + c] /= sum;
      losses[r] = max + Math.log(sum) - z[start + target[r]];
    }
    return {
      value: tf.tensor1d(losses, "float32"),
      gradFunc: (dy: tf.Tensor) => {
        const d = dy.dataSync() as Float32Array;
        const grad = new Float32Array(rows * classes);
        for (let r = 0; r < rows; r++) {
          const start = r * classes;
          for (let c = 0; c < classes; c++) grad[start + c] = probs[start + c] * d[r];
          grad[start + target[r]] -= d[r];
        }
        return tf.tensor2d(grad, [rows, classes], "float32");
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return tf.tidy(() => {
    const perRow = op(x);
    if (reduction === "none") return perRow;
    return reduction === "sum" ? perRow.sum() : perRow.mean();
  });
}
