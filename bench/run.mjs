#!/usr/bin/env node
// `npm run bench`: d2l-ts against the book's PyTorch code, side by side, in one invocation.
//
// For every row of bench/rows.json it runs, each in a fresh process (so peak memory is the row's):
//   torch      the book's PyTorch code (reference/book_torch.py) with Debian's python3-torch at
//              its default thread count
//   torch_all  the same with torch.set_num_threads(<cores>)
//   reference  d2l-ts on tfjs's own CPU kernels       (d2l.useFastKernels(false))
//   fast       d2l-ts on its fast kernels (the default: WebAssembly SIMD + worker threads, matmuls
//              in native code where the CPU allows)
// then the single ops of bench/ops.json (one process per column), then the end-to-end execution
// of notebooks (ours with tslab, the book's 11.2 and 11.3 with ipykernel). It prints medians after
// a warm-up run, peak RSS and the ratios d2l-ts / torch at its best (the faster of the two torch
// columns, per row), and writes everything as JSON. A benchmark, not a test: it never fails on
// speed.
//
//   npm run bench -- [--rows id,id] [--ops id,id] [--repeats N] [--max-seconds S] [--no-ops]
//                    [--no-notebooks] [--notebooks-only] [--no-build] [--out FILE] [--update-docs]
// --rows / --ops select rows / ops (--rows alone skips the ops, --ops alone skips the rows);
// --notebooks-only re-times the notebooks and keeps the rows of the existing --out file.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { formatTable, formatMachine, replaceBetweenMarkers } from "./table.mjs";
import { timeNotebooks } from "./notebooks.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const PYTHON = "/usr/bin/python3"; // Debian's Python has torch; a pyenv python3 on PATH may not

function parseArgs(argv) {
  const options = { repeats: 5, maxSeconds: 60, notebooks: true, notebooksOnly: false, build: true, updateDocs: false, rows: null,
    ops: null, runOps: true, out: join(here, "results", "latest.json") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--rows") options.rows = argv[++i].split(",");
    else if (a === "--ops") options.ops = argv[++i].split(",");
    else if (a === "--no-ops") options.runOps = false;
    else if (a === "--repeats") options.repeats = Number(argv[++i]);
    else if (a === "--max-seconds") options.maxSeconds = Number(argv[++i]);
    else if (a === "--no-notebooks") options.notebooks = false;
    else if (a === "--notebooks-only") options.notebooksOnly = true;
    else if (a === "--no-build") options.build = false;
    else if (a === "--update-docs") options.updateDocs = true;
    else if (a === "--out") options.out = argv[++i];
    else {
      console.error(`bench: unknown option ${a}`);
      process.exit(2);
    }
  }
  return options;
}

function say(text) {
  process.stderr.write(`\x1b[1m==> ${text}\x1b[0m\n`);
}

/** Builds d2l-ts (its dist/ and generated/, including the WebAssembly kernels) as users get it. */
function build() {
  say("Building d2l-ts (kernel-lib) and its WebAssembly kernels");
  // kernel-lib's build includes scripts/build-wasm.mjs. Build logs go to stderr: stdout carries
  // only the table.
  execFileSync("npm", ["run", "build", "--silent", "-w", "d2l-ts"], { cwd: root, stdio: ["ignore", 2, 2] });
}

/** Runs one measuring child process and parses its JSON line; failures become recorded errors. */
function spawnJson(command, args, label) {
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 });
  const line = (result.stdout ?? "").trim().split("\n").filter(Boolean).pop();
  if (result.status !== 0 || !line) {
    const stderr = result.stderr ?? "";
    // A workload that needs code not merged yet says "pending: <what>".
    const pending = /pending: ([^\n]*)/.exec(stderr);
    if (pending) {
      process.stderr.write(`    ${label}: pending (${pending[1]})\n`);
      return { pending: pending[1] };
    }
    const why = (stderr || result.error?.message || `exit status ${result.status}`).trim().split("\n").slice(-3).join(" | ");
    process.stderr.write(`    ${label}: FAILED (${why})\n`);
    return { error: why };
  }
  return JSON.parse(line);
}

/** One row in one column: the child's times, their median and peak RSS. */
function measure(command, args, label) {
  const parsed = spawnJson(command, args, label);
  if (parsed.error || parsed.pending) return parsed;
  const sorted = [...parsed.times_ms].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  parsed.median_ms = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  process.stderr.write(
    `    ${label.padEnd(10)} median ${parsed.median_ms.toFixed(1).padStart(9)} ms over ${parsed.times_ms.length}` +
      `${parsed.warm_up ? " (after warm-up)" : " (single run, no warm-up)"}, peak RSS ${parsed.peak_rss_mb.toFixed(0)} MB\n`,
  );
  return parsed;
}

/** The single ops of bench/ops.json in one process per column; null when skipped. */
function measureOps(options, torchAvailable, cores) {
  const spec = JSON.parse(readFileSync(join(here, "ops.json"), "utf8")).ops;
  const selected = options.ops ? spec.filter((o) => options.ops.includes(o.id)) : spec;
  if (selected.length === 0) return null;
  say(`Single ops at sequence-model shapes (${selected.length})`);
  const ids = selected.map((o) => o.id).join(",");
  // Per op: up to max-seconds / 3 (the reference kernels take seconds on a few).
  const budget = String(Math.max(1, options.maxSeconds / 3));
  const run = (command, args, label) => {
    const result = spawnJson(command, args, label);
    if (!result.error) process.stderr.write(`    ${label}: done\n`);
    return result;
  };
  const torchOps = (threads, label) =>
    torchAvailable ? run(PYTHON, [join(here, "torch_ops.py"), threads, budget, ids], label) : { error: "torch unavailable" };
  const d2lOps = (mode) => run("node", ["--import", "tsx", join(here, "d2l_ops.ts"), mode, budget, ids], mode);
  const columns = {
    torch: torchOps("default", "torch"),
    torch_all: torchOps(String(cores), `torch x${cores}`),
    reference: d2lOps("reference"),
    fast: d2lOps("fast"),
  };
  return selected.map((o) => {
    const entry = { id: o.id, label: o.label };
    for (const [column, result] of Object.entries(columns)) {
      entry[column] = result.error ? { error: result.error } : (result.ops[o.id] ?? { error: "not measured" });
    }
    return entry;
  });
}

/** What d2l-ts's fast matmul runs on here ("AVX-512", "AVX2-FMA" or "WebAssembly SIMD128"). */
function fastMatMulIsa() {
  try {
    const script = "process.stdout.write(require(process.argv[1]).fastMatMulIsa())";
    return execFileSync(process.execPath, ["-e", script, join(root, "kernel-lib")], { encoding: "utf8" });
  } catch {
    return "unknown";
  }
}

function machine(torchInfo) {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const debian = existsSync("/etc/debian_version") ? readFileSync("/etc/debian_version", "utf8").trim() : null;
  const tfjs = JSON.parse(readFileSync(join(root, "node_modules/@tensorflow/tfjs-core/package.json"), "utf8")).version;
  return {
    cpu,
    matmul: fastMatMulIsa(),
    cores: availableParallelism(),
    memory_gb: Math.round(totalmem() / 2 ** 30),
    os: debian ? `Debian ${debian}` : process.platform,
    node: process.version,
    tfjs,
    torch: torchInfo?.torch ?? null,
    torch_threads: torchInfo?.threads ?? null,
    blas: torchInfo?.blas ?? null,
    load_average_at_start: loadavg().map((x) => Number(x.toFixed(2))),
  };
}

/** Re-times the notebooks into an existing report (e.g. after a kernel set-up problem). */
function notebooksOnly(options) {
  const report = JSON.parse(readFileSync(options.out, "utf8"));
  say("Notebooks end to end (ours with tslab, the book's with ipykernel)");
  report.notebooks = timeNotebooks(root, say);
  finish(report, options);
}

function finish(report, options) {
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, JSON.stringify(report, null, 2) + "\n");
  const table = formatTable(report);
  process.stdout.write("\n" + table + "\n");
  say(`Written ${relative(root, options.out)}`);
  if (options.updateDocs) {
    for (const file of [join(root, "docs", "benchmarks.md"), join(root, "README.md")]) {
      if (!existsSync(file)) continue;
      const text = readFileSync(file, "utf8");
      const updated = replaceBetweenMarkers(text, table);
      if (updated !== text) {
        writeFileSync(file, updated);
        say(`Updated the table in ${relative(root, file)}`);
      }
    }
  }
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.build) build();
  if (options.notebooksOnly) return notebooksOnly(options);
  const spec = JSON.parse(readFileSync(join(here, "rows.json"), "utf8"));
  const onlyOps = options.ops && !options.rows;
  const rows = onlyOps ? [] : options.rows ? spec.rows.filter((r) => options.rows.includes(r.id)) : spec.rows;
  const cores = availableParallelism();

  say("Machine and BLAS");
  const info = spawnSync(PYTHON, [join(here, "torch_rows.py"), "--info"], { encoding: "utf8" });
  const torchInfo = info.status === 0 ? JSON.parse(info.stdout) : null;
  if (!torchInfo) process.stderr.write(`    torch unavailable: ${info.stderr}\n`);
  const machineInfo = machine(torchInfo);
  process.stderr.write(formatMachine(machineInfo) + "\n");

  const results = [];
  const common = [String(options.repeats), String(options.maxSeconds)];
  for (const row of rows) {
    say(row.label);
    if (row.pending) {
      process.stderr.write(`    pending: ${row.pending}\n`);
      const pending = { pending: row.pending };
      results.push({ id: row.id, label: row.label, torch: pending, torch_all: pending, reference: pending, fast: pending });
      continue;
    }
    const torchAt = (threads, label) =>
      torchInfo ? measure(PYTHON, [join(here, "torch_rows.py"), row.id, ...common, threads], label) : { error: "torch unavailable" };
    const torch = torchAt("default", "torch");
    const torchAll = torchAt(String(cores), `torch x${cores}`);
    const d2lArgs = (mode) => ["--import", "tsx", join(here, "d2l_rows.ts"), row.id, mode, ...common];
    const reference = measure("node", d2lArgs("reference"), "reference");
    const fast = measure("node", d2lArgs("fast"), "fast");
    results.push({ id: row.id, label: row.label, torch, torch_all: torchAll, reference, fast });
  }

  const ops = options.runOps && !(options.rows && !options.ops) ? measureOps(options, torchInfo !== null, cores) : null;

  let notebooks = null;
  if (options.notebooks && !onlyOps) {
    say("Notebooks end to end (ours with tslab, the book's with ipykernel)");
    notebooks = timeNotebooks(root, say);
  }

  const report = {
    generated: new Date().toISOString(),
    settings: { repeats: options.repeats, max_seconds: options.maxSeconds },
    machine: machineInfo,
    rows: results,
    ops,
    notebooks,
  };
  finish(report, options);
}

main();
