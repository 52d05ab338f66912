/** The chapter's committed notebooks (notebooks/**\/*.ipynb), found on disk. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, type Notebook } from "./execute-notebook";

export const NOTEBOOKS_DIR = path.join(REPO_ROOT, "notebooks");

/** One notebook per book section and one per section's exercises; each must exist (more may be added). */
export const REQUIRED_NOTEBOOKS = [
  "queries-keys-values.ipynb",
  "attention-pooling.ipynb",
  "attention-scoring-functions.ipynb",
  "multi-head-attention.ipynb",
  "self-attention-and-positional-encoding.ipynb",
  "attention-masks.ipynb",
  "exercises/queries-keys-values-exercises.ipynb",
  "exercises/attention-pooling-exercises.ipynb",
  "exercises/attention-scoring-functions-exercises.ipynb",
  "exercises/multi-head-attention-exercises.ipynb",
  "exercises/self-attention-and-positional-encoding-exercises.ipynb",
];

/** Paths relative to notebooks/, sorted, checkpoints excluded. */
export function chapterNotebooks(): string[] {
  return (readdirSync(NOTEBOOKS_DIR, { recursive: true }) as string[])
    .filter((p) => p.endsWith(".ipynb") && !p.includes(".ipynb_checkpoints"))
    .sort();
}

export function readNotebook(relative: string): Notebook {
  return JSON.parse(readFileSync(path.join(NOTEBOOKS_DIR, relative), "utf8")) as Notebook;
}
