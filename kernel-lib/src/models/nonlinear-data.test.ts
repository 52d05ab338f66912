import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { seed } from "../ops/random";
import { NonlinearData } from "./nonlinear-data";

const f = (x: number) => 2 * Math.sin(x) + x ** 0.8;

describe("NonlinearData (section 11.2)", () => {
  it("draws sorted inputs on [0, 5), noisy outputs of 2 sin x + x^0.8, and a noise-free validation grid", () => {
    seed(1);
    const data = new NonlinearData(1000, 10);
    const x = Array.from(data.xTrain.dataSync());
    const y = Array.from(data.yTrain.dataSync());
    expect(data.xTrain.shape).toEqual([1000]);
    expect(x.every((v, i) => v >= 0 && v < 5 && (i === 0 || x[i - 1] <= v))).toBe(true);
    const noise = y.map((v, i) => v - f(x[i]));
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    const std = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length);
    expect(Math.abs(mean)).toBeLessThan(0.15); // standard normal noise, as the book's randn
    expect(std).toBeGreaterThan(0.9);
    expect(std).toBeLessThan(1.1);
    const xVal = Array.from(data.xVal.dataSync());
    expect(xVal).toHaveLength(1000);
    xVal.forEach((v, i) => expect(v).toBeCloseTo(i * 0.005, 5));
    Array.from(data.yVal.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(f(xVal[i]), 5));
    data.dispose();
  });

  it("is reproducible with d2l.seed and differs between seeds", () => {
    const draw = (s: number) => {
      seed(s);
      const data = new NonlinearData(30, 5);
      const out = [...data.xTrain.dataSync(), ...data.yTrain.dataSync()];
      data.dispose();
      return out;
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it("serves shuffled training batches and ordered validation batches of (x, y)", () => {
    seed(2);
    const data = new NonlinearData(50, 10);
    const train = data.trainDataloader()!;
    const val = data.valDataloader()!;
    expect([train.length, val.length]).toEqual([5, 5]);
    const xVal: number[] = [];
    for (const [x, y] of val) {
      expect([x.shape, y.shape]).toEqual([[10], [10]]);
      xVal.push(...x.dataSync());
      tf.dispose([x, y]);
    }
    expect(xVal).toEqual(Array.from(data.xVal.dataSync()));
    const pairs = new Map(Array.from(data.xTrain.dataSync(), (x, i) => [x, data.yTrain.dataSync()[i]]));
    const seen: number[] = [];
    for (const [x, y] of train) {
      x.dataSync().forEach((v, i) => expect(pairs.get(v)).toBe(y.dataSync()[i]));
      seen.push(...x.dataSync());
      tf.dispose([x, y]);
    }
    expect(seen).not.toEqual(Array.from(data.xTrain.dataSync()));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from(data.xTrain.dataSync()));
    data.dispose();
  });

  it("refuses sizes that are not positive integers", () => {
    expect(() => new NonlinearData(0, 10)).toThrow(/NonlinearData: n must be an integer >= 1; got 0/);
    expect(() => new NonlinearData(50, 0)).toThrow(/NonlinearData: batchSize must be an integer >= 1; got 0/);
    expect(() => new NonlinearData(50, 2.5)).toThrow(/batchSize must be an integer >= 1; got 2.5/);
  });
});
