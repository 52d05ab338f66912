/**
 * The shell commands that README.md and docs/jupyterlab.md give for using d2l-ts outside this
 * repository. Each block is marked in both files with `<!-- tested: ID -->` on the line before its
 * ```sh fence; the tests run the block verbatim, so the docs cannot drift from what works.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const DOCS_WITH_COMMANDS = ["README.md", "docs/jupyterlab.md"];

/** The block marked `<!-- tested: id -->` in `file` (relative to the repository), or null. */
export function markedBlock(file: string, id: string): string | null {
  const markdown = readFileSync(path.join(REPO_ROOT, file), "utf8");
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`^<!-- tested: ${escaped} -->\\n\`\`\`sh\\n([\\s\\S]*?)^\`\`\`$`, "m").exec(markdown);
  return match ? match[1]! : null;
}

/** The block `id`, which README.md and docs/jupyterlab.md must both hold, identically. */
export function documentedCommands(id: string): string {
  const blocks = DOCS_WITH_COMMANDS.map((file) => ({ file, block: markedBlock(file, id) }));
  for (const { file, block } of blocks) {
    if (block === null) throw new Error(`${file} has no \`<!-- tested: ${id} -->\` block followed by a \`\`\`sh fence`);
  }
  const [first, ...rest] = blocks;
  for (const other of rest) {
    if (other.block !== first!.block) {
      throw new Error(`the "${id}" commands differ between ${first!.file} and ${other.file}:\n${first!.block}\n---\n${other.block}`);
    }
  }
  return first!.block!;
}

/**
 * Runs documented commands the way a reader pastes them into bash (stopping at the first
 * failing one), in `cwd`, with `env` (e.g. an activated virtual environment and D2L_TS). Returns
 * what they printed; throws with their output when one fails.
 */
export function runDocumented(commands: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 300_000): string {
  try {
    return execFileSync("bash", ["-euo", "pipefail", "-c", commands], { cwd, env, encoding: "utf8", stdio: "pipe", timeout: timeoutMs });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`documented commands failed in ${cwd}:\n${commands}\n${e.stdout ?? ""}${e.stderr ?? ""}${e.message}`);
  }
}

/** Environment of an activated virtual environment at `venv` (what `source venv/bin/activate` sets). */
export function activatedEnv(venv: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, VIRTUAL_ENV: venv, PATH: `${path.join(venv, "bin")}:${process.env.PATH ?? ""}`, ...extra };
  delete env.PYTHONHOME;
  return env;
}

/** A fresh virtual environment at `dir` on Debian's Python, seeing its Jupyter packages. */
export function createVenv(dir: string, withPip: boolean): void {
  const args = ["-m", "venv", "--system-site-packages", ...(withPip ? [] : ["--without-pip"]), dir];
  execFileSync("/usr/bin/python3", args, { stdio: "pipe", timeout: 120_000 });
}
