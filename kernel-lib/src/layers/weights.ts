/** Explicit parameter values given to a layer (`setWeights`, `setParameters`), read as float32. */
import { tf } from "../tf";
import { describe, fail, formatShape, nestedShape } from "../ops/check";

/**
 * A weight or bias given as a tensor or nested arrays, as a new float32 tensor of rank `rank`
 * (the caller disposes it); `dims` names the expected axes in messages.
 */
export function toFloatTensor(fn: string, arg: string, value: unknown, rank: number, dims: string): tf.Tensor {
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) fail(fn, arg, "a live tensor", "a disposed tensor");
    if (value.rank !== rank) fail(fn, arg, `${rank}-D ${dims}`, `shape ${formatShape(value.shape)}`);
    return value.dtype === "float32" ? value.clone() : value.cast("float32");
  }
  const shape = nestedShape(value);
  if (shape === null || shape.length !== rank) fail(fn, arg, `${rank}-D ${dims}`, describe(value));
  return tf.tensor(value as number[], shape, "float32");
}
