/**
 * Execute a notebook with the real tslab kernel (through run_notebook.py and nbclient) from a
 * vitest test, and read its outputs.
 *
 *   const nb = await executeNotebook("test/notebooks/fixtures/masked-softmax.ipynb");
 *   stdoutOf(nb.cells[1]);        // what the cell printed
 *
 * A failing notebook rejects with the harness's message: notebook, cell index, first source line
 * and tslab's stderr text.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const HARNESS = path.join(__dirname, "run_notebook.py");
/** The Jupyter data folder with Deno's kernelspec (scripts/setup.d/40-deno.sh): for JUPYTER_PATH. */
export const DENO_JUPYTER_PATH = path.join(REPO_ROOT, "build", "jupyter");
/** Debian's Python: it has nbclient; a `python3` earlier on PATH may not. */
export const PYTHON = "/usr/bin/python3";

export interface NotebookOutput {
  output_type: "stream" | "display_data" | "update_display_data" | "execute_result" | "error";
  name?: "stdout" | "stderr";
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export interface NotebookCell {
  id?: string;
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown> & {
    kernelspec?: { name: string; display_name: string; language?: string };
  };
  nbformat: number;
  nbformat_minor: number;
}

export interface ExecuteOptions {
  /** Per-cell timeout in seconds (default 120). */
  timeoutSeconds?: number;
  /** Also fail when a figure output lacks its custom JSON, SVG or text representation. */
  checkFigures?: boolean;
  /** Environment variables for the harness and the kernel, added to this process's. */
  env?: NodeJS.ProcessEnv;
}

/** Runs every cell of the notebook at `notebookPath` and resolves to the executed notebook. */
export function executeNotebook(notebookPath: string, options: ExecuteOptions = {}): Promise<Notebook> {
  const args = [HARNESS, "--json", "--timeout", String(options.timeoutSeconds ?? 120)];
  if (options.checkFigures) args.push("--check-figures");
  args.push(path.resolve(notebookPath));
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      args,
      { cwd: REPO_ROOT, maxBuffer: 512 * 1024 * 1024, encoding: "utf8", env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        if (error) {
          const message = stderr.trim() || error.message;
          reject(new Error(`notebook execution failed: ${message}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as Notebook);
        } catch (e) {
          reject(new Error(`run_notebook.py printed no notebook JSON (${String(e)}); stderr: ${stderr}`));
        }
      },
    );
  });
}

/** A notebook (tslab kernelspec, no outputs) whose code cells are `sources`. */
export function notebookFromSources(sources: string[]): Notebook {
  return {
    cells: sources.map((source, i) => ({
      id: `cell-${i}`,
      cell_type: "code",
      source,
      metadata: {},
      outputs: [],
      execution_count: null,
    })),
    metadata: {
      kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" },
      language_info: { name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/**
 * Writes a generated notebook under test/artifacts/notebooks/ (git-ignored) and returns its path.
 * It must live inside the repository: tslab resolves `d2l-ts` through the node_modules above the
 * notebook's folder.
 */
export function writeArtifactNotebook(name: string, notebook: Notebook): string {
  const dir = path.join(REPO_ROOT, "test", "artifacts", "notebooks");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name.endsWith(".ipynb") ? name : `${name}.ipynb`);
  writeFileSync(file, JSON.stringify(notebook, null, 1) + "\n");
  return file;
}

function joined(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : (text ?? "");
}

/** Source of a cell as one string (nbformat may store it as a list of lines). */
export function sourceOf(cell: NotebookCell): string {
  return joined(cell.source);
}

/** Everything the cell wrote to stdout (tslab prints a cell's last expression there too). */
export function stdoutOf(cell: NotebookCell): string {
  return (cell.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === "stdout")
    .map((o) => joined(o.text))
    .join("");
}

/** The display_data outputs of a cell (figures and other rich outputs). */
export function displaysOf(cell: NotebookCell): NotebookOutput[] {
  return (cell.outputs ?? []).filter(
    (o) => o.output_type === "display_data" || o.output_type === "update_display_data",
  );
}

/** The code cells of a notebook, in order. */
export function codeCells(notebook: Notebook): NotebookCell[] {
  return notebook.cells.filter((c) => c.cell_type === "code");
}
