/** The comparison helper of the parity suites must fail on near misses and say where. */
import { describe, expect, it } from "vitest";
import { expectClose, multiIndex } from "./expect-close";

describe("expectClose", () => {
  it("accepts differences within abs + rel·|expected|", () => {
    expect(() => expectClose([1.00001, 0.0000005], [1, 0], { abs: 1e-6, rel: 1e-5 }, "ok")).not.toThrow();
  });

  it("rejects a difference just past the allowance and names the worst element", () => {
    const run = () => expectClose([1, 2, 3.0001, 4.01], [1, 2, 3, 4], { abs: 1e-6, rel: 1e-5 }, "case X", [2, 2]);
    expect(run).toThrow(/case X: 2 of 4 values differ/);
    expect(run).toThrow(/worst at \[1,1\]: got 4\.01, expected 4/);
  });

  it("never accepts NaN, and checks lengths", () => {
    expect(() => expectClose([NaN], [0], { abs: 1, rel: 1 }, "nan")).toThrow(/got NaN/);
    expect(() => expectClose([1, 2], [1], { abs: 1, rel: 1 }, "len")).toThrow(/2 values, expected 1/);
  });

  it("takes a per-element absolute tolerance", () => {
    const tolerance = { abs: (i: number) => (i === 0 ? 0.5 : 0), rel: 0 };
    expect(() => expectClose([0.4, 1], [0, 1], tolerance, "per element")).not.toThrow();
    expect(() => expectClose([0, 1.1], [0, 1], tolerance, "per element")).toThrow(/worst at \[1\]/);
  });

  it("prints multi-indices in row-major order", () => {
    expect(multiIndex(7, [2, 2, 2])).toBe("[1,1,1]");
    expect(multiIndex(5, [2, 3])).toBe("[1,2]");
    expect(multiIndex(0, [])).toBe("[0]");
  });
});
