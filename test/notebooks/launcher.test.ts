/**
 * The tslab kernel through d2l-ts's launcher (kernel-lib/src/launcher, `d2l-tslab`), live: from its
 * start-up snapshot and without it, a notebook runs and a cell's type error is still reported
 * with tslab's message; completion and inspection answer as JupyterLab asks for them; only
 * node's global @types are loaded (tslab's default, `D2L_KERNEL_TYPES=*`, loads the JupyterLab
 * build's @types/react too). Each test gets its own kernelspec folder and snapshot cache.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PYTHON, REPO_ROOT, codeCells, executeNotebook, notebookFromSources, stdoutOf, writeArtifactNotebook } from "./execute-notebook";

const LAUNCHER = path.join(REPO_ROOT, "kernel-lib", "bin", "d2l-tslab.js");
const scratch = mkdtempSync(path.join(tmpdir(), "d2l-launcher-live-"));
const cache = path.join(scratch, "cache");
const jupyterPath = path.join(scratch, "jupyter");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface TraceEvent {
  pid: number;
  event: string;
  hits?: number;
}

function kernelEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { JUPYTER_PATH: jupyterPath, D2L_KERNEL_CACHE: cache, ...extra };
}

function traceOf(file: string): TraceEvent[] {
  return readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as TraceEvent);
}

const CELLS = [
  'import * as d2l from "d2l-ts";',
  "const weights = d2l.maskedSoftmax(d2l.tf.ones([1, 2, 4]), [3]);\nconsole.log(weights.shape.join(' x '));",
];
const TYPE_ERROR = "const label: string = weights;";

beforeAll(() => {
  const spec = path.join(jupyterPath, "kernels", "tslab");
  mkdirSync(spec, { recursive: true });
  const argv = [LAUNCHER, "kernel", "--config-path", "{connection_file}"];
  writeFileSync(path.join(spec, "kernel.json"), JSON.stringify({ argv, display_name: "TypeScript", language: "typescript" }));
  const notebooks = path.join(REPO_ROOT, "test", "artifacts", "notebooks"); // where writeArtifactNotebook puts them
  mkdirSync(notebooks, { recursive: true });
  execFileSync(process.execPath, [LAUNCHER, "snapshot", "--cwd", notebooks], {
    env: { ...process.env, ...kernelEnv() },
  });
}, 180_000);

describe.each([
  ["from the start-up snapshot", {}],
  ["without the snapshot", { D2L_KERNEL_SNAPSHOT: "0" }],
])("d2l-tslab %s", (mode, env) => {
  const tag = mode.includes("without") ? "cold" : "warm";

  it("runs a d2l-ts notebook", async () => {
    const trace = path.join(scratch, `${tag}-clean.jsonl`);
    const nb = await executeNotebook(writeArtifactNotebook(`launcher-${tag}`, notebookFromSources(CELLS)), {
      env: kernelEnv({ ...env, D2L_KERNEL_TRACE: trace }),
    });
    expect(stdoutOf(codeCells(nb)[1]!)).toBe("1 x 2 x 4\n");
    const events = traceOf(trace);
    const deserialised = events.some((e) => e.event === "snapshot deserialised");
    expect(deserialised).toBe(tag === "warm");
    // d2l-ts was loaded while the kernel waited for its first cell.
    const preloaded = events.findIndex((e) => e.event === "d2l-ts preloaded");
    expect(preloaded).toBeGreaterThan(events.findIndex((e) => e.event === "sockets bound"));
    // From the snapshot, the declarations d2l-ts needs were parsed ahead (hits of its cache).
    const compiled = events.filter((e) => e.event === "compile end");
    expect(compiled.length).toBe(2);
    if (tag === "warm") expect(compiled[0]!.hits).toBeGreaterThan(400);
  });

  it("reports a cell's type error with tslab's message", async () => {
    const file = writeArtifactNotebook(`launcher-${tag}-type-error`, notebookFromSources([...CELLS, TYPE_ERROR]));
    await expect(executeNotebook(file, { env: kernelEnv(env) })).rejects.toThrow(
      /cell 2 \('const label: string = weights;'\)[\s\S]*1:7 - Type 'Tensor3D' is not assignable to type 'string'\./,
    );
  });
});

describe("d2l-tslab's global @types", () => {
  it("are node's only; D2L_KERNEL_TYPES=* loads every @types package in sight, as tslab does", async () => {
    const cells = ["let element: JSX.Element | undefined;\nconsole.log(typeof element);"];
    const file = writeArtifactNotebook("launcher-types", notebookFromSources(cells));
    await expect(executeNotebook(file, { env: kernelEnv() })).rejects.toThrow(/Cannot find namespace 'JSX'/);
    const nb = await executeNotebook(file, { env: kernelEnv({ D2L_KERNEL_TYPES: "*" }) });
    expect(stdoutOf(codeCells(nb)[0]!)).toBe("undefined\n");
  });
});

describe("completion and inspection through d2l-tslab (from the snapshot)", () => {
  it("complete d2l.maskedSo… and show maskedSoftmax's documentation", () => {
    const out = execFileSync(
      PYTHON,
      [path.join(__dirname, "kernel_requests.py"), "tslab", path.join(REPO_ROOT, "notebooks"), CELLS[0]!, "d2l.maskedSo", "d2l.maskedSoftmax"],
      { env: { ...process.env, ...kernelEnv() }, encoding: "utf8" },
    );
    const { complete, inspect } = JSON.parse(out) as {
      complete: { status: string; matches: string[] };
      inspect: { status: string; found: boolean; data: { "text/plain": string } };
    };
    expect(complete.status).toBe("ok");
    expect(complete.matches).toContain("maskedSoftmax");
    expect(inspect.found).toBe(true);
    expect(inspect.data["text/plain"]).toMatch(/maskedSoftmax\(/);
    expect(inspect.data["text/plain"]).toMatch(/11\.3/); // the doc comment names the book section
  });
});

describe.each([
  ["from the start-up snapshot", {}, 2],
  ["without the snapshot", { D2L_KERNEL_SNAPSHOT: "0" }, 1],
])("the kernel's life through d2l-tslab %s", (_mode, env, processes) => {
  it("is interrupted by Jupyter's SIGINT, works on, and ends with every process when killed", () => {
    const out = execFileSync(PYTHON, [path.join(__dirname, "kernel_lifecycle.py"), "tslab", path.join(REPO_ROOT, "notebooks")], {
      env: { ...process.env, ...kernelEnv(env) },
      encoding: "utf8",
    });
    const result = JSON.parse(out) as { interrupt_status: string; after_interrupt: string; processes: number; left_after_kill: number };
    expect(result.interrupt_status).toBe("error"); // tslab's reply to an interrupted cell
    expect(result.after_interrupt).toBe("alive\n");
    // From the snapshot the kernel is the launcher's child (tfjs's workers are threads, not processes).
    expect(result.processes).toBe(processes);
    expect(result.left_after_kill).toBe(0);
  });
});

