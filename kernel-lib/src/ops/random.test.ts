import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { arange, nextSeed, normal, rand, randn, seed } from "./random";
import { D2lArgumentError } from "./check";

describe("global seeded generator", () => {
  it("gives the same numbers after the same seed and different ones after another", () => {
    seed(42);
    const a = rand([3, 4]).dataSync();
    const s1 = nextSeed();
    seed(42);
    const b = rand([3, 4]).dataSync();
    const s2 = nextSeed();
    seed(43);
    const c = rand([3, 4]).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(s2).toBe(s1);
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it("rand is float32 on [0, 1) with the requested shape", () => {
    seed(1);
    const t = rand([100, 50]);
    expect(t.shape).toEqual([100, 50]);
    expect(t.dtype).toBe("float32");
    const v = Array.from(t.dataSync());
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThan(1);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });

  it("randn and normal have the requested moments", () => {
    seed(2);
    const z = Array.from(randn([20001]).dataSync());
    const m = z.reduce((s, x) => s + x, 0) / z.length;
    const v = z.reduce((s, x) => s + (x - m) ** 2, 0) / z.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.04);
    const n = Array.from(normal(3, 0.5, [10000]).dataSync());
    const mn = n.reduce((s, x) => s + x, 0) / n.length;
    const sd = Math.sqrt(n.reduce((s, x) => s + (x - mn) ** 2, 0) / n.length);
    expect(Math.abs(mn - 3)).toBeLessThan(0.03);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.02);
  });

  it("nextSeed gives non-negative integers that tfjs accepts", () => {
    seed(3);
    const s = nextSeed();
    expect(Number.isInteger(s) && s >= 0).toBe(true);
    const t = tf.randomUniform([2], 0, 1, "float32", s);
    expect(t.shape).toEqual([2]);
  });

  it("arange follows torch.arange", () => {
    expect(Array.from(arange(5).dataSync())).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(arange(1, 3, 0.5).dataSync())).toEqual([1, 1.5, 2, 2.5]);
    expect(Array.from(arange(0, 10, 2).dataSync())).toEqual([0, 2, 4, 6, 8]);
    expect(Array.from(arange(3, 0, -1).dataSync())).toEqual([3, 2, 1]);
    expect(arange(0, 5, 5 / 50).shape).toEqual([50]);
    expect(arange(2, 2).shape).toEqual([0]);
    expect(arange(0, 1, 0.1).dtype).toBe("float32");
    expect(() => arange(0, 1, 0)).toThrow(D2lArgumentError);
    expect(() => rand([2, -1])).toThrow(/rand: shape must be a shape/);
  });
});
