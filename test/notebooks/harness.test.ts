/**
 * The notebook harness itself: a clean notebook gives its outputs back; a failing one is reported
 * with the notebook, the cell and tslab's stderr text (tslab has no `error` messages).
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  HARNESS,
  PYTHON,
  codeCells,
  executeNotebook,
  notebookFromSources,
  stdoutOf,
  writeArtifactNotebook,
} from "./execute-notebook";

/**
 * run_notebook.cell_problem on a given execute_reply and outputs: the verdicts a live run cannot
 * be made to produce on demand (an aborted request; a figure missing a representation).
 */
function cellProblem(reply: object, outputs: object[], checkFigures: boolean): string | null {
  const script = [
    "import json, sys",
    "sys.path.insert(0, sys.argv[1])",
    "from run_notebook import cell_problem",
    "args = json.loads(sys.argv[2])",
    "print(json.dumps(cell_problem('nb.ipynb: cell 3', args['reply'], args['outputs'], args['check'])))",
  ].join("\n");
  const out = execFileSync(PYTHON, ["-c", script, path.dirname(HARNESS), JSON.stringify({ reply, outputs, check: checkFigures })], {
    encoding: "utf8",
  });
  return JSON.parse(out) as string | null;
}

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

  it("fails an aborted request and names the cell (tslab aborts requests after an error)", () => {
    expect(cellProblem({ status: "abort" }, [], false)).toMatch(/^nb\.ipynb: cell 3 was aborted by the kernel/);
    expect(cellProblem({ status: "ok" }, [{ output_type: "stream", name: "stdout", text: "fine\n" }], false)).toBeNull();
  });

  it("with figure checks, fails a figure that lacks its custom payload or its text", () => {
    const svgOnly = { output_type: "display_data", data: { "image/svg+xml": "<svg/>" }, metadata: {} };
    expect(cellProblem({ status: "ok" }, [svgOnly], true)).toMatch(/lacks custom application\/vnd\.\*\+json payload, text\/plain/);
    expect(cellProblem({ status: "ok" }, [svgOnly], false)).toBeNull();
    const complete = {
      output_type: "display_data",
      data: { "application/vnd.d2l-ts.heatmap+json": {}, "image/svg+xml": "<svg/>", "text/plain": "Heatmap" },
      metadata: {},
    };
    expect(cellProblem({ status: "ok" }, [complete], true)).toBeNull();
  });
});
