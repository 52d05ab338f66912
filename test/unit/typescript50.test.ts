// Notebook cells are compiled by tslab's bundled TypeScript 5.0.4 (Node10 resolution, no
// tsconfig). This compiles a cell-like file against the BUILT package (kernel-lib/dist) with that
// compiler and tslab's options, and requires zero diagnostics: the declarations must parse in TS
// 5.0 and carry tfjs's chained-method types (`x.square()`) to consumers.
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuiltPackageIsCurrent, root } from "./built-package";

const require = createRequire(join(root, "node_modules", "tslab", "package.json"));
// tslab's own compiler, the one that compiles notebook cells.
const ts = require("@tslab/typescript-for-tslab") as typeof import("typescript");
const workDir = join(root, "test", "artifacts", "typescript50");

/** The options tslab's converter passes to the compiler (tslab/dist/converter.js), as CommonJS. */
function tslabOptions(skipLibCheck: boolean): import("typescript").CompilerOptions {
  return {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    strict: true,
    skipLibCheck,
    noEmit: true,
    types: ["node"],
  };
}

function diagnosticsOf(name: string, source: string, skipLibCheck = true): string[] {
  mkdirSync(workDir, { recursive: true });
  const file = join(workDir, name);
  writeFileSync(file, source);
  const program = ts.createProgram([file], tslabOptions(skipLibCheck));
  // The cell must have been checked against the built declarations, not something else.
  const files = program.getSourceFiles().map((f) => f.fileName);
  expect(files.some((f) => f.endsWith("/kernel-lib/dist/index.d.ts"))).toBe(true);
  expect(files.some((f) => f.endsWith("/chained_ops/register_all_chained_ops.d.ts"))).toBe(true);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

const cell = `
import * as d2l from "d2l-ts";
const tf = d2l.tf;
d2l.seed(0);
const X = d2l.rand([2, 2, 4]);
const weights: d2l.tf.Tensor3D = d2l.maskedSoftmax(X, [2, 3]);
const squared = d2l.tf.tensor([1, 2, 3]).square();
const total: number = squared.sum().mul(2).dataSync()[0];
const attention = new d2l.MultiHeadAttention(8, 2, 0.1);
attention.eval();
const out = attention.forward(tf.ones([2, 4, 8]), tf.ones([2, 6, 8]), tf.ones([2, 6, 8]), d2l.paddingMask([3, 2], 6));
const heads: number = attention.attentionWeights.shape[0];
const pe = new d2l.PositionalEncoding(8, 0);
const encoded = pe.forward(out).matMul(tf.ones([8, 1])).squeeze();
const masked = d2l.maskedSoftmax(X, d2l.causalMask(2, 4).and(d2l.paddingMask([4, 1], 4)));
d2l.checkShape(weights, [2, 2, 4]);
console.log(total, heads, encoded.shape, masked.shape);
export {};
`;

beforeAll(() => assertBuiltPackageIsCurrent());

describe("the built package under tslab's TypeScript 5.0.4", () => {
  it("is the compiler tslab bundles", () => {
    expect(ts.version).toBe("5.0.4");
  });

  it("compiles a notebook-style cell using d2l-ts and chained tfjs methods without diagnostics", () => {
    expect(diagnosticsOf("cell.ts", cell)).toEqual([]);
  });

  it("has declaration files that TypeScript 5.0 checks cleanly", () => {
    const ours = diagnosticsOf("cell-libcheck.ts", cell, false).filter((d) => d.includes("/kernel-lib/dist/"));
    expect(ours).toEqual([]);
  });

  it("goes through tslab's own converter cell by cell, declarations carried to the next cell", () => {
    // tslab compiles relative to the working directory; use a folder inside the repository so
    // that "d2l-ts" resolves through the workspace's node_modules, as in the notebooks folder.
    mkdirSync(workDir, { recursive: true });
    const previous = process.cwd();
    process.chdir(workDir);
    try {
      const { createConverter } = require("tslab/dist/converter") as {
        createConverter: () => {
          convert: (prevDecl: string, src: string) => {
            output?: string;
            declOutput?: string;
            diagnostics: Array<{ messageText: string }>;
          };
          close: () => void;
        };
      };
      const converter = createConverter();
      try {
        const first = converter.convert("", cell.replace("export {};", ""));
        expect(first.diagnostics.map((d) => d.messageText)).toEqual([]);
        // The second cell uses the first cell's variables through the declarations tslab kept.
        const second = converter.convert(
          first.declOutput ?? "",
          "const again = attention.forward(out, out, out, [1, 2]).add(weights.sum()).square();\nagain.shape;\n",
        );
        expect(second.diagnostics.map((d) => d.messageText)).toEqual([]);
        expect(second.output).toContain("attention.forward");
        const wrong = converter.convert(first.declOutput ?? "", "attention.forward(out).sqaure();\n");
        expect(wrong.diagnostics.length).toBeGreaterThan(0);
      } finally {
        converter.close();
      }
    } finally {
      process.chdir(previous);
    }
  });

  it("reports a method tfjs does not have (the check can fail)", () => {
    const errors = diagnosticsOf("wrong.ts", `import * as d2l from "d2l-ts";\nd2l.tf.tensor([1]).sqaure();\nexport {};\n`);
    expect(errors.join("\n")).toMatch(/Property 'sqaure' does not exist/);
  });
});
