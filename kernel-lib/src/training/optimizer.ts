/**
 * What every optimizer shares (sections 3.4 and 12.10): the `Optimizer` interface `Trainer`
 * drives, and the checked pairing of parameters with their gradients.
 */
import { tf } from "../tf";
import { describe, fail, formatShape } from "../ops/check";

/**
 * Gradients for one step of an optimizer (section 3.4): a map from variable name to gradient
 * (what `tf.variableGrads` returns), or an array of gradients in the order of the parameters.
 */
export type Gradients = tf.NamedTensorMap | readonly (tf.Tensor | null)[];

/** What `Module.configureOptimizers()` returns and `Trainer` drives (sections 3.2, 3.4). */
export interface Optimizer {
  /** Updates the parameters from their gradients (PyTorch's `optimizer.step()`). */
  step(grads: Gradients): void;
  /** PyTorch's `optimizer.zero_grad()`; tfjs computes fresh gradients each step. */
  zeroGrad(): void;
}

/** Checks an optimizer's `params` (an array of tf.Variables) and returns a copy. */
export function checkParams(fn: string, params: unknown): tf.Variable[] {
  if (!Array.isArray(params)) fail(fn, "params", "an array of tf.Variables", describe(params));
  params.forEach((p, i) => {
    if (!(p instanceof tf.Variable)) fail(fn, "params", "an array of tf.Variables", `${describe(p)} at position ${i}`);
  });
  return [...(params as tf.Variable[])];
}

/**
 * The gradient of each parameter (null where `grads` has none, which the step leaves alone, as
 * PyTorch does), checked to be a tensor of the parameter's shape.
 */
export function gradientsOf(fn: string, params: readonly tf.Variable[], grads: Gradients): Array<tf.Tensor | null> {
  if (Array.isArray(grads)) {
    if (grads.length !== params.length) {
      fail(fn, "grads", `an array of ${params.length} gradients (one per parameter)`, `${grads.length}`);
    }
  } else if (grads === null || typeof grads !== "object") {
    fail(fn, "grads", "a map from variable name to gradient, or an array", describe(grads));
  }
  return params.map((p, i) => {
    const g = Array.isArray(grads) ? (grads[i] ?? null) : ((grads as tf.NamedTensorMap)[p.name] ?? null);
    if (g === null) return null;
    if (!(g instanceof tf.Tensor)) fail(fn, "grads", "tf.Tensors", `${describe(g)} for parameter ${p.name}`);
    if (g.shape.join() !== p.shape.join()) {
      fail(fn, "grads", `of the shapes of their parameters`, `shape ${formatShape(g.shape)} for parameter ${p.name} of shape ${formatShape(p.shape)}`);
    }
    return g;
  });
}
