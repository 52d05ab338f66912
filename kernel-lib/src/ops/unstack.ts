/**
 * `tf.unstack` whose gradient also works when the unstacked axis has size 1 (one layer, one time
 * step, a batch of one: the recurrent layers of sections 9.7 and 10.7 and the decoder of 11.4).
 *
 * tfjs's gradient of Unpack stacks the pieces' gradients, but its engine hands the gradient of an
 * op with ONE output as a tensor, not an array, so `tf.stack` throws "Argument tensors passed to
 * stack must be a `Tensor[]` or `TensorLike[]`". An axis of size 1 is a reshape instead, whose
 * gradient is a reshape back.
 */
import { tf } from "../tf";

/** The slices of `x` along `axis` (default 0), each without that axis, as `tf.unstack`; differentiable for every size. */
export function unstack<T extends tf.Tensor>(x: tf.Tensor, axis = 0): T[] {
  const a = axis < 0 ? axis + x.rank : axis;
  if (x.shape[a] === 1) return [tf.squeeze(x, [a]) as T];
  return tf.unstack(x, a) as T[];
}
