import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { Adam } from "./adam";

describe("Adam (torch.optim.Adam, section 12.10)", () => {
  it("takes PyTorch's steps: bias-corrected moments, eps added to √v̂", () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const adam = new Adam([p], 0.1);
    const steps = [[0.5, -1e-3], [0.25, 2]];
    // by hand, in double precision, as torch.optim.Adam writes the rule
    let [m0, m1, v0, v1] = [0, 0, 0, 0];
    const expected = [1, -2];
    steps.forEach(([g0, g1], t) => {
      const g = tf.tensor1d([g0!, g1!]);
      adam.step([g]);
      g.dispose();
      m0 = 0.9 * m0 + 0.1 * g0!;
      m1 = 0.9 * m1 + 0.1 * g1!;
      v0 = 0.999 * v0 + 0.001 * g0! * g0!;
      v1 = 0.999 * v1 + 0.001 * g1! * g1!;
      const bc1 = 1 - 0.9 ** (t + 1);
      const bc2 = Math.sqrt(1 - 0.999 ** (t + 1));
      expected[0] -= (0.1 / bc1) * m0 / (Math.sqrt(v0) / bc2 + 1e-8);
      expected[1] -= (0.1 / bc1) * m1 / (Math.sqrt(v1) / bc2 + 1e-8);
      const got = Array.from(p.dataSync());
      expect(got[0]).toBeCloseTo(expected[0]!, 6);
      expect(got[1]).toBeCloseTo(expected[1]!, 6);
    });
    // the first step moves each parameter by lr, whatever the size of its gradient
    p.dispose();
  });

  it("leaves a parameter without a gradient alone, and does not count the step for it", () => {
    const a = tf.variable(tf.tensor1d([1]));
    const b = tf.variable(tf.tensor1d([1]));
    const adam = new Adam([a, b], 0.5);
    const g = tf.tensor1d([1]);
    adam.step({ [a.name]: g });
    expect(b.dataSync()[0]).toBe(1);
    adam.step([null, g]);
    // b's first step: a full lr step (bias correction of step 1, not 2)
    expect(b.dataSync()[0]).toBeCloseTo(0.5, 6);
    tf.dispose([a, b, g]);
  });

  it("checks its arguments", () => {
    expect(() => new Adam([], 0.1, { betas: [0.9, 1] })).toThrow("Adam: betas must be two numbers in [0, 1); got an array of shape [2]");
    expect(() => new Adam([], 0.1, { eps: -1 })).toThrow("Adam: eps must be a finite number >= 0; got -1");
  });
});
