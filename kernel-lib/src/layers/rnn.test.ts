import { afterEach, describe, expect, it } from "vitest";
import { tf } from "../tf";
import { seed } from "../ops/random";
import { gruLayer, gruLayerHost, lstmLayer, setRecurrentKernels, type GruLayerKernel } from "../ops/recurrent";
import { fastKernelsEnabled, useFastKernels } from "../fast";
import { GRU, LSTM } from "./rnn";

/** Largest |a − b| over two lists of tensors of equal shapes. */
function maxDifference(a: tf.Tensor[], b: tf.Tensor[]): number {
  expect(a.map((t) => t.shape)).toEqual(b.map((t) => t.shape));
  return Math.max(...a.map((t, i) => tf.max(tf.abs(tf.sub(t, b[i]))).dataSync()[0]));
}

describe("GRU and LSTM (nn.GRU / nn.LSTM, sections 9.7, 10.1, 10.2)", () => {
  afterEach(() => setRecurrentKernels(null));

  it("have PyTorch's parameter names, shapes and default initialisation", () => {
    seed(0);
    const gru = new GRU(5, 4, 2);
    expect(gru.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([
      ["weight_ih_l0", [12, 5]], ["weight_hh_l0", [12, 4]], ["bias_ih_l0", [12]], ["bias_hh_l0", [12]],
      ["weight_ih_l1", [12, 4]], ["weight_hh_l1", [12, 4]], ["bias_ih_l1", [12]], ["bias_hh_l1", [12]],
    ]);
    expect(gru.parameters()).toEqual(gru.namedParameters().map(([, p]) => p));
    for (const p of gru.parameters()) expect(tf.max(tf.abs(p)).dataSync()[0]).toBeLessThanOrEqual(0.5); // 1/√4
    const lstm = new LSTM(3, 2);
    expect(lstm.parameter("weight_ih_l0").shape).toEqual([8, 3]);
    gru.dispose();
    lstm.dispose();
  });

  it("run time-major: outputs (steps, batch, hidden), state (layers, batch, hidden); no state means zeros", () => {
    seed(1);
    const gru = new GRU(3, 4, 2);
    const x = tf.randomNormal([5, 2, 3]);
    const [out, state] = gru.forward(x);
    expect([out.shape, state.shape]).toEqual([[5, 2, 4], [2, 2, 4]]);
    const zeros = tf.zeros([2, 2, 4]);
    const [out0, state0] = gru.forward(x, zeros);
    expect(Array.from(out0.dataSync())).toEqual(Array.from(out.dataSync()));
    // the last step's output of the last layer is the last layer's state
    expect(Array.from(out.slice([4, 0, 0], [1, 2, 4]).dataSync())).toEqual(Array.from(state.slice([1, 0, 0], [1, 2, 4]).dataSync()));
    const lstm = new LSTM(3, 4, 2);
    const [lout, [H, C]] = lstm.forward(x);
    expect([lout.shape, H.shape, C.shape]).toEqual([[5, 2, 4], [2, 2, 4], [2, 2, 4]]);
    tf.dispose([x, out, state, zeros, out0, state0, lout, H, C]);
    gru.dispose();
    lstm.dispose();
  });

  it("apply dropout between layers in training mode only", () => {
    seed(2);
    const gru = new GRU(3, 4, 2, 0.5);
    const x = tf.randomNormal([3, 2, 3]);
    const run = (): number[] => tf.tidy(() => Array.from(gru.forward(x)[0].dataSync()));
    gru.eval();
    const evalA = run();
    expect(run()).toEqual(evalA);
    gru.train();
    expect(run()).not.toEqual(evalA);
    const single = new GRU(3, 4, 1, 0.5).train();
    const a = tf.tidy(() => Array.from(single.forward(x)[0].dataSync()));
    single.eval();
    expect(tf.tidy(() => Array.from(single.forward(x)[0].dataSync()))).toEqual(a); // no layer after the last
    x.dispose();
    gru.dispose();
    single.dispose();
  });

  it("set parameters by PyTorch name, checking all of them before changing any", () => {
    const gru = new GRU(2, 1);
    gru.setParameters({ bias_ih_l0: [1, 2, 3] });
    expect(Array.from(gru.parameter("bias_ih_l0").dataSync())).toEqual([1, 2, 3]);
    expect(() => gru.setParameters({ bias_hh_l0: [0, 0, 0], weight_hh_l0: [[1, 2]] })).toThrow(
      "GRU.setParameters: weight_hh_l0 must be of shape [3,1]; got shape [1,2]",
    );
    expect(Array.from(gru.parameter("bias_hh_l0").dataSync())).not.toEqual([0, 0, 0]);
    expect(() => gru.parameter("weight_ih_l1")).toThrow('GRU.parameter: name must be one of weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0; got "weight_ih_l1"');
    gru.dispose();
  });

  it("run every layer through the replaceable kernel (setRecurrentKernels)", () => {
    const calls: number[][] = [];
    const spy: GruLayerKernel = (x, h0, w) => {
      calls.push(x.shape);
      return gruLayerHost(x, h0, w);
    };
    setRecurrentKernels({ gru: spy });
    const gru = new GRU(3, 4, 2);
    const x = tf.ones([2, 1, 3]);
    tf.dispose(gru.forward(x));
    expect(calls).toEqual([[2, 1, 3], [2, 1, 4]]);
    setRecurrentKernels(null);
    tf.dispose(gru.forward(x));
    expect(calls).toHaveLength(2);
    x.dispose();
    gru.dispose();
  });

  // tfjs's gradient of tf.unstack fails on an axis of size 1 ("Argument tensors passed to stack
  // must be a `Tensor[]`"): one layer's state, one step, a batch of one must still train.
  describe.each([
    ["fast kernels", true],
    ["tfjs's reference kernels", false],
  ])("with %s, gradients reach the initial state and every weight of a one-layer", (_name, fast) => {
    const fastWasOn = fastKernelsEnabled();
    afterEach(() => useFastKernels(fastWasOn));

    it.each([
      [3, 2],
      [1, 2],
      [3, 1],
      [1, 1],
    ])("GRU over %i steps, batch %i, equal to those of its layer (gruLayer)", (steps, batch) => {
      useFastKernels(fast);
      seed(11);
      const gru = new GRU(4, 8, 1);
      tf.tidy(() => {
        const x = tf.randomNormal([steps, batch, 4]);
        const h0 = tf.variable(tf.randomNormal([1, batch, 8]), true, `rnnTestGruH0_${fast}_${steps}_${batch}`);
        const dy = tf.randomNormal([steps, batch, 8]);
        const loss = () => {
          const [outputs, state] = gru.forward(x, h0);
          return tf.add(tf.sum(tf.mul(outputs, dy)), tf.sum(state)) as tf.Scalar;
        };
        const { grads } = tf.variableGrads(loss, [h0, ...gru.parameters()]);
        const w = gru.parameters();
        const expected = tf.grads((h: tf.Tensor, wih: tf.Tensor, whh: tf.Tensor, bih: tf.Tensor, bhh: tf.Tensor) => {
          const r = gruLayer(x, h, { weightIh: wih, weightHh: whh, biasIh: bih, biasHh: bhh });
          return tf.add(tf.sum(tf.mul(r.outputs, dy)), tf.sum(r.h));
        })([h0.reshape([batch, 8]), ...w]);
        const got = [grads[h0.name].reshape([batch, 8]), ...w.map((p) => grads[p.name])];
        expect(maxDifference(got, expected)).toBeLessThan(1e-5);
        expect(tf.max(tf.abs(got[0])).dataSync()[0]).toBeGreaterThan(0);
        h0.dispose();
      });
      gru.dispose();
    });

    it.each([
      [3, 2],
      [1, 1],
    ])("LSTM over %i steps, batch %i, equal to those of its layer (lstmLayer)", (steps, batch) => {
      useFastKernels(fast);
      seed(12);
      const lstm = new LSTM(4, 8, 1);
      tf.tidy(() => {
        const x = tf.randomNormal([steps, batch, 4]);
        const h0 = tf.variable(tf.randomNormal([1, batch, 8]), true, `rnnTestLstmH0_${fast}_${steps}_${batch}`);
        const c0 = tf.variable(tf.randomNormal([1, batch, 8]), true, `rnnTestLstmC0_${fast}_${steps}_${batch}`);
        const dy = tf.randomNormal([steps, batch, 8]);
        const loss = () => {
          const [outputs, [H, C]] = lstm.forward(x, [h0, c0]);
          return tf.addN([tf.sum(tf.mul(outputs, dy)), tf.sum(H), tf.sum(tf.mul(C, 2))]) as tf.Scalar;
        };
        const { grads } = tf.variableGrads(loss, [h0, c0, ...lstm.parameters()]);
        const w = lstm.parameters();
        const expected = tf.grads((h: tf.Tensor, c: tf.Tensor, wih: tf.Tensor, whh: tf.Tensor, bih: tf.Tensor, bhh: tf.Tensor) => {
          const r = lstmLayer(x, h, c, { weightIh: wih, weightHh: whh, biasIh: bih, biasHh: bhh });
          return tf.addN([tf.sum(tf.mul(r.outputs, dy)), tf.sum(r.h), tf.sum(tf.mul(r.c, 2))]);
        })([h0.reshape([batch, 8]), c0.reshape([batch, 8]), ...w]);
        const got = [grads[h0.name].reshape([batch, 8]), grads[c0.name].reshape([batch, 8]), ...w.map((p) => grads[p.name])];
        expect(maxDifference(got, expected)).toBeLessThan(1e-5);
        expect(tf.max(tf.abs(got[1])).dataSync()[0]).toBeGreaterThan(0);
        tf.dispose([h0, c0]);
      });
      lstm.dispose();
    });
  });
});
