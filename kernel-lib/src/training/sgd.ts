/**
 * Minibatch stochastic gradient descent (section 3.4's `d2l.SGD`).
 */
import { tf } from "../tf";
import { expectFinite } from "../ops/check";
import { checkParams, gradientsOf, type Gradients, type Optimizer } from "./optimizer";

export type { Gradients, Optimizer } from "./optimizer";

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
    this.params = checkParams("SGD", params);
    expectFinite("SGD", "lr", lr);
  }

  /** Section 3.4: one update `p ← p − lr·grad`; `grads` is not consumed (the caller disposes it). */
  step(grads: Gradients): void {
    const gradients = gradientsOf("SGD.step", this.params, grads);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = gradients[i];
        if (g !== null) p.assign(p.sub(g.mul(this.lr)));
      });
    });
  }

  /** Section 3.4's `zero_grad`: nothing to do, since tfjs never accumulates gradients. */
  zeroGrad(): void {}
}
