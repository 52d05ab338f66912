import { afterEach, describe, expect, it } from "vitest";
import { tf } from "../tf";
import { seed } from "../ops/random";
import { gruLayerHost, setRecurrentKernels, type GruLayerKernel } from "../ops/recurrent";
import { GRU, LSTM } from "./rnn";

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
});
