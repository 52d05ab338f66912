/**
 * Decoder states are containers (arrays, plain objects) of tensors, as in the book
 * (`[enc_outputs, hidden_state, enc_valid_lens]`, the Transformer's per-block caches). Greedy
 * prediction replaces the state at every step; these helpers find and copy the tensors in one.
 */
import { tf } from "../tf";

/** Every tensor in `container` (nested arrays and plain objects), once each. */
export function tensorsIn(container: unknown, found = new Set<tf.Tensor>()): Set<tf.Tensor> {
  if (container instanceof tf.Tensor) {
    found.add(container);
  } else if (Array.isArray(container)) {
    for (const item of container) tensorsIn(item, found);
  } else if (container !== null && typeof container === "object" && Object.getPrototypeOf(container) === Object.prototype) {
    for (const item of Object.values(container)) tensorsIn(item, found);
  }
  return found;
}

/** `container` with every tensor replaced by a clone the caller owns (arrays and plain objects copied). */
export function cloneTensors<T>(container: T): T {
  if (container instanceof tf.Tensor) return container.clone() as T;
  if (Array.isArray(container)) return container.map((item) => cloneTensors(item)) as T;
  if (container !== null && typeof container === "object" && Object.getPrototypeOf(container) === Object.prototype) {
    return Object.fromEntries(Object.entries(container).map(([key, item]) => [key, cloneTensors(item)])) as T;
  }
  return container;
}

/** Disposes the tensors of `previous` that are in neither `next` nor `keep`. */
export function disposeReplaced(previous: Set<tf.Tensor>, next: unknown, keep: ReadonlySet<tf.Tensor>): void {
  const live = tensorsIn(next);
  for (const t of previous) if (!live.has(t) && !keep.has(t) && !t.isDisposed) t.dispose();
}
