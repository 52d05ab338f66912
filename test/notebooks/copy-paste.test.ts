/**
 * Every notebook's code cells, pasted into one `.ts` file, run in plain Node (through tsx) without
 * error and without a word on stderr, and type-check under the project's strict settings. Outside
 * a kernel the figures fall back to their text summary on stdout.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./execute-notebook";
import { chapterNotebooks, readNotebook } from "./chapter-notebooks";
import { notebookToScript } from "./notebook-to-script";
import { runCommand as run } from "./run-command";

// Inside the repository, so that `d2l-ts` resolves through the workspace's node_modules.
const OUT_DIR = path.join(REPO_ROOT, "test", "artifacts", "copy-paste");
const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
const TSC = path.join(REPO_ROOT, "node_modules", ".bin", "tsc");

const notebooks = chapterNotebooks();
const scripts = new Map<string, string>();

beforeAll(() => {
  for (const relative of notebooks) {
    const { text } = notebookToScript(readNotebook(relative), `notebooks/${relative}`);
    const file = path.join(OUT_DIR, relative.replace(/\.ipynb$/, ".ts"));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    scripts.set(relative, file);
  }
});

describe("notebook code as a plain Node script", () => {
  it.each(notebooks)("%s runs in plain Node with a clean stderr", async (relative) => {
    const result = await run(TSX, [scripts.get(relative)!], 180_000);
    expect(result.stderr, `stderr of ${relative}`).toBe("");
    expect(result.code, `exit code of ${relative}`).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(0);
    // Outside a kernel each figure prints its text summary instead.
    const code = readFileSync(scripts.get(relative)!, "utf8");
    if (/d2l\.showHeatmaps\(/.test(code)) expect(result.stdout, "heatmap summaries").toMatch(/^Heatmaps? /m);
    if (/d2l\.(plot|plotPanels)\(/.test(code)) expect(result.stdout, "plot summaries").toMatch(/^Plot /m);
  }, 200_000);

  it("type-checks under strict settings", async () => {
    const config = {
      extends: path.join(REPO_ROOT, "tsconfig.base.json"),
      compilerOptions: {
        noEmit: true,
        // Teaching code may name a value once to show it; strictness is what matters here.
        noUnusedLocals: false,
        noUnusedParameters: false,
        types: ["node"],
        typeRoots: [path.join(REPO_ROOT, "node_modules", "@types")],
      },
      files: [...scripts.values()],
    };
    const configFile = path.join(OUT_DIR, "tsconfig.json");
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const result = await run(TSC, ["-p", configFile], 120_000);
    expect(result.stdout + result.stderr, "tsc diagnostics").toBe("");
    expect(result.code).toBe(0);
  }, 130_000);
});
