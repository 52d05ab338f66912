/**
 * Issue 12: claims about time in the notebooks must not fail because the machine is busy. The
 * 11.3 cost exercise rests its claims on counted multiply-adds and bytes; the one claim about
 * measured time ("quadrupling the length more than quadruples the time") keeps a wide margin.
 * This test shows that margin holds while a second process keeps both cores busy (on top of
 * whatever else runs: vitest's other suites, other jobs on the machine): the exercise notebook,
 * as a plain Node script, passes every one of its checks three times in a row under that load.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./execute-notebook";
import { readNotebook } from "./chapter-notebooks";
import { notebookToScript } from "./notebook-to-script";
import { runCommand } from "./run-command";

const NOTEBOOK = "exercises/attention-scoring-functions-exercises.ipynb";
const SCRIPT = path.join(REPO_ROOT, "test", "artifacts", "timing-under-load", "attention-scoring-functions-exercises.ts");
const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");

/** One process spinning one thread per core until it is killed. */
function startLoad(): ChildProcess {
  const spin = "for (;;) {}";
  const code = `const { Worker } = require("node:worker_threads");
for (let k = 1; k < ${availableParallelism()}; k++) new Worker(${JSON.stringify(spin)}, { eval: true });
${spin}`;
  return spawn(process.execPath, ["-e", code], { stdio: "ignore" });
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

let load: ChildProcess;

beforeAll(() => {
  mkdirSync(path.dirname(SCRIPT), { recursive: true });
  writeFileSync(SCRIPT, notebookToScript(readNotebook(NOTEBOOK), `notebooks/${NOTEBOOK}`).text);
  load = startLoad();
});

afterAll(() => {
  load?.kill("SIGKILL");
});

describe("the 11.3 cost exercise under load", () => {
  it("passes every check three times in a row while another process loads both cores", async () => {
    const started = Date.now();
    const cpuBefore = cpuSeconds(load.pid!);
    const ratios: number[] = [];
    for (let round = 0; round < 3; round++) {
      const result = await runCommand(TSX, [SCRIPT], 240_000);
      expect(result.stderr, `round ${round}: stderr`).toBe("");
      expect(result.code, `round ${round}: exit code`).toBe(0);
      const ratio = /time [\d.]+ ms -> [\d.]+ ms \(×([\d.]+)\)/.exec(result.stdout);
      expect(ratio, `round ${round}: the time line`).not.toBeNull();
      ratios.push(Number(ratio![1]));
    }
    // The load ran throughout, competing for the cores (its share depends on what else runs, so
    // it is recorded, not bounded: a bound would make this test fail from load in turn).
    const busy = (cpuSeconds(load.pid!) - cpuBefore) / ((Date.now() - started) / 1000);
    expect(load.exitCode).toBeNull();
    expect(busy).toBeGreaterThan(0);
    writeFileSync(path.join(path.dirname(SCRIPT), "ratios.json"), JSON.stringify({ timeRatios: ratios, loadCores: busy }, null, 2));
    expect(Math.min(...ratios)).toBeGreaterThan(4);
  }, 900_000);
});
