/**
 * Additive attention's scores (section 11.3, `wvᵀ tanh(Wq q + Wk k)`) as one kernel each way
 * (kernel-lib/src/fast/additive-attention.ts, hook `setAdditiveAttentionKernels`) against the
 * book's chain of tfjs ops they replace (broadcast sum, tanh, the w_v product): the layer's
 * output and attention weights, and the gradients of a weighted sum of its output with respect
 * to queries, keys, values, W_q, W_k and w_v, within 2e-5·(1 + |x|) (sums in another order);
 * hidden sizes with and without a tail of fewer than 4 units, batches with one query or one key,
 * projected keys (11.4's decoder), and NaN in a query propagating to its row only.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { useFastKernels } from "../../kernel-lib/src/fast";

const tf = d2l.tf;

afterAll(() => useFastKernels(true));

interface Result {
  output: Float32Array;
  weights: Float32Array;
  grads: Float32Array[];
}

function values(shape: number[], phase: number, scale = 1): d2l.tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, (_, i) => scale * Math.sin(0.37 * i + phase)), shape);
}

function run(batch: number, nq: number, nk: number, d: number, hiddens: number, projected: boolean, nanAt = -1): Result {
  d2l.seed(3);
  const attention = new d2l.AdditiveAttention(hiddens, 0);
  attention.eval();
  attention.Wq.setWeights(values([d, hiddens], 0.1, 0.4));
  if (!projected) attention.Wk.setWeights(values([d, hiddens], 0.7, 0.4));
  attention.wv.setWeights(values([hiddens, 1], 1.3));
  const qv = values([batch, nq, d], 0.2, 1.5);
  if (nanAt >= 0) (qv.dataSync() as Float32Array)[nanAt] = NaN;
  const q = tf.tensor(qv.dataSync(), qv.shape);
  const k = values([batch, nk, projected ? hiddens : d], 0.5, 1.5);
  const v = values([batch, nk, 3], 0.9);
  const lens = tf.tensor1d(Array.from({ length: batch }, (_, b) => nk - (b % nk)), "int32");
  const mix = values([batch, nq, 3], 1.1);
  const forward = (qq: d2l.tf.Tensor, kk: d2l.tf.Tensor, vv: d2l.tf.Tensor) =>
    projected ? attention.forwardProjected(qq, kk, vv, lens) : attention.forward(qq, kk, vv, lens);
  // (forwardProjected does not use W_k.)
  const parameters = [attention.Wq.weight!, ...(projected ? [] : [attention.Wk.weight!]), attention.wv.weight!];
  const { grads } = tf.variableGrads(() => forward(q, k, v).mul(mix).sum() as d2l.tf.Scalar, parameters);
  const inputGrads = tf.grads((qq: d2l.tf.Tensor, kk: d2l.tf.Tensor, vv: d2l.tf.Tensor) => forward(qq, kk, vv).mul(mix).sum())([q, k, v]);
  const output = forward(q, k, v).dataSync() as Float32Array;
  const result = {
    output: output.slice(),
    weights: (attention.attentionWeights.dataSync() as Float32Array).slice(),
    grads: [...inputGrads, ...parameters.map((p) => grads[p.name])].map((g) => (g.dataSync() as Float32Array).slice()),
  };
  tf.dispose([qv, q, k, v, lens, mix, ...inputGrads, ...Object.values(grads)]);
  attention.dispose();
  return result;
}

function expectNear(got: Float32Array, want: Float32Array, label: string): void {
  expect(got.length, label).toBe(want.length);
  const bad = Array.from(want).findIndex((e, i) => (Number.isNaN(e) ? !Number.isNaN(got[i]) : !(Math.abs(got[i] - e) <= 2e-5 * (1 + Math.abs(e)))));
  expect(bad, `${label}: first mismatch at ${bad}: ${got[bad]} vs ${want[bad]}`).toBe(-1);
}

describe("additive attention scores, fused", () => {
  it.each([
    [2, 4, 6, 5, 8, false],
    [3, 1, 9, 7, 11, false], // one query per batch (11.4's decoder step); hidden size with a tail
    [2, 5, 1, 4, 6, false], // one key
    [4, 1, 9, 16, 16, true], // keys already projected (forwardProjected)
    [1, 3, 4, 3, 3, true], // fewer hidden units than one vector
  ])("batch %i, %i queries, %i keys, d %i, %i hidden units (projected keys %s): output, weights and all gradients equal the chain of ops", (batch, nq, nk, d, hiddens, projected) => {
    useFastKernels(false);
    const reference = run(batch, nq, nk, d, hiddens, projected);
    useFastKernels(true);
    const fused = run(batch, nq, nk, d, hiddens, projected);
    expectNear(fused.output, reference.output, "output");
    expectNear(fused.weights, reference.weights, "attentionWeights");
    const names = ["dQueries", "dKeys", "dValues", "dW_q", ...(projected ? [] : ["dW_k"]), "dw_v"];
    expect(fused.grads.length).toBe(names.length);
    names.forEach((name, i) => expectNear(fused.grads[i], reference.grads[i], name));
    // Not all zeros (the comparison means something), except where one key has all the weight.
    if (nk > 1) for (const g of fused.grads) expect(g.some((x) => x !== 0)).toBe(true);
  });

  it("a NaN query gives NaN in its own row of the output, as the chain of ops does", () => {
    useFastKernels(false);
    const reference = run(2, 2, 3, 4, 5, false, 1);
    useFastKernels(true);
    const fused = run(2, 2, 3, 4, 5, false, 1);
    expectNear(fused.output, reference.output, "output");
    expect(fused.output.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(fused.output.slice(3).some(Number.isNaN)).toBe(false);
  });

  it("says so when the fast kernels are turned off between the forward and its backward (the saved features are gone)", () => {
    useFastKernels(true);
    const attention = new d2l.AdditiveAttention(4, 0);
    attention.eval();
    const q = values([1, 2, 3], 0.1);
    const k = values([1, 3, 3], 0.2);
    const v = values([1, 3, 2], 0.3);
    expect(() =>
      tf.grads((qq: d2l.tf.Tensor) => {
        const y = attention.forward(qq, k, v).sum();
        useFastKernels(false);
        return y;
      })([q]),
    ).toThrow(/the data a gradient needs is gone/);
    useFastKernels(true);
    tf.dispose([q, k, v]);
    attention.dispose();
  });
});
