/**
 * Two executions of a notebook give identical outputs: data, initialisation, dropout and
 * minibatch shuffling are seeded, and figures carry no timestamps or random ids. Checked on the
 * notebooks with the most randomness: 11.2 (random data, shuffled minibatches, a live progress
 * board), 11.3 (random inputs, dropout) and the exercises of 11.5 and 11.6 (models trained with
 * Adam on random sequences, whose claims depend on the trained weights). Cells tagged `timing`
 * (measured run times) are exempt.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { executeNotebook, type Notebook, sourceOf } from "./execute-notebook";
import { NOTEBOOKS_DIR } from "./chapter-notebooks";

interface CellOutputs {
  cell: number;
  firstLine: string;
  outputs: unknown[];
}

/** The outputs of every code cell that is not tagged `timing`. */
function comparableOutputs(notebook: Notebook): CellOutputs[] {
  const kept: CellOutputs[] = [];
  notebook.cells.forEach((cell, index) => {
    const tags = (cell.metadata.tags as string[] | undefined) ?? [];
    if (cell.cell_type !== "code" || tags.includes("timing")) return;
    kept.push({ cell: index, firstLine: sourceOf(cell).split("\n")[0]!, outputs: cell.outputs ?? [] });
  });
  return kept;
}

describe("notebook outputs are reproducible", () => {
  it.each([
    "attention-pooling.ipynb",
    "attention-scoring-functions.ipynb",
    "exercises/multi-head-attention-exercises.ipynb",
    "exercises/self-attention-and-positional-encoding-exercises.ipynb",
  ])(
    "%s gives identical outputs on two executions",
    async (name) => {
      const file = path.join(NOTEBOOKS_DIR, name);
      const [first, second] = await Promise.all([executeNotebook(file), executeNotebook(file)]);
      const a = comparableOutputs(first);
      const b = comparableOutputs(second);
      expect(a.some((c) => c.outputs.length > 0)).toBe(true);
      for (let i = 0; i < a.length; i++) {
        expect(b[i], `cell ${a[i]!.cell} (${a[i]!.firstLine})`).toEqual(a[i]);
      }
      expect(JSON.stringify(a)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    },
    240_000,
  );
});
