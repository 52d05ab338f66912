/**
 * Smoke test of the whole path a student takes: a tslab notebook imports the built `d2l-ts`
 * package by its bare name and runs the masked softmax of section 11.3. The expected values are
 * computed here from the definition, independently of the library.
 */
import { beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { codeCells, executeNotebook, type Notebook, stdoutOf } from "./execute-notebook";

type Matrix3 = number[][][];
interface Printed {
  X: Matrix3;
  validLens: number[] | number[][];
  Y: Matrix3;
}

/** softmax over the last axis after replacing scores at positions >= validLen by -1e6. */
function referenceMaskedSoftmax(X: Matrix3, validLens: number[] | number[][]): Matrix3 {
  return X.map((rows, b) =>
    rows.map((row, q) => {
      const lens = validLens[b]!;
      const len = Array.isArray(lens) ? lens[q]! : lens;
      const masked = row.map((x, k) => (k < len ? x : -1e6));
      const top = Math.max(...masked);
      const exps = masked.map((x) => Math.exp(x - top));
      const sum = exps.reduce((a, e) => a + e, 0);
      return exps.map((e) => e / sum);
    }),
  );
}

function expectClose(actual: Matrix3, expected: Matrix3): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((rows, b) =>
    rows.forEach((row, q) =>
      row.forEach((v, k) => expect(v, `Y[${b}][${q}][${k}]`).toBeCloseTo(expected[b]![q]![k]!, 6)),
    ),
  );
}

describe("a tslab notebook using d2l-ts (smoke test)", () => {
  let notebook: Notebook;

  beforeAll(async () => {
    notebook = await executeNotebook(path.join(__dirname, "fixtures", "masked-softmax.ipynb"));
  });

  it("masks keys past each example's valid length (1-D valid lengths)", () => {
    const printed = JSON.parse(stdoutOf(codeCells(notebook)[2]!)) as Printed;
    expect(printed.validLens).toEqual([2, 3]);
    expectClose(printed.Y, referenceMaskedSoftmax(printed.X, printed.validLens));
    // The masked positions are exactly zero and each row sums to one.
    expect(printed.Y[0]![0]!.slice(2)).toEqual([0, 0]);
    expect(printed.Y[1]![1]![3]).toBe(0);
  });

  it("masks keys past each query's valid length (2-D valid lengths)", () => {
    const printed = JSON.parse(stdoutOf(codeCells(notebook)[3]!)) as Printed;
    expectClose(printed.Y, referenceMaskedSoftmax(printed.X, printed.validLens));
    expect(printed.Y[0]![0]).toEqual([1, 0, 0, 0]);
  });
});
