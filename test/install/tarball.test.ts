/**
 * d2l-ts installed from its tarballs, outside this repository, as a teacher adds it to a course
 * folder: the README's commands (`npm pack` of contract/ and kernel-lib/, `npm install` of the two
 * tarballs and tslab, the tslab kernel registered in the Python environment), run verbatim in a
 * fresh folder under the system's temporary directory with a fresh virtual environment active.
 * Then a notebook in that folder runs in that tslab: import d2l-ts, a masked softmax, a heatmap;
 * and the same notebook in Deno's Jupyter kernel, with the same figure. No workspace link, no
 * compiler: the built WebAssembly kernels travel inside the tarball.
 */
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEATMAP_MIME_TYPE, SVG_MIME_TYPE, TEXT_MIME_TYPE, figurePayloadProblems } from "d2l-ts-figure-contract";
import { DENO_JUPYTER_PATH, HARNESS, type Notebook, codeCells, displaysOf, notebookFromSources, stdoutOf } from "../notebooks/execute-notebook";
import { expectedMatMulIsa } from "../cpu-isa";
import { REPO_ROOT, activatedEnv, createVenv, documentedCommands, runDocumented } from "./documented-commands";

let course: string;
let venv: string;
let env: NodeJS.ProcessEnv;
let executed: Notebook;
let onDeno: Notebook;

const NOTEBOOK = notebookFromSources([
  'import * as d2l from "d2l-ts";\n' +
    "console.log(JSON.stringify({ kernel: d2l.detectKernel(), fast: d2l.fastKernelsUnavailableReason(), matmul: d2l.fastMatMulIsa(), argv1: globalThis.process?.argv[1] }));",
  "// Section 11.3: masked softmax, valid lengths 2 and 3.\n" +
    "const weights = d2l.maskedSoftmax(d2l.tf.tensor3d([[[1, 2, 3, 4]], [[1, 2, 3, 4]]]), [2, 3]);\n" +
    "console.log(JSON.stringify(weights.arraySync()));",
  'd2l.showHeatmaps(weights.reshape([1, 2, 1, 4]), { xlabel: "Keys", ylabel: "Queries", titles: ["2 valid", "3 valid"] });',
]);

beforeAll(() => {
  course = mkdtempSync(path.join(tmpdir(), "d2l-ts-course-"));
  venv = mkdtempSync(path.join(tmpdir(), "d2l-ts-pyenv-"));
  createVenv(venv, false);
  // The launcher's start-up snapshot (`npx d2l-tslab snapshot`) goes into the course folder, removed afterwards.
  env = activatedEnv(venv, { D2L_TS: REPO_ROOT, D2L_KERNEL_CACHE: path.join(course, ".d2l-kernel-cache") });
  runDocumented(documentedCommands("install-d2l-ts"), course, env);
  const notebook = path.join(course, "attention.ipynb");
  writeFileSync(notebook, JSON.stringify(NOTEBOOK));
  // The venv's Python runs the executor, so Jupyter finds the kernelspec the commands installed there.
  const harness = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    JSON.parse(
      execFileSync(path.join(venv, "bin", "python"), [HARNESS, "--json", "--check-figures", "--base", course, ...args, notebook], {
        cwd: course,
        env: { ...env, ...extraEnv },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
      }),
    ) as Notebook;
  executed = harness(["--out-dir", path.join(course, "tslab-run")]);
  onDeno = harness(["--deno", "--same-figures", path.join(course, "tslab-run")], { JUPYTER_PATH: DENO_JUPYTER_PATH });
}, 600_000);

afterAll(() => {
  for (const dir of [course, venv]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("d2l-ts installed from its tarballs in a folder outside the repository", () => {
  it("is outside the repository, with real copies of both packages and no install scripts", () => {
    expect(path.relative(REPO_ROOT, course).startsWith("..")).toBe(true);
    for (const name of ["d2l-ts", "d2l-ts-figure-contract"]) {
      const dir = path.join(course, "node_modules", name);
      expect(lstatSync(dir).isSymbolicLink(), `${name} is a link`).toBe(false);
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { scripts?: Record<string, string> };
      for (const hook of ["preinstall", "install", "postinstall", "prepare"]) expect(pkg.scripts?.[hook], `${name} ${hook} script`).toBeUndefined();
    }
    expect(existsSync(path.join(course, "node_modules", "d2l-ts", "generated", "fast-kernels.wasm"))).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(course, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(manifest.dependencies["d2l-ts"]).toBe("file:d2l-ts-0.1.0.tgz");
  });

  it("registered the course folder's tslab in the virtual environment", () => {
    const spec = JSON.parse(readFileSync(path.join(venv, "share", "jupyter", "kernels", "tslab", "kernel.json"), "utf8")) as { argv: string[] };
    expect(spec.argv[0]).toBe(path.join(course, "node_modules", ".bin", "d2l-tslab"));
  });

  it("runs a notebook with that tslab and d2l-ts's fast kernels", () => {
    // Node resolves d2l-ts from the notebook's folder upwards: only the course folder's copy is
    // reachable (the repository is not above it).
    const run = JSON.parse(stdoutOf(codeCells(executed)[0]!)) as { kernel: string; fast: string | null; matmul: string; argv1: string };
    expect(run.kernel).toBe("tslab");
    expect(realpathSync(run.argv1).startsWith(realpathSync(course) + path.sep), run.argv1).toBe(true);
    expect(run.fast).toBeNull(); // the wasm kernels load from the tarball's generated/
    expect(run.matmul).toBe(expectedMatMulIsa()); // and the native matmul, where this CPU allows
  });

  it("computes the masked softmax", () => {
    const [[first], [second]] = JSON.parse(stdoutOf(codeCells(executed)[1]!)) as number[][][];
    const softmax = (xs: number[]) => xs.map((x) => Math.exp(x) / xs.reduce((s, y) => s + Math.exp(y), 0));
    const expected = [[...softmax([1, 2]), 0, 0], [...softmax([1, 2, 3]), 0]];
    [first!, second!].forEach((row, i) => row.forEach((w, j) => expect(w).toBeCloseTo(expected[i]![j]!, 6)));
  });

  it("shows the heatmap as one bundle of JSON payload, SVG and text", () => {
    const [figure, ...more] = displaysOf(codeCells(executed)[2]!);
    expect(more).toEqual([]);
    expect(Object.keys(figure!.data ?? {}).sort()).toEqual([HEATMAP_MIME_TYPE, SVG_MIME_TYPE, TEXT_MIME_TYPE].sort());
    expect(figurePayloadProblems(HEATMAP_MIME_TYPE, figure!.data![HEATMAP_MIME_TYPE])).toEqual([]);
    expect(String(figure!.data![SVG_MIME_TYPE])).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(String(figure!.data![TEXT_MIME_TYPE])).toMatch(/^Heatmap/);
  });

  it("runs the same notebook in Deno's Jupyter kernel from the course folder, with the same figure", () => {
    // run_notebook.py --same-figures compared the figures with the tslab run (it fails otherwise).
    const run = JSON.parse(stdoutOf(codeCells(onDeno)[0]!)) as { kernel: string; fast: string | null; matmul: string };
    expect(run).toMatchObject({ kernel: "deno", fast: null, matmul: expectedMatMulIsa() });
    const weights = (nb: Notebook) => (JSON.parse(stdoutOf(codeCells(nb)[1]!)) as number[][][]).flat(2);
    weights(onDeno).forEach((w, i) => expect(w).toBeCloseTo(weights(executed)[i]!, 6));
    expect(displaysOf(codeCells(onDeno)[2]!)).toHaveLength(1);
  });
});
