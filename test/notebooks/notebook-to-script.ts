/**
 * Turn a notebook's code cells into one TypeScript script for plain Node: what a reader gets by
 * copying every cell into a file. tslab runs cells as one module with top-level `await`; a `.ts`
 * file run by tsx is CommonJS, where top-level await fails, so the cells go into an async `main`
 * and the import lines are hoisted above it.
 */
import type { Notebook } from "./execute-notebook";
import { sourceOf } from "./execute-notebook";

/** A whole-line import: `import x from "m";`, `import * as x from "m";`, `import "m";`. */
const IMPORT_LINE = /^\s*import\s+(?:[\w*{}\s,$]+\s+from\s+)?["'][^"']+["'];?\s*$/;

export interface NotebookScript {
  /** The script's text. */
  text: string;
  /** Module specifiers the notebook imports, in order. */
  imports: string[];
}

export function notebookToScript(notebook: Notebook, origin: string): NotebookScript {
  const importLines: string[] = [];
  const imports: string[] = [];
  const body: string[] = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const lines = sourceOf(cell).split("\n");
    const rest: string[] = [];
    for (const line of lines) {
      if (IMPORT_LINE.test(line)) {
        importLines.push(line.trim());
        imports.push(/["']([^"']+)["']/.exec(line)![1]!);
      } else {
        rest.push(line);
      }
    }
    // Cell contents are not re-indented: that would change multi-line template literals.
    body.push(`// ---- cell ${index} ----`, ...rest, "");
  });
  const text = [
    `// The code cells of ${origin}, in order, as one script for plain Node (generated).`,
    ...importLines,
    "",
    "async function main(): Promise<void> {",
    ...body,
    "}",
    "",
    "main().catch((error: unknown) => {",
    "  console.error(error);",
    "  process.exit(1);",
    "});",
    "",
  ].join("\n");
  return { text, imports };
}
