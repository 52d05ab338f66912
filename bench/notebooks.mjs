// End-to-end notebook timings for bench/run.mjs: each of our chapter notebooks executed with the
// tslab kernel, and the book's PyTorch sections 11.1, 11.2, 11.3, 11.4 and 11.7 (bench/book_sections.py) executed
// with ipykernel, all through the project's notebook harness (test/notebooks/run_notebook.py), one
// fresh kernel per notebook. Times are wall clock, kernel start-up included. A pair (ours and the
// book's) that runs in seconds, mostly kernel start-up, moves by tens of per cent from one run to
// the next on a shared machine: such pairs are run SHORT_PAIR_RUNS times, ours and the book's
// alternately, and each side's median is reported.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

const PYTHON = "/usr/bin/python3";

/** Runs of each side of a pair whose first book run took under SHORT_PAIR_SECONDS. */
const SHORT_PAIR_RUNS = 5;
const SHORT_PAIR_SECONDS = 30;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Our notebook that covers the same section as each of the book's generated notebooks. */
const COUNTERPARTS = [
  { book: "book-11.1.ipynb", section: "11.1", ours: /^queries-keys-values\.ipynb$/ },
  { book: "book-11.2.ipynb", section: "11.2", ours: /attention-pooling/ },
  { book: "book-11.3.ipynb", section: "11.3", ours: /attention-scoring/ },
  { book: "book-11.4.ipynb", section: "11.4", ours: /bahdanau-attention/ },
  { book: "book-11.7.ipynb", section: "11.7", ours: /^transformer\.ipynb$/ },
];

/**
 * A Jupyter data directory whose "tslab" kernel is this checkout's, put first on JUPYTER_PATH:
 * the timing then does not depend on which checkout last registered the kernel. It is what
 * `npm start` and the documented install register: tslab through d2l-ts's launcher (d2l-tslab,
 * with its start-up snapshot; bench/notebook-phases.mjs compares it with tslab unchanged).
 */
function ownTslabKernel(root, dir) {
  const spec = join(dir, "kernels", "tslab");
  mkdirSync(spec, { recursive: true });
  const argv = [join(root, "kernel-lib", "bin", "d2l-tslab.js"), "kernel", "--config-path", "{connection_file}"];
  writeFileSync(join(spec, "kernel.json"), JSON.stringify({ argv, display_name: "TypeScript", language: "typescript" }));
  return { ...process.env, JUPYTER_PATH: [dir, process.env.JUPYTER_PATH].filter(Boolean).join(":") };
}

function execute(root, notebook, kernel, env) {
  const args = [join(root, "test", "notebooks", "run_notebook.py"), "--timeout", "1200"];
  if (kernel) args.push("--kernel", kernel);
  const start = performance.now();
  const result = spawnSync(PYTHON, [...args, notebook], { cwd: root, env, encoding: "utf8", maxBuffer: 1 << 26 });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) {
    const why = `${result.stdout}\n${result.stderr}`.trim().split("\n").filter((l) => /FAILED|Error|error/.test(l)).slice(0, 2).join(" | ");
    return { seconds, error: why || `exit status ${result.status}` };
  }
  return { seconds };
}

export function timeNotebooks(root, say) {
  const results = [];
  const ours = readdirSync(join(root, "notebooks"))
    .filter((f) => f.endsWith(".ipynb"))
    .sort();
  const dir = mkdtempSync(join(tmpdir(), "d2l-bench-notebooks-"));
  try {
    timeAll(root, dir, ours, results, say);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

function timeAll(root, dir, ours, results, say) {
  const env = ownTslabKernel(root, join(dir, "jupyter"));
  for (const file of ours) {
    const counterpart = COUNTERPARTS.find((c) => c.ours.test(file));
    const r = execute(root, join(root, "notebooks", file), null, env);
    results.push({
      name: `notebooks/${file}`,
      kernel: "tslab (d2l-ts)",
      ...r,
      compare: counterpart ? `book ${counterpart.section} (PyTorch)` : "",
    });
    say(`  ${file}: ${r.error ? `failed (${r.error})` : `${r.seconds.toFixed(1)} s`}`);
  }
  const made = spawnSync(PYTHON, [join(root, "bench", "book_sections.py"), dir], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`bench/book_sections.py failed: ${made.stderr}`);
  for (const c of COUNTERPARTS) {
    let r = execute(root, join(dir, c.book), "python3", env);
    const ourFile = ours.find((f) => c.ours.test(f));
    const ourResult = results.find((o) => ourFile && o.name === `notebooks/${ourFile}`);
    if (!r.error && r.seconds < SHORT_PAIR_SECONDS && ourResult && !ourResult.error) {
      // More runs of both, alternately; each side's median.
      const book = [r.seconds];
      const mine = [ourResult.seconds];
      for (let i = 1; i < SHORT_PAIR_RUNS; i++) {
        const o = execute(root, join(root, "notebooks", ourFile), null, env);
        const b = execute(root, join(dir, c.book), "python3", env);
        if (o.error || b.error) {
          r = b.error ? b : r;
          if (o.error) Object.assign(ourResult, o);
          break;
        }
        mine.push(o.seconds);
        book.push(b.seconds);
      }
      if (!r.error && !ourResult.error) {
        r = { seconds: median(book), runs: book.length };
        ourResult.seconds = median(mine);
        ourResult.runs = mine.length;
        say(`  ${ourFile}: median ${ourResult.seconds.toFixed(1)} s of ${mine.length} runs`);
      }
    }
    results.push({
      name: `book ${c.section} (PyTorch, bench/book_sections.py)`,
      kernel: "ipykernel (torch)",
      ...r,
      compare: ourFile ? `notebooks/${ourFile}` : "",
    });
    say(`  ${basename(c.book)}: ${r.error ? `failed (${r.error})` : `${r.seconds.toFixed(1)} s${r.runs ? ` (median of ${r.runs} runs)` : ""}`}`);
  }
}
