#!/usr/bin/env node
// Where a notebook's seconds go: each chapter notebook executed end to end (run_notebook.py, one
// fresh kernel each) under three kernels, and the book's 11.2 and 11.3 with ipykernel, the runs
// interleaved, then a per-phase table of medians (docs/benchmarks.md, "Notebook latency"):
//   tslab                 tslab 1.0.22 unchanged (d2l-tslab with D2L_KERNEL_PLAIN=1)
//   d2l-tslab, cold       the launcher without its start-up snapshot (D2L_KERNEL_SNAPSHOT=0)
//   d2l-tslab             the launcher as installed: from the snapshot
// The kernel's own phases come from the launcher's trace (D2L_KERNEL_TRACE, src/launcher/trace.ts),
// the kernel's start and shutdown as the client sees them from run_notebook.py --cell-times.
// A measurement, not a test: it never fails on speed.
//
//   node bench/notebook-phases.mjs [--repeats N] [--notebooks a,b] [--json FILE]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const PYTHON = "/usr/bin/python3";
const LAUNCHER = join(root, "kernel-lib", "bin", "d2l-tslab.js");

const KERNELS = [
  { id: "tslab", label: "tslab (unchanged)", env: { D2L_KERNEL_PLAIN: "1" } },
  { id: "cold", label: "d2l-tslab, no snapshot", env: { D2L_KERNEL_SNAPSHOT: "0" } },
  { id: "warm", label: "d2l-tslab (snapshot)", env: {} },
];

/** The rows of the table: name, its wall time (ms) from one run's measurements, its CPU time's key. */
const PHASES = [
  ["Node start, TypeScript loaded (or snapshot deserialised)", (m) => m.typescriptLoaded, "typescriptLoaded"],
  ["tslab's type-checker set-up (createConverter)", (m) => m.converter, "converter"],
  ["rest of the start (sockets, kernel_info, jupyter_client)", (m) => m.kernelStart - m.typescriptLoaded - m.converter],
  ["first cell (import d2l-ts): type-check", (m) => m.firstCompile, "firstCompile"],
  ["first cell: run (load tfjs and d2l-ts)", (m) => m.firstRun, "firstRun"],
  ["other cells: type-check (sum)", (m) => m.restCompile, "restCompile"],
  ["other cells: run (sum)", (m) => m.restRun, "restRun"],
  ["other cells: client and messages (sum)", (m) => m.restCells - m.restCompile - m.restRun],
  ["shutdown", (m) => m.shutdown],
  ["**notebook end to end**", (m) => m.total, "kernelTotal"],
];

function parseArgs(argv) {
  const options = { repeats: 3, notebooks: null, json: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--repeats") options.repeats = Number(argv[++i]);
    else if (argv[i] === "--notebooks") options.notebooks = argv[++i].split(",");
    else if (argv[i] === "--json") options.json = argv[++i];
    else throw new Error(`notebook-phases: unknown option ${argv[i]}`);
  }
  return options;
}

function kernelspecDir(dir) {
  const spec = join(dir, "kernels", "tslab");
  mkdirSync(spec, { recursive: true });
  const argv = [LAUNCHER, "kernel", "--config-path", "{connection_file}"];
  writeFileSync(join(spec, "kernel.json"), JSON.stringify({ argv, display_name: "TypeScript", language: "typescript" }));
  return dir;
}

/** Runs one notebook; returns its measurements in ms (trace phases only for our kernels). */
function runOnce(notebook, kernel, env, traceFile) {
  const args = [join(root, "test", "notebooks", "run_notebook.py"), "--cell-times", "--timeout", "600"];
  if (kernel) args.push("--kernel", kernel);
  rmSync(traceFile, { force: true });
  const run = spawnSync(PYTHON, [...args, notebook], { cwd: root, env: { ...env, D2L_KERNEL_TRACE: traceFile }, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`${notebook} failed:\n${run.stdout}\n${run.stderr}`);
  const out = run.stdout;
  const [, start, shutdown] = out.match(/kernel start\s+([\d.]+) s, shutdown\s+([\d.]+) s/);
  const cells = [...out.matchAll(/^\s+cell\s+\d+\s+([\d.]+) s/gm)].map((m) => Number(m[1]) * 1000);
  const total = Number(out.match(/^ok\s+\S+\s+([\d.]+) s/m)[1]) * 1000;
  const m = { kernelStart: Number(start) * 1000, shutdown: Number(shutdown) * 1000, total, firstCell: cells[0], restCells: cells.slice(1).reduce((a, b) => a + b, 0) };
  if (kernel) return m; // ipykernel: no trace
  return { ...m, ...tracePhases(readFileSync(traceFile, "utf8"), m) };
}

/** Phases from a launcher trace (JSON lines); CPU ms in `cpu`. */
function tracePhases(text, client) {
  const events = text.trim().split("\n").map((l) => JSON.parse(l));
  const start = events[0].t; // the first process (the launcher when it starts a snapshot child)
  const kernelPid = events.find((e) => e.event === "typescript loaded").pid;
  const mine = events.filter((e) => e.pid === kernelPid);
  const at = (name) => mine.find((e) => e.event === name);
  const compiles = [];
  const cells = [];
  let compileStart, cellStart;
  for (const e of mine) {
    if (e.event === "compile start") compileStart = e;
    else if (e.event === "compile end") compiles.push({ wall: e.t - compileStart.t, cpu: e.cpu - compileStart.cpu });
    else if (e.event === "cell start") cellStart = e;
    else if (e.event === "cell end") cells.push({ wall: e.t - cellStart.t, cpu: e.cpu - cellStart.cpu });
  }
  const sum = (xs, k) => xs.reduce((a, x) => a + x[k], 0);
  const parentCpu = events.filter((e) => e.pid !== kernelPid).reduce((a, e) => Math.max(a, e.cpu), 0);
  const exit = at("exit");
  return {
    typescriptLoaded: at("typescript loaded").t - start,
    converter: at("converter ready").t - at("converter start").t,
    firstCompile: compiles[0].wall,
    firstRun: cells[0].wall - compiles[0].wall,
    restCompile: sum(compiles.slice(1), "wall"),
    restRun: sum(cells.slice(1), "wall") - sum(compiles.slice(1), "wall"),
    cpu: {
      typescriptLoaded: at("typescript loaded").cpu + parentCpu,
      converter: at("converter ready").cpu - at("converter start").cpu,
      firstCompile: compiles[0].cpu,
      firstRun: cells[0].cpu - compiles[0].cpu,
      restCompile: sum(compiles.slice(1), "cpu"),
      restRun: sum(cells.slice(1), "cpu") - sum(compiles.slice(1), "cpu"),
      kernelTotal: (exit ?? mine[mine.length - 1]).cpu + parentCpu,
    },
    client,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const seconds = (ms) => (ms === undefined || Number.isNaN(ms) ? "" : `${(ms / 1000).toFixed(2)} s`);

function main() {
  const options = parseArgs(process.argv.slice(2));
  const ours = readdirSync(join(root, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort()
    .filter((f) => !options.notebooks || options.notebooks.some((n) => f.includes(n)));
  const dir = mkdtempSync(join(tmpdir(), "d2l-phases-"));
  const env = { ...process.env, JUPYTER_PATH: [kernelspecDir(join(dir, "jupyter")), process.env.JUPYTER_PATH].filter(Boolean).join(":") };
  const made = spawnSync(PYTHON, [join(root, "bench", "book_sections.py"), dir], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(made.stderr);
  const snapshotArgs = [LAUNCHER, "snapshot", "--cwd", join(root, "notebooks")];
  if (spawnSync(process.execPath, [...snapshotArgs, "--check"], { env }).status !== 0) {
    const built = spawnSync(process.execPath, snapshotArgs, { env, encoding: "utf8" });
    process.stderr.write(built.stdout + built.stderr);
  }
  const load = [loadavg()];
  const runs = {}; // key: notebook|kernel -> [measurements]
  const record = (key, m) => (runs[key] ??= []).push(m);
  for (let r = 0; r < options.repeats; r++) {
    for (const nb of ours) {
      for (const k of KERNELS) {
        const m = runOnce(join(root, "notebooks", nb), null, { ...env, ...k.env }, join(dir, "trace.jsonl"));
        record(`${nb}|${k.id}`, m);
        process.stderr.write(`  ${nb} ${k.id}: ${seconds(m.total)}\n`);
      }
    }
    for (const book of ["book-11.2.ipynb", "book-11.3.ipynb"]) {
      const m = runOnce(join(dir, book), "python3", env, join(dir, "trace.jsonl"));
      record(`${book}|ipykernel`, m);
      process.stderr.write(`  ${book} ipykernel: ${seconds(m.total)}\n`);
    }
    load.push(loadavg());
  }
  rmSync(dir, { recursive: true, force: true });
  const result = { date: new Date().toISOString(), repeats: options.repeats, load, runs };
  if (options.json) writeFileSync(options.json, JSON.stringify(result, null, 1));
  printTables(ours, runs, load);
}

function printTables(ours, runs, load) {
  const loads = load.map((l) => l[0].toFixed(1)).join(", ");
  console.log(`Medians of ${runs[Object.keys(runs)[0]].length} runs; load average (1 min) before and after each round: ${loads}\n`);
  for (const nb of ours) {
    const cols = KERNELS.map((k) => runs[`${nb}|${k.id}`]);
    console.log(`**${nb}** (wall time; CPU time of the kernel process in brackets)\n`);
    console.log(`| phase | ${KERNELS.map((k) => k.label).join(" | ")} |`);
    console.log(`| --- |${KERNELS.map(() => " ---: |").join("")}`);
    for (const [name, get, cpuKey] of PHASES) {
      const cellsText = cols.map((ms) => {
        const wall = seconds(median(ms.map(get)));
        const cpu = cpuKey ? ` (${seconds(median(ms.map((m) => m.cpu[cpuKey])))})` : "";
        return name.startsWith("**") ? `**${wall}**${cpu}` : wall + cpu;
      });
      console.log(`| ${name} | ${cellsText.join(" | ")} |`);
    }
    console.log("");
  }
  console.log("| book's notebook (ipykernel, PyTorch) | kernel start | first cell | other cells | shutdown | end to end |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const book of ["book-11.2.ipynb", "book-11.3.ipynb"]) {
    const ms = runs[`${book}|ipykernel`];
    const cell = (get) => seconds(median(ms.map(get)));
    console.log(`| ${basename(book, ".ipynb")} | ${cell((m) => m.kernelStart)} | ${cell((m) => m.firstCell)} | ${cell((m) => m.restCells)} | ${cell((m) => m.shutdown)} | **${cell((m) => m.total)}** |`);
  }
}

main();
