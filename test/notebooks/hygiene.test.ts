/**
 * Hygiene of the committed notebooks: they are committed without outputs, declare the tslab
 * kernel, import the library by its package name only, draw randomness only from the seeded
 * generator of d2l-ts, and keep to what Deno's kernel runs too (docs/notebooks.md, "One set of
 * notebooks, two kernels").
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sourceOf } from "./execute-notebook";
import { chapterNotebooks, NOTEBOOKS_DIR, readNotebook, REQUIRED_NOTEBOOKS } from "./chapter-notebooks";
import { notebookToScript } from "./notebook-to-script";

const TSLAB_KERNELSPEC = { name: "tslab", display_name: "TypeScript", language: "typescript" };

describe("committed notebooks", () => {
  const notebooks = chapterNotebooks();

  it("include every section the chapter needs", () => {
    for (const required of REQUIRED_NOTEBOOKS) expect(notebooks).toContain(required);
  });

  it("are each mapped to their book section in notebooks/README.md", () => {
    const readme = readFileSync(path.join(NOTEBOOKS_DIR, "README.md"), "utf8");
    const rows = readme.split("\n").filter((line) => line.startsWith("| ["));
    for (const relative of notebooks) {
      const row = rows.find((line) => line.includes(`](${relative})`));
      expect(row, `a table row linking ${relative}`).toBeDefined();
      expect(row!.split("|")[2]!.trim(), `the section of ${relative}`).not.toBe("");
    }
  });

  describe.each(notebooks)("%s", (relative) => {
    const notebook = readNotebook(relative);
    const code = notebook.cells.filter((c) => c.cell_type === "code");

    it("is nbformat 4 with the tslab kernelspec", () => {
      expect(notebook.nbformat).toBe(4);
      expect(notebook.metadata.kernelspec).toEqual(TSLAB_KERNELSPEC);
    });

    it("holds no outputs, execution counts or execution timings", () => {
      code.forEach((cell, i) => {
        expect(cell.outputs, `code cell ${i} outputs`).toEqual([]);
        expect(cell.execution_count ?? null, `code cell ${i} execution_count`).toBeNull();
        expect(cell.metadata, `code cell ${i} metadata`).not.toHaveProperty("execution");
      });
      expect(notebook.metadata).not.toHaveProperty("widgets");
    });

    it("has code, and text that explains it", () => {
      expect(code.length).toBeGreaterThan(2);
      expect(notebook.cells.some((c) => c.cell_type === "markdown")).toBe(true);
      expect(code.every((c) => sourceOf(c).trim() !== "")).toBe(true);
    });

    it("imports d2l-ts by its package name only (never by a relative path)", () => {
      const { imports } = notebookToScript(notebook, relative);
      expect(imports).toContain("d2l-ts");
      for (const specifier of imports) {
        expect(specifier, "import specifier").not.toMatch(/^\.|kernel-lib|\/src\//);
      }
      const requires = code.flatMap((c) => [...sourceOf(c).matchAll(/require\(\s*["']([^"']+)["']/g)]);
      expect(requires.map((m) => m[1])).toEqual([]);
    });

    it("uses nothing that only tslab has, so Deno's kernel runs it too", () => {
      const { imports } = notebookToScript(notebook, relative);
      // Deno resolves Node's built-in modules only by their `node:` names.
      for (const specifier of imports) expect(specifier, "import specifier").toMatch(/^(d2l-ts|node:[\w/]+)$/);
      const text = code.map(sourceOf).join("\n");
      expect(text, "tslab's own API").not.toMatch(/\btslab\./);
    });

    it("says in one line why it cannot run on Deno, if it cannot", () => {
      const reason = (notebook.metadata["d2l-ts"] as { deno?: unknown } | undefined)?.deno;
      if (reason === undefined) return;
      expect(typeof reason, 'metadata["d2l-ts"].deno').toBe("string");
      expect(String(reason).trim()).not.toBe("");
      expect(String(reason)).not.toMatch(/\n/);
    });

    it("draws randomness only from the seeded generator", () => {
      const text = code.map(sourceOf).join("\n");
      expect(text).not.toMatch(/Math\.random\s*\(/);
      // tfjs's own random ops are seeded only when given a seed; notebooks use d2l.rand/randn/normal.
      expect(text).not.toMatch(/tf\.(randomUniform|randomNormal|truncatedNormal|randomGamma|multinomial)\s*\(/);
      expect(text).toMatch(/d2l\.seed\(/);
    });
  });
});
