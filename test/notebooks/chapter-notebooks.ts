/** The chapter's committed notebooks (notebooks/**\/*.ipynb), found on disk. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, type Notebook } from "./execute-notebook";

export const NOTEBOOKS_DIR = path.join(REPO_ROOT, "notebooks");

/** The sections the issue asks for; each must exist (the exercises may add more notebooks). */
export const REQUIRED_NOTEBOOKS = [
  "queries-keys-values.ipynb",
  "attention-pooling.ipynb",
  "attention-scoring-functions.ipynb",
  "multi-head-attention-and-masks.ipynb",
  "transformer.ipynb",
  "exercises/transformer-exercises.ipynb",
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
