/**
 * The notebook harness itself: a clean notebook gives its outputs back; a failing one is reported
 * with the notebook, the cell and tslab's stderr text (tslab has no `error` messages).
 */
import { describe, expect, it } from "vitest";
import {
  codeCells,
  executeNotebook,
  notebookFromSources,
  stdoutOf,
  writeArtifactNotebook,
} from "./execute-notebook";

describe("run_notebook.py with the tslab kernel", () => {
  it("returns each cell's outputs for a clean notebook", async () => {
    const file = writeArtifactNotebook(
      "harness-clean",
      notebookFromSources(["const n: number = 6 * 7;", "console.log(`answer ${n}`);"]),
    );
    const nb = await executeNotebook(file);
    expect(stdoutOf(codeCells(nb)[1]!)).toBe("answer 42\n");
  });

  it("names the notebook, the cell and the type error of a failing cell", async () => {
    const file = writeArtifactNotebook(
      "harness-type-error",
      notebookFromSources(["const ok = 1;", "const label: string = 3;", "console.log('never runs');"]),
    );
    const run = executeNotebook(file);
    await expect(run).rejects.toThrow(/harness-type-error\.ipynb: cell 1 \('const label: string = 3;'\)/);
    await expect(run).rejects.toThrow(/Type 'number' is not assignable to type 'string'/);
  });

  it("treats a write to stderr as a failure", async () => {
    const file = writeArtifactNotebook(
      "harness-stderr",
      notebookFromSources(["console.error('something went wrong');", "console.log('never runs');"]),
    );
    await expect(executeNotebook(file)).rejects.toThrow(
      /cell 0 .*wrote to stderr[^]*something went wrong/,
    );
  });

  it("reports an exception thrown at run time", async () => {
    const file = writeArtifactNotebook(
      "harness-throw",
      notebookFromSources(["throw new RangeError('validLens must be positive');"]),
    );
    await expect(executeNotebook(file)).rejects.toThrow(/cell 0[^]*validLens must be positive/);
  });
});
