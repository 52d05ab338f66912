/**
 * Concatenation along the last axis (the features), as one custom op with its gradient on the
 * host. tfjs's `concat` is cheap, but its gradient splits along the last axis, a strided copy
 * that tfjs's cpu backend walks element by element (~10 ms per piece at (128, 1, 256));
 * section 11.4's decoder concatenates (context, embedding) at every step.
 */
import { tf } from "../tf";

/**
 * `tensors`, all of one shape but the last axis, concatenated along the last axis (float32).
 * The caller checks the shapes.
 */
export function concatFeatures(tensors: readonly tf.Tensor[]): tf.Tensor {
  const widths = tensors.map((t) => t.shape[t.rank - 1]);
  const total = widths.reduce((a, b) => a + b, 0);
  const lead = tensors[0].shape.slice(0, -1);
  const rows = lead.reduce((a, b) => a * b, 1);
  const op = tf.customGrad(((...args: unknown[]) => {
    const inputs = args.slice(0, tensors.length) as tf.Tensor[];
    const out = new Float32Array(rows * total);
    let offset = 0;
    inputs.forEach((t, i) => {
      const w = widths[i];
      const values = t.dataSync() as Float32Array;
      for (let r = 0; r < rows; r++) out.set(values.subarray(r * w, (r + 1) * w), r * total + offset);
      offset += w;
    });
    return {
      value: tf.tensor(out, [...lead, total], "float32"),
      gradFunc: (dy: tf.Tensor) => {
        const d = dy.dataSync() as Float32Array;
        let start = 0;
        return widths.map((w) => {
          const piece = new Float32Array(rows * w);
          for (let r = 0; r < rows; r++) piece.set(d.subarray(r * total + start, r * total + start + w), r * w);
          start += w;
          return tf.tensor(piece, [...lead, w], "float32");
        });
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(...tensors);
}
