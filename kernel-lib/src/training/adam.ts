/**
 * Adam (section 12.10), with PyTorch's update rule: what `Seq2Seq.configureOptimizers` returns,
 * as the book's `torch.optim.Adam(self.parameters(), lr=self.lr)` (section 10.7).
 */
import { tf } from "../tf";
import { describe, expectFinite, fail } from "../ops/check";
import { checkParams, gradientsOf, type Gradients, type Optimizer } from "./optimizer";

/** Options of `Adam` (PyTorch's keyword arguments and defaults). */
export interface AdamOptions {
  /** Decay rates of the first and second moment estimates; default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability; default 1e-8. */
  eps?: number;
}

/** The numbers of one Adam update besides the tensors (PyTorch's, computed in double precision). */
export interface AdamUpdate {
  beta1: number;
  beta2: number;
  /** lr / (1 − beta1^t) */
  stepSize: number;
  /** √(1 − beta2^t) */
  biasCorrection2Sqrt: number;
  eps: number;
}

/**
 * A replacement for the host loop of one parameter's update: returns the parameter's new values
 * as a new float32 tensor and updates the moments `expAvg` and `expAvgSq` in place (PyTorch's
 * float32 arithmetic), or returns null to leave this parameter to the host loop. The fast CPU
 * kernels install one (`setAdamKernel`; `null` restores the loop).
 */
export type AdamKernel = (param: tf.Tensor, grad: tf.Tensor, expAvg: Float32Array, expAvgSq: Float32Array, update: AdamUpdate) => tf.Tensor | null;

let kernel: AdamKernel | null = null;

export function setAdamKernel(replacement: AdamKernel | null): void {
  kernel = replacement;
}

/** One parameter's state: PyTorch's `state['step']`, `exp_avg`, `exp_avg_sq`. */
interface AdamState {
  step: number;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
}

/**
 * PyTorch's `torch.optim.Adam(params, lr, betas = (0.9, 0.999), eps = 1e-8)` (section 12.10; used
 * by `Seq2Seq`, section 10.7). Each `step(grads)` updates every parameter that has a gradient,
 * exactly as PyTorch 1.13 computes it:
 *
 *   t ← t + 1,  m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²
 *   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps)
 *
 * (tfjs's `AdamOptimizer` adds eps to √v̂ in another place, which changes early steps.) The
 * moments live on the host as Float32Arrays; the update is one pass per parameter, on the host
 * or, with the fast CPU kernels, one WebAssembly kernel (the hook `setAdamKernel`).
 * Throws a `D2lArgumentError` on a bad `lr`, `betas` or `eps`, or gradients of the wrong shapes.
 */
export class Adam implements Optimizer {
  readonly params: tf.Variable[];
  readonly betas: readonly [number, number];
  readonly eps: number;
  private readonly state = new Map<tf.Variable, AdamState>();

  /**
   * @param params the variables to update
   * @param lr the learning rate, a finite number (PyTorch's default is 1e-3; the book passes it)
   * @param options `betas`, `eps`
   */
  constructor(
    params: readonly tf.Variable[],
    readonly lr: number,
    { betas = [0.9, 0.999], eps = 1e-8 }: AdamOptions = {},
  ) {
    this.params = checkParams("Adam", params);
    expectFinite("Adam", "lr", lr);
    if (!Array.isArray(betas) || betas.length !== 2 || betas.some((b) => typeof b !== "number" || !(b >= 0 && b < 1))) {
      fail("Adam", "betas", "two numbers in [0, 1)", describe(betas));
    }
    if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps)) fail("Adam", "eps", "a finite number >= 0", describe(eps));
    this.betas = [betas[0], betas[1]];
    this.eps = eps;
  }

  /** One Adam update of every parameter with a gradient; `grads` is not consumed. */
  step(grads: Gradients): void {
    const gradients = gradientsOf("Adam.step", this.params, grads);
    const [beta1, beta2] = this.betas;
    this.params.forEach((p, i) => {
      const gradient = gradients[i];
      if (gradient === null) return;
      let s = this.state.get(p);
      if (s === undefined) {
        s = { step: 0, expAvg: new Float32Array(p.size), expAvgSq: new Float32Array(p.size) };
        this.state.set(p, s);
      }
      s.step += 1;
      // PyTorch computes these in double precision (Python floats).
      const biasCorrection1 = 1 - beta1 ** s.step;
      const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** s.step);
      const stepSize = this.lr / biasCorrection1;
      const { expAvg, expAvgSq } = s;
      const fused = kernel?.(p, gradient, expAvg, expAvgSq, { beta1, beta2, stepSize, biasCorrection2Sqrt, eps: this.eps });
      if (fused) {
        p.assign(fused);
        fused.dispose();
        return;
      }
      const g = gradient.dataSync() as Float32Array;
      const values = p.dataSync() as Float32Array;
      const next = new Float32Array(values.length);
      for (let k = 0; k < next.length; k++) {
        const m = (expAvg[k] = beta1 * expAvg[k] + (1 - beta1) * g[k]);
        const v = (expAvgSq[k] = beta2 * expAvgSq[k] + (1 - beta2) * g[k] * g[k]);
        next[k] = values[k] - (stepSize * m) / (Math.sqrt(v) / biasCorrection2Sqrt + this.eps);
      }
      tf.tidy(() => p.assign(tf.tensor(next, p.shape, "float32")));
    });
  }

  /** PyTorch's `zero_grad`: nothing to do, since tfjs never accumulates gradients. */
  zeroGrad(): void {}
}
