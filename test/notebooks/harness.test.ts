/**
 * The notebook harness itself: a clean notebook gives its outputs back; a failing one is reported
 * with the notebook, the cell and tslab's stderr text (tslab has no `error` messages). In Deno's
 * kernel it keeps outputs Deno publishes late, skips with a reason, fails in one line; and the
 * comparison of the Deno run's figures with tslab's.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DENO_JUPYTER_PATH,
  HARNESS,
  PYTHON,
  REPO_ROOT,
  type Notebook,
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

  it("gives a cell the longer time limit its metadata declares, and the others the run's limit", async () => {
    const wait = "await new Promise((resolve) => setTimeout(resolve, 4000));";
    const declared = notebookFromSources([wait, "console.log('after the long cell');"]);
    declared.cells[0]!.metadata = { "d2l-ts": { timeout: 60 } };
    const nb = await executeNotebook(writeArtifactNotebook("harness-cell-timeout", declared), { timeoutSeconds: 2 });
    expect(stdoutOf(codeCells(nb)[1]!)).toBe("after the long cell\n");

    const undeclared = writeArtifactNotebook("harness-cell-timeout-exceeded", notebookFromSources([wait]));
    await expect(executeNotebook(undeclared, { timeoutSeconds: 2 })).rejects.toThrow(/cell timed out/);
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

/** run_notebook.py on `notebook` in Deno's kernel (build/jupyter, set up by setup.d/40-deno.sh). */
function runOnDeno(name: string, notebook: Notebook, extraArgs: string[] = []): { status: number; stdout: string; stderr: string } {
  const file = writeArtifactNotebook(name, notebook);
  const result = spawnSync(PYTHON, [HARNESS, "--deno", "--json", ...extraArgs, file], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, JUPYTER_PATH: DENO_JUPYTER_PATH },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe("run_notebook.py --deno (Deno's Jupyter kernel)", () => {
  it("keeps every output of a cell, also those Deno publishes after the cell's idle status", () => {
    // Deno 2.9.6 queues console output and displays for a task that may publish them after the
    // cell's idle status; 60 lines and an unawaited figure at a cell's end lost some of them in
    // most runs before the harness collected late outputs.
    const lines = "for (let i = 0; i < 60; i++) console.log(`line ${i}`);";
    const figure = "function draw(): void { d2l.showHeatmaps([[[[0, 1], [1, 0]]]]); }\ndraw();";
    const run = runOnDeno("harness-deno-late", notebookFromSources(['import * as d2l from "d2l-ts";', lines, figure, lines]));
    expect(run.stderr).not.toMatch(/FAILED/);
    const nb = JSON.parse(run.stdout) as Notebook;
    expect(nb.metadata.kernelspec).toEqual({ name: "deno", display_name: "Deno", language: "typescript" });
    const expected = Array.from({ length: 60 }, (_, i) => `line ${i}\n`).join("");
    expect(stdoutOf(codeCells(nb)[1]!)).toBe(expected);
    expect(stdoutOf(codeCells(nb)[3]!)).toBe(expected);
    expect(codeCells(nb)[2]!.outputs?.map((o) => Object.keys(o.data ?? {}).sort())).toEqual([
      ["application/vnd.d2l-ts.heatmap+json", "image/svg+xml", "text/plain"],
    ]);
  });

  it("skips a notebook that says why it cannot run on Deno, with that reason in one line", () => {
    const notebook = notebookFromSources(["console.log('not run');"]);
    notebook.metadata["d2l-ts"] = { deno: "uses tslab's display API" };
    const run = runOnDeno("harness-deno-skip", notebook);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^skip \S*harness-deno-skip\.ipynb on Deno: uses tslab's display API$/m);
  });

  it("reports a notebook that fails on Deno in one line: notebook, cell and error", () => {
    const run = runOnDeno("harness-deno-throw", notebookFromSources(["const a = 1;", "throw new RangeError('validLens must be positive');"]));
    expect(run.status).toBe(1);
    const failed = run.stderr.split("\n").filter((l) => l.startsWith("FAILED"));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^FAILED \(Deno\) \S*harness-deno-throw\.ipynb: cell 1 .*RangeError.*validLens must be positive/);
  });
});

/** same_figures.figure_differences on two notebooks given as their code cells' outputs. */
function figureDifferences(ours: object[][], reference: object[][], referenceTags: string[][] = []): string[] {
  const nb = (cells: object[][], tags: string[][]) => ({
    cells: cells.map((outputs, i) => ({ cell_type: "code", source: "", metadata: { tags: tags[i] ?? [] }, outputs, execution_count: null })),
    metadata: {}, nbformat: 4, nbformat_minor: 5,
  });
  const script = [
    "import json, sys",
    "sys.path.insert(0, sys.argv[1])",
    "import nbformat",
    "from same_figures import figure_differences",
    "args = json.loads(sys.argv[2])",
    "print(json.dumps(figure_differences(nbformat.from_dict(args['a']), nbformat.from_dict(args['b']))))",
  ].join("\n");
  const payload = JSON.stringify({ a: nb(ours, []), b: nb(reference, referenceTags) });
  return JSON.parse(execFileSync(PYTHON, ["-c", script, path.dirname(HARNESS), payload], { encoding: "utf8" })) as string[];
}

describe("same_figures.py (the Deno run's figures against tslab's)", () => {
  const figure = (values: number[], svg = '<svg width="100"><path d="M1.25,2.5"/></svg>', data?: string) => ({
    output_type: "display_data",
    metadata: {},
    data: {
      "application/vnd.d2l-ts.plot+json": { version: 1, y: values, ...(data === undefined ? {} : { values: { encoding: "uint8-base64", data } }) },
      "image/svg+xml": svg,
      "text/plain": "Plot",
    },
  });

  it("accepts last-bit differences of JavaScript engines and one quantisation level", () => {
    const base64 = (bytes: number[]) => Buffer.from(bytes).toString("base64");
    expect(figureDifferences(
      [[figure([0.15295114312695304, 1], '<svg width="100"><path d="M1.26,2.5"/></svg>', base64([0, 128, 255]))]],
      [[figure([0.15295114312695302, 1], '<svg width="100"><path d="M1.25,2.5"/></svg>', base64([0, 127, 255]))]],
    )).toEqual([]);
  });

  it("finds a lost figure, a changed value, a changed SVG and a heatmap cell two levels off", () => {
    expect(figureDifferences([[]], [[figure([1])]])).toEqual(["code cell 0: 0 figures vs 1 in the reference"]);
    expect(figureDifferences([[figure([1.001])]], [[figure([1])]])[0]).toMatch(/code cell 0 figure 0 .*\.y\[0\]: 1\.001 vs 1/);
    expect(figureDifferences([[figure([1], '<svg width="100"><circle/></svg>')]], [[figure([1])]])[0]).toMatch(/differ in more than numbers/);
    const base64 = (bytes: number[]) => Buffer.from(bytes).toString("base64");
    expect(figureDifferences([[figure([1], undefined, base64([0, 129]))]], [[figure([1], undefined, base64([0, 127]))]])[0]).toMatch(/differs by 2 of 255 levels/);
  });

  it("exempts cells tagged timing", () => {
    expect(figureDifferences([[]], [[figure([1])]], [["timing"]])).toEqual([]);
  });
});

/**
 * A kernelspec `flaky-tslab` (in a fresh JUPYTER_PATH) that dies at its first `deaths` starts,
 * before answering, as a kernel does whose port another process took in the meantime
 * ("address already in use"), and then starts the real tslab kernel.
 */
function flakyKernelPath(deaths: number): { jupyterPath: string; starts: () => number; cleanUp: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), "d2l-flaky-kernel-"));
  const argv = JSON.parse(
    execFileSync(PYTHON, ["-c", "import json\nfrom jupyter_client.kernelspec import KernelSpecManager\nprint(json.dumps(KernelSpecManager().get_kernel_spec('tslab').argv))"], {
      encoding: "utf8",
    }),
  ) as string[];
  const count = path.join(root, "starts");
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const tslab = argv.map((a) => (a === "{connection_file}" ? '"$1"' : quote(a))).join(" ");
  const script = [
    `n=$(cat ${quote(count)} 2>/dev/null || echo 0)`,
    `echo $((n + 1)) > ${quote(count)}`,
    `if [ "$n" -lt ${deaths} ]; then echo "Error: listen EADDRINUSE: address already in use (simulated)" >&2; exit 1; fi`,
    `exec ${tslab}`,
  ].join("\n");
  const spec = path.join(root, "kernels", "flaky-tslab");
  mkdirSync(spec, { recursive: true });
  writeFileSync(path.join(spec, "kernel.json"), JSON.stringify({ argv: ["/bin/sh", "-c", script, "sh", "{connection_file}"], display_name: "flaky", language: "typescript" }));
  return {
    jupyterPath: root,
    starts: () => Number(readFileSync(count, "utf8")),
    cleanUp: () => rmSync(root, { recursive: true, force: true }),
  };
}

describe("kernel start in the harness", () => {
  const notebook = () => writeArtifactNotebook("harness-flaky-start", notebookFromSources(['console.log("started");']));
  const run = (jupyterPath: string) =>
    spawnSync(PYTHON, [HARNESS, "--kernel", "flaky-tslab", "--json", notebook()], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, JUPYTER_PATH: jupyterPath },
    });

  it("retries a kernel that dies before answering (the race for its ports), saying so on stderr", () => {
    const flaky = flakyKernelPath(2);
    try {
      const result = run(flaky.jupyterPath);
      expect(result.status, result.stderr).toBe(0);
      expect(stdoutOf(codeCells(JSON.parse(result.stdout) as Notebook)[0]!)).toBe("started\n");
      expect(flaky.starts()).toBe(3);
      expect(result.stderr.match(/kernel start failed .*; retrying on fresh ports \(\d\/2\)/g)).toHaveLength(2);
    } finally {
      flaky.cleanUp();
    }
  }, 120_000);

  it("fails the notebook when the kernel dies at every one of three starts", () => {
    const flaky = flakyKernelPath(3);
    try {
      const result = run(flaky.jupyterPath);
      expect(result.status).not.toBe(0);
      expect(flaky.starts()).toBe(3);
      expect(result.stderr).toMatch(/harness-flaky-start\.ipynb: kernel 'flaky-tslab' did not start: the kernel died before answering at each of 3 starts/);
      expect(result.stderr).not.toContain("Traceback");
    } finally {
      flaky.cleanUp();
    }
  }, 120_000);
});
