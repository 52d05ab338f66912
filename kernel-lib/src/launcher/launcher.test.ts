/**
 * The kernel launcher's parts, on tslab's own TypeScript and converter in this process: the
 * configured TypeScript module, the light builder (cells still type-check, keep their names,
 * compile the local modules they import), the global @types it loads, the declaration cache's
 * check against the disk, the snapshot's freshness, and which launcher a notebook folder picks.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as TS from "@tslab/typescript-for-tslab";
import type * as Converter from "tslab/dist/converter";
import { afterAll, describe, expect, it } from "vitest";
import { declarationCacheUse, withDeclarationCache, type DeclarationCache } from "./declaration-cache";
import { sourceDependencies } from "./light-builder";
import { globalTypes } from "./main";
import { snapshotIsFresh } from "./snapshot";
import { findTslab, localLauncher } from "./tslab-install";
import { configuredTypeScript, provideModule } from "./typescript-seam";

const tslab = findTslab(process.cwd());
const ts = require(tslab.typescriptFile) as typeof TS;
const scratch = mkdtempSync(join(tmpdir(), "d2l-launcher-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(file: string, text: string): string {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe("globalTypes (D2L_KERNEL_TYPES)", () => {
  it("is node by default, a comma list when set, tslab's default (all) for *", () => {
    expect(globalTypes({})).toEqual(["node"]);
    expect(globalTypes({ D2L_KERNEL_TYPES: "node, jest" })).toEqual(["node", "jest"]);
    expect(globalTypes({ D2L_KERNEL_TYPES: "*" })).toBeUndefined();
  });
});

describe("configuredTypeScript", () => {
  const noop = (): void => {};
  it("adds `types` and the light builder to tslab's watch host, and forwards everything else", () => {
    const configured = configuredTypeScript(ts, { types: ["node"], lightBuilder: true });
    expect(configured.ScriptTarget).toBe(ts.ScriptTarget);
    expect(configured.createSourceFile).toBe(ts.createSourceFile);
    const host = configured.createWatchCompilerHost(["/x.ts"], { target: ts.ScriptTarget.ES2022 }, ts.sys, undefined, noop, noop);
    expect(host.options.types).toEqual(["node"]);
    expect(host.createProgram).not.toBe(ts.createEmitAndSemanticDiagnosticsBuilderProgram);
    const own = configured.createWatchCompilerHost(["/x.ts"], { types: ["jest"] }, ts.sys, undefined, noop, noop);
    expect(own.options.types).toEqual(["jest"]);
  });
});

describe("sourceDependencies", () => {
  it("follows imports through source files and stops at declaration files", () => {
    const dir = join(scratch, "deps");
    const main = write(join(dir, "main.ts"), 'import { a } from "./a";\nimport { p } from "pkg";\nexport const m = a + p;\n');
    write(join(dir, "a.ts"), 'import { b } from "./b";\nexport const a = b;\n');
    write(join(dir, "b.js"), "exports.b = 1;\n");
    write(join(dir, "node_modules", "pkg", "index.d.ts"), 'export { p } from "./inner";\n');
    write(join(dir, "node_modules", "pkg", "inner.d.ts"), "export declare const p: number;\n");
    const program = ts.createProgram([main], { allowJs: true, moduleResolution: ts.ModuleResolutionKind.Node10, noEmit: true, types: [] });
    const deps = sourceDependencies(program, program.getSourceFile(main)!).map((f) => f.slice(dir.length + 1));
    expect(deps.sort()).toEqual(["a.ts", "b.js", "main.ts", "node_modules/pkg/index.d.ts"]);
  });
});

describe("tslab's converter on the configured TypeScript", () => {
  // tslab loads its TypeScript through this module cache entry, as in the kernel.
  provideModule(tslab.typescriptFile, configuredTypeScript(ts, { types: ["node"], lightBuilder: true }));
  const { createConverter } = require(join(tslab.dist, "converter.js")) as typeof Converter;
  const converter = createConverter({ isJS: false, isBrowser: false });
  afterAll(() => converter.close());
  let prevDecl = "";
  const run = (src: string) => {
    const result = converter.convert(prevDecl, src);
    if (result.diagnostics.length === 0) prevDecl = result.declOutput ?? "";
    return result;
  };

  it("keeps a cell's names for the next cell and reports type errors", () => {
    expect(run("const n = 6 * 7;").diagnostics).toEqual([]);
    const bad = run("const s: string = n;");
    expect(bad.diagnostics.map((d) => d.messageText)).toEqual(["Type 'number' is not assignable to type 'string'."]);
    expect(run("const m: number = n + 1;\nm").output).toContain("exports.n");
  });

  it("compiles a local module a cell imports (tslab's getAllDependencies)", () => {
    expect(converter.addModule("helper", "export const twice = (x: number) => 2 * x;")).toEqual([]);
    const result = run('import { twice } from "./helper";\nconst t = twice(n);');
    expect(result.diagnostics).toEqual([]);
    expect(result.sideOutputs?.map((o) => o.path.split("/").pop())).toEqual(["helper.js"]);
  });

  it("loads only node's global @types: a JupyterLab project's @types/react JSX is not in scope", () => {
    // The repository's root node_modules/@types holds react (pulled in by the JupyterLab build).
    expect(run("let e: JSX.Element | undefined;").diagnostics.map((d) => d.messageText)).toContain("Cannot find namespace 'JSX'.");
    expect(run("const w: NodeJS.Timeout = setTimeout(() => {}, 0); clearTimeout(w);").diagnostics).toEqual([]);
  });
});

describe("withDeclarationCache", () => {
  it("hands out a cached SourceFile only while the file on disk has its text, checking the disk once", () => {
    const file = write(join(scratch, "cache", "a.d.ts"), "export declare const a: number;\n");
    const other = write(join(scratch, "cache", "b.d.ts"), "export declare const b: number;\n");
    const parsed = (name: string, text: string) => ts.createSourceFile(name, text, ts.ScriptTarget.ES2022);
    const cache: DeclarationCache = new Map([
      [file, { text: "export declare const a: number;\n", sourceFile: parsed(file, "export declare const a: number;\n") }],
      [other, { text: "export declare const b: string;\n", sourceFile: parsed(other, "export declare const b: string;\n") }],
    ]);
    const host = withDeclarationCache(ts.createCompilerHost({}), cache);
    const before = { ...declarationCacheUse };
    const a = host.getSourceFile(file, ts.ScriptTarget.ES2022);
    expect(a).toBe(cache.get(file)!.sourceFile);
    const b = host.getSourceFile(other, ts.ScriptTarget.ES2022);
    expect(b?.text).toBe("export declare const b: number;\n"); // parsed from disk: the cached text is stale
    expect(cache.has(other)).toBe(false);
    expect(declarationCacheUse.stale - before.stale).toBe(1);
    rmSync(file);
    expect(host.getSourceFile(file, ts.ScriptTarget.ES2022)).toBe(a); // checked once per kernel
    expect(host.getSourceFile(file, ts.ScriptTarget.ES5)).toBeUndefined(); // another target: parsed anew (and gone)
  });
});

describe("snapshotIsFresh", () => {
  it("holds while every file the snapshot parsed keeps its size and modification time", () => {
    const dir = join(scratch, "snap");
    const parsed = write(join(dir, "x.d.ts"), "export {};\n");
    const paths = { blob: write(join(dir, "k.blob"), "blob"), meta: join(dir, "k.json"), lock: join(dir, "k.lock") };
    const { statSync } = require("node:fs") as typeof import("node:fs");
    const { size, mtimeMs } = statSync(parsed);
    writeFileSync(paths.meta, JSON.stringify({ files: [{ name: parsed, size, mtimeMs }] }));
    expect(snapshotIsFresh(paths)).toBe(true);
    utimesSync(parsed, new Date(), new Date(Date.now() + 5000));
    expect(snapshotIsFresh(paths)).toBe(false);
    expect(snapshotIsFresh({ ...paths, blob: join(dir, "missing.blob") })).toBe(false);
  });
});

describe("localLauncher", () => {
  const self = join(__dirname, "main.ts");
  it("runs the launcher of the d2l-ts a notebook folder sees, or tslab unchanged when that d2l-ts has none", () => {
    const course = join(scratch, "course");
    write(join(course, "node_modules", "d2l-ts", "package.json"), "{}");
    expect(localLauncher(join(course, "week1"), self)).toEqual({ plain: true });
    const theirs = write(join(course, "node_modules", "d2l-ts", "dist", "launcher", "main.js"), "");
    expect(localLauncher(join(course, "week1"), self)).toEqual({ main: theirs });
    expect(localLauncher(join(scratch, "elsewhere"), self)).toBeUndefined();
  });
});
