import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { boxcar, constant, epanechikov, gaussian, gaussianWithWidth, withWidth, type Kernel } from "./kernels";
import { NoKeyInReachError, nadarayaWatson } from "./nadaraya-watson";

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

describe("nadarayaWatson far from the keys (issue 12)", () => {
  const xTrain = () => tf.tensor1d([0, 1, 2, 3, 4]);
  const run = (kernel: Kernel, queries: number[]) =>
    tf.tidy(() => {
      const keys = xTrain();
      const { yHat, attentionWeights } = nadarayaWatson(keys, keys.mul(10), tf.tensor1d(queries), kernel);
      return { yHat: Array.from(yHat.dataSync()), weights: attentionWeights.arraySync() as number[][] };
    });

  it("gives a far query the limit of its weights (all on the nearest key), not NaN: [24.5532, 40]", () => {
    const { yHat, weights } = run(gaussian, [2.5, 100]);
    expect(yHat[0]).toBeCloseTo(24.5532, 3);
    expect(yHat[1]).toBe(40);
    weights.map((row) => row[1]).forEach((w, i) => expect(w).toBeCloseTo(i === 4 ? 1 : 0, 30));
    // Equally far from two keys: half each, in float32 where exp(-x²/2) is 0 for both.
    expect(run(gaussian, [-1e3, 2.5])).toMatchObject({ yHat: [0, expect.closeTo(24.5532, 3)] });
    const between = tf.tidy(() => {
      const keys = tf.tensor1d([-200, 200]);
      return Array.from(nadarayaWatson(keys, tf.tensor1d([1, 3]), tf.tensor1d([0]), gaussian).yHat.dataSync());
    });
    expect(between).toEqual([2]);
  });

  it("does the same for gaussianWithWidth and withWidth(gaussian, σ), which agree", () => {
    expect(run(gaussianWithWidth(0.1), [3.9, 50]).yHat).toEqual([expect.closeTo(40, 4), 40]);
    const a = run(gaussianWithWidth(0.7), [0.3, 2.2, 8]);
    const b = run(withWidth(gaussian, 0.7), [0.3, 2.2, 8]);
    b.yHat.forEach((v, k) => expect(v).toBeCloseTo(a.yHat[k], 5));
  });

  it("names the query no bounded kernel reaches, its nearest key and a width that reaches it", () => {
    const before = tf.memory().numTensors;
    expect(() => run(boxcar, [2.5, 100])).toThrow(NoKeyInReachError);
    expect(() => run(boxcar, [2.5, 100])).toThrow(
      "nadarayaWatson: no key within reach of query xVal[1] = 100: boxcar is 0 unless |xTrain - xVal| < 1, and the nearest key, " +
        "xTrain[4] = 4, is 96 away, so its weights would be 0/0 (NaN). d2l.withWidth(kernel, w) reaches it for any w > 96 " +
        "(e.g. d2l.withWidth(d2l.boxcar, 100)), or use a kernel that is positive everywhere, such as d2l.gaussian.",
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(() => run(epanechikov, [-5, 2, 9])).toThrow(/query xVal\[0\] = -5 \(and 1 more of the 3 queries\): epanechikov .* nearest key, xTrain\[0\] = 0, is 5 away/);
    try {
      run(epanechikov, [-5, 2, 9]);
    } catch (e) {
      expect(e).toBeInstanceOf(NoKeyInReachError);
      expect((e as NoKeyInReachError).queries).toEqual([0, 2]);
      expect((e as NoKeyInReachError).nearestDistance).toBe(5);
    }
    // The width it suggests does reach the key.
    expect(run(withWidth(boxcar, 100), [2.5, 100]).yHat).toEqual([20, 25]);
    // A kernel of our own that is 0 at every key is named too.
    expect(() => run((d) => tf.relu(tf.sub(0.5, tf.abs(d))), [10])).toThrow(
      /kernel\(xTrain - xVal\) is 0 for every key, .* Use a kernel that is positive everywhere, such as d2l\.gaussian\./,
    );
  });

  it("withWidth refuses widths that are not positive and what is not a kernel", () => {
    expect(() => withWidth(boxcar, 0)).toThrow(/withWidth: width must be a finite number > 0; got 0/);
    expect(() => withWidth("boxcar" as unknown as Kernel, 1)).toThrow(/withWidth: kernel must be a kernel/);
    expect(withWidth(boxcar, 3).support).toBe(3);
    expect(withWidth(gaussian, 2).logKernel).toBeDefined();
  });
});
