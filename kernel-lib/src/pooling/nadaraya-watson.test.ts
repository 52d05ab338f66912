import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { boxcar, constant, epanechikov, gaussian, gaussianWithWidth, type Kernel } from "./kernels";
import { nadarayaWatson } from "./nadaraya-watson";

const xTrainValues = [0.1, 0.7, 1.3, 2.0, 2.2, 3.1, 3.9, 4.6];
const yTrainValues = [1.0, 2.5, 2.9, 2.2, 1.8, 0.9, 0.1, 0.4];
const xValValues = [0.5, 1.5, 2.5, 3.5, 4.5];

/** The estimator of the book's equation, computed in double precision with plain loops. */
function reference(kernel: (u: number) => number): { yHat: number[]; weights: number[][] } {
  const weights = xTrainValues.map(() => xValValues.map(() => 0));
  const yHat = xValValues.map((q, j) => {
    const k = xTrainValues.map((key) => kernel(key - q));
    const total = k.reduce((a, b) => a + b, 0);
    k.forEach((v, i) => (weights[i][j] = v / total));
    return k.reduce((acc, v, i) => acc + (v / total) * yTrainValues[i], 0);
  });
  return { yHat, weights };
}

const cases: [string, Kernel, (u: number) => number][] = [
  ["gaussian", gaussian, (u) => Math.exp(-(u ** 2) / 2)],
  ["boxcar", boxcar, (u) => (Math.abs(u) < 1 ? 1 : 0)],
  ["constant", constant, () => 1],
  ["epanechikov", epanechikov, (u) => Math.max(1 - Math.abs(u), 0)],
  ["gaussianWithWidth(0.5)", gaussianWithWidth(0.5), (u) => Math.exp(-(u ** 2) / 0.5)],
];

describe("nadarayaWatson (section 11.2)", () => {
  for (const [name, kernel, scalarKernel] of cases) {
    it(`with ${name}: weights (nTrain, nVal) with columns summing to 1, and the weighted average`, () => {
      const [xTrain, yTrain, xVal] = [xTrainValues, yTrainValues, xValValues].map((v) => tf.tensor1d(v));
      const before = tf.memory().numTensors;
      const { yHat, attentionWeights } = nadarayaWatson(xTrain, yTrain, xVal, kernel);
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(attentionWeights.shape).toEqual([xTrainValues.length, xValValues.length]);
      expect(yHat.shape).toEqual([xValValues.length]);
      const sums = tf.tidy(() => Array.from(attentionWeights.sum(0).dataSync()));
      sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
      const want = reference(scalarKernel);
      const got = attentionWeights.arraySync() as number[][];
      got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want.weights[i][j], 5)));
      Array.from(yHat.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(want.yHat[j], 5));
      tf.dispose([xTrain, yTrain, xVal, yHat, attentionWeights]);
    });
  }

  it("with the constant kernel predicts the mean of yTrain everywhere (average pooling)", () => {
    const [xTrain, yTrain, xVal] = [xTrainValues, yTrainValues, xValValues].map((v) => tf.tensor1d(v));
    const { yHat, attentionWeights } = nadarayaWatson(xTrain, yTrain, xVal, constant);
    const mean = yTrainValues.reduce((a, b) => a + b, 0) / yTrainValues.length;
    Array.from(yHat.dataSync()).forEach((v) => expect(v).toBeCloseTo(mean, 5));
    tf.dispose([xTrain, yTrain, xVal, yHat, attentionWeights]);
  });

  it("names the argument, its shape and the expectation on bad input", () => {
    const [xTrain, yTrain, xVal] = [xTrainValues, yTrainValues, xValValues].map((v) => tf.tensor1d(v));
    const short = tf.tensor1d([1, 2, 3]);
    const matrix = tf.zeros([2, 4]);
    expect(() => nadarayaWatson(xTrain, short, xVal, gaussian)).toThrow(
      /nadarayaWatson: yTrain must be of length = 8, as xTrain of shape \[8\]; got shape \[3\]/,
    );
    expect(() => nadarayaWatson(matrix, yTrain, xVal, gaussian)).toThrow(
      /nadarayaWatson: xTrain must be 1-D \(nTrain\); got shape \[2,4\]/,
    );
    expect(() => nadarayaWatson(xTrain, yTrain, matrix, gaussian)).toThrow(/xVal must be 1-D \(nVal\); got shape \[2,4\]/);
    expect(() => nadarayaWatson(xTrain, yTrain, xVal, "gaussian" as unknown as Kernel)).toThrow(
      /nadarayaWatson: kernel must be a function of a tensor \(a kernel\); got string/,
    );
    const before = tf.memory().numTensors;
    expect(() => nadarayaWatson(xTrain, yTrain, xVal, (d) => d.sum(0))).toThrow(
      /kernel must be a function returning a tensor of the distances' shape \[8,5\]; got a float32 tensor of shape \[5\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xTrain, yTrain, xVal, short, matrix]);
  });
});
