/**
 * Minibatch stochastic gradient descent (section 3.4's `d2l.SGD`).
 */
import { tf } from "../tf";
import { describe, expectFinite, fail, formatShape } from "../ops/check";

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

/**
 * Section 3.4: the book's `d2l.SGD(params, lr)`: `step(grads)` applies `p ← p − lr·grad` to each
 * parameter that has a gradient (a parameter without one is left alone, as in PyTorch).
 */
export class SGD implements Optimizer {
  readonly params: tf.Variable[];

  /**
   * @param params the variables to update
   * @param lr the learning rate, a finite number
   */
  constructor(
    params: readonly tf.Variable[],
    readonly lr: number,
  ) {
    if (!Array.isArray(params)) fail("SGD", "params", "an array of tf.Variables", describe(params));
    params.forEach((p, i) => {
      if (!(p instanceof tf.Variable)) fail("SGD", "params", "an array of tf.Variables", `${describe(p)} at position ${i}`);
    });
    expectFinite("SGD", "lr", lr);
    this.params = [...params];
  }

  /** The gradient of parameter `i`, or null when `grads` has none for it. */
  private gradientOf(grads: Gradients, i: number): tf.Tensor | null {
    const p = this.params[i];
    const g = Array.isArray(grads) ? (grads[i] ?? null) : ((grads as tf.NamedTensorMap)[p.name] ?? null);
    if (g === null) return null;
    if (!(g instanceof tf.Tensor)) fail("SGD.step", "grads", "tf.Tensors", `${describe(g)} for parameter ${p.name}`);
    if (g.shape.join() !== p.shape.join()) {
      fail(
        "SGD.step",
        "grads",
        `of the shapes of their parameters`,
        `shape ${formatShape(g.shape)} for parameter ${p.name} of shape ${formatShape(p.shape)}`,
      );
    }
    return g;
  }

  /** Section 3.4: one update `p ← p − lr·grad`; `grads` is not consumed (the caller disposes it). */
  step(grads: Gradients): void {
    if (Array.isArray(grads)) {
      if (grads.length !== this.params.length) {
        fail("SGD.step", "grads", `an array of ${this.params.length} gradients (one per parameter)`, `${grads.length}`);
      }
    } else if (grads === null || typeof grads !== "object") {
      fail("SGD.step", "grads", "a map from variable name to gradient, or an array", describe(grads));
    }
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = this.gradientOf(grads, i);
        if (g !== null) p.assign(p.sub(g.mul(this.lr)));
      });
    });
  }

  /** Section 3.4's `zero_grad`: nothing to do, since tfjs never accumulates gradients. */
  zeroGrad(): void {}
}
