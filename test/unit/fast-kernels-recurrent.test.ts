/**
 * The fused GRU layer (kernel-lib/src/fast/recurrent.ts: one kernel forward, one backward, wasm
 * gate arithmetic between fast matmuls) against the reference: the host implementation
 * `gruLayerHost` on tfjs's own kernels (PyTorch's equations, checked against PyTorch by the
 * parity suites). Outputs, the last state and the gradients of all six inputs agree within
 * 2e-5·(1 + max |reference|) of each tensor in float32 (the matmuls sum in another order, which
 * matters most in the weight gradients' sums over steps·batch rows; the fused kernel's sigmoid and
 * tanh are Cephes' single-precision ones, the host's JavaScript's double ones).
 */
import { afterAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { useFastKernels } from "../../kernel-lib/src/fast";
import { getRecurrentKernels, gruLayerHost } from "../../kernel-lib/src/ops/recurrent";
import { fastGruLayer } from "../../kernel-lib/src/fast/recurrent";

const tf = d2l.tf;
type Tensor = d2l.tf.Tensor;

afterAll(() => useFastKernels(true));

/** Uniform values in [−scale, scale] from a fixed seed. */
function uniform(shape: number[], seed: number, scale = 1): Tensor {
  return tf.randomUniform(shape, -scale, scale, "float32", seed);
}

/** Outputs, last state and the gradients of Σ outputs·dyOut + Σ h·dyH with respect to every input. */
function forwardAndGradients(steps: number, batch: number, inputs: number, hidden: number, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const x = uniform([steps, batch, inputs], seed, 2);
    const h0 = uniform([batch, hidden], seed + 1);
    const bound = 1 / Math.sqrt(hidden);
    const w = [
      uniform([3 * hidden, inputs], seed + 2, bound),
      uniform([3 * hidden, hidden], seed + 3, bound),
      uniform([3 * hidden], seed + 4, bound),
      uniform([3 * hidden], seed + 5, bound),
    ];
    const dyOut = uniform([steps, batch, hidden], seed + 6);
    const dyH = uniform([batch, hidden], seed + 7);
    const run = (xi: Tensor, hi: Tensor, wih: Tensor, whh: Tensor, bih: Tensor, bhh: Tensor) =>
      d2l.gruLayer(xi, hi, { weightIh: wih, weightHh: whh, biasIh: bih, biasHh: bhh });
    const { outputs, h } = run(x, h0, w[0], w[1], w[2], w[3]);
    const grads = tf.grads((xi: Tensor, hi: Tensor, wih: Tensor, whh: Tensor, bih: Tensor, bhh: Tensor) => {
      const r = run(xi, hi, wih, whh, bih, bhh);
      return tf.add(tf.sum(tf.mul(r.outputs, dyOut)), tf.sum(tf.mul(r.h, dyH)));
    })([x, h0, ...w]);
    return [outputs, h, ...grads].map((t) => (t.dataSync() as Float32Array).slice());
  });
}

const LABELS = ["outputs", "h", "dx", "dh0", "dWeightIh", "dWeightHh", "dBiasIh", "dBiasHh"];

describe("GRU layer, fused", () => {
  it("is the layer the fast kernels install, and the host one without them", () => {
    useFastKernels(true);
    expect(getRecurrentKernels().gru).toBe(fastGruLayer);
    useFastKernels(false);
    expect(getRecurrentKernels().gru).toBe(gruLayerHost);
    useFastKernels(true);
  });

  it.each([
    [1, 1, 1, 1],
    [3, 5, 7, 6],
    [2, 4, 3, 9],
    [9, 16, 40, 32],
    [9, 32, 512, 256],
  ])("steps %i, batch %i, inputs %i, hidden %i: outputs, state and all gradients equal the host layer on tfjs's kernels", (steps, batch, inputs, hidden) => {
    const seed = steps * 1000 + hidden;
    useFastKernels(false);
    const reference = forwardAndGradients(steps, batch, inputs, hidden, seed);
    useFastKernels(true);
    const fused = forwardAndGradients(steps, batch, inputs, hidden, seed);
    expect(fused.length).toBe(reference.length);
    fused.forEach((values, i) => {
      expect(values.length, LABELS[i]).toBe(reference[i].length);
      let worst = 0;
      let at = -1;
      const scale = 1 + reference[i].reduce((m, e) => Math.max(m, Math.abs(e)), 0);
      reference[i].forEach((e, j) => {
        const excess = Math.abs(values[j] - e) / scale;
        if (!(excess <= worst)) {
          worst = excess;
          at = j;
        }
      });
      expect(worst, `${LABELS[i]}[${at}]: ${values[at]} vs ${reference[i][at]}`).toBeLessThanOrEqual(2e-5);
    });
  });

  it("leaves no tensor behind, forward and backward", () => {
    useFastKernels(true);
    const before = tf.memory().numTensors;
    forwardAndGradients(3, 4, 5, 6, 7);
    expect(tf.memory().numTensors).toBe(before);
  });
});
