import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { D2lArgumentError } from "../ops/check";
import { boxcar, constant, epanechikov, gaussian, gaussianWithWidth } from "./kernels";

// Arguments spanning both sides of the kernels' corners (|x| = 1) and the tails.
const xs = [-3, -1.5, -1, -0.999, -0.5, 0, 0.25, 0.999, 1, 1.001, 2.5];

function apply(kernel: (x: tf.Tensor) => tf.Tensor, values: number[]): { out: number[]; dtype: string } {
  return tf.tidy(() => {
    const y = kernel(tf.tensor1d(values));
    return { out: Array.from(y.dataSync()), dtype: y.dtype };
  });
}

describe("kernels of section 11.2", () => {
  it("gaussian is exp(-x²/2), float32", () => {
    const { out, dtype } = apply(gaussian, xs);
    expect(dtype).toBe("float32");
    out.forEach((v, i) => expect(v).toBeCloseTo(Math.exp(-(xs[i] ** 2) / 2), 6));
    expect(out[xs.indexOf(0)]).toBe(1);
  });

  it("boxcar is 1 strictly inside |x| < 1 and 0 from |x| = 1 on", () => {
    const { out, dtype } = apply(boxcar, xs);
    expect(dtype).toBe("float32");
    expect(out).toEqual(xs.map((x) => (Math.abs(x) < 1 ? 1 : 0)));
  });

  it("constant is 1 everywhere but keeps NaN as the book's 1 + 0·x does", () => {
    expect(apply(constant, xs).out).toEqual(xs.map(() => 1));
    expect(Number.isNaN(apply(constant, [Number.NaN]).out[0])).toBe(true);
  });

  it("epanechikov is max(1 - |x|, 0)", () => {
    const { out } = apply(epanechikov, xs);
    out.forEach((v, i) => expect(v).toBeCloseTo(Math.max(1 - Math.abs(xs[i]), 0), 6));
    expect(out[0]).toBe(0);
  });

  it("gaussianWithWidth(σ) is exp(-x²/(2σ²)) and equals gaussian at σ = 1", () => {
    for (const sigma of [0.1, 0.5, 2]) {
      const { out } = apply(gaussianWithWidth(sigma), xs);
      out.forEach((v, i) => expect(v).toBeCloseTo(Math.exp(-(xs[i] ** 2) / (2 * sigma ** 2)), 6));
    }
    expect(apply(gaussianWithWidth(1), xs).out).toEqual(apply(gaussian, xs).out);
  });

  it("computes in float32 from int32 input and keeps the shape", () => {
    const y = tf.tidy(() => gaussian(tf.tensor2d([[0, 1], [2, 3]], [2, 2], "int32")));
    expect(y.dtype).toBe("float32");
    expect(y.shape).toEqual([2, 2]);
    expect(y.dataSync()[1]).toBeCloseTo(Math.exp(-0.5), 6);
    y.dispose();
  });

  it("leaves no tensors behind", () => {
    const x = tf.tensor1d(xs);
    const before = tf.memory().numTensors;
    for (const k of [gaussian, boxcar, constant, epanechikov, gaussianWithWidth(0.3)]) k(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it("refuses what is not a tensor and widths that are not positive", () => {
    expect(() => gaussian([1, 2] as unknown as tf.Tensor)).toThrow(/gaussian: x must be a tf.Tensor; got an array of shape \[2\]/);
    expect(() => gaussianWithWidth(0)).toThrow(D2lArgumentError);
    expect(() => gaussianWithWidth(0)).toThrow(/gaussianWithWidth: sigma must be a finite number > 0; got 0/);
    expect(() => gaussianWithWidth(Number.NaN)).toThrow(/sigma must be a finite number > 0; got NaN/);
  });
});
