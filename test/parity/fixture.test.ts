/**
 * The fixture itself: its inputs are what the documented formula says (so the JSON can be
 * regenerated and checked by anyone), both runs are present with the same shapes, and it stays
 * small.
 */
import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectClose } from "./expect-close";
import { FIXTURE_PATH, RUNS, fixture, formulaValue } from "./fixture";

describe("test/fixtures/parity.json", () => {
  it("is under 2 MB and comes from the generator", () => {
    expect(statSync(FIXTURE_PATH).size).toBeLessThan(2 * 1024 * 1024);
    expect(fixture.generator).toBe("test/fixtures/generate.py");
    expect(Object.keys(fixture.cases).length).toBeGreaterThan(20);
  });

  it.each(Object.keys(fixture.cases))("%s: inputs follow the documented formula", (name) => {
    for (const [inputName, record] of Object.entries(fixture.cases[name]!.inputs)) {
      const size = record.shape.reduce((a, b) => a * b, 1);
      expect(record.values.length, `${name} ${inputName}`).toBe(size);
      const rebuilt = Array.from({ length: size }, (_, i) => formulaValue(record.formula, i));
      // Math.sin in V8 and glibc's sin may differ in the last bit; nothing more.
      expectClose(rebuilt, record.values, { abs: 1e-15, rel: 1e-15 }, `${name} ${inputName}`, record.shape);
    }
  });

  it.each(Object.keys(fixture.cases))("%s: both runs hold the same outputs with the same shapes", (name) => {
    const [a, b] = RUNS.map((run) => fixture.cases[name]![run]);
    expect(Object.keys(a!).sort()).toEqual(Object.keys(b!).sort());
    for (const [key, value] of Object.entries(a!)) {
      const other = b![key]!;
      if (typeof value === "number") continue;
      expect(typeof other, `${name} ${key}`).toBe("object");
      expect((other as { shape: number[] }).shape, `${name} ${key}`).toEqual(value.shape);
      expect(value.values.every(Number.isFinite), `${name} ${key}: finite`).toBe(true);
    }
  });
});
