/**
 * The script `node --build-snapshot` runs to make the kernel's start-up snapshot (snapshot.ts).
 * It may require Node's built-in modules only, so it loads tslab's TypeScript by reading and
 * evaluating the file itself, then parses every declaration file a notebook that imports d2l-ts
 * will need (the ES2022 lib, the global @types, d2l-ts's and tfjs-core's declarations) into a
 * program with tslab's options, and keeps those SourceFiles. When a kernel starts from the
 * snapshot, the deserialised heap already holds TypeScript and those files, and `main` runs.
 *
 * Environment (set by snapshot.ts's `buildSnapshot`): D2L_SNAPSHOT_TS (tslab's TypeScript),
 * D2L_SNAPSHOT_TSLAB (tslab's dist folder),
 * D2L_SNAPSHOT_CWD (the notebook folder to resolve from), D2L_SNAPSHOT_TYPES (global @types),
 * D2L_SNAPSHOT_META (where to write the list of files the snapshot holds).
 */
// A script, not a module (no import/export): Node runs the snapshot's entry without `exports`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readFileSync, statSync, writeFileSync } = require("node:fs") as typeof import("node:fs");
const { createRequire } = require("node:module") as typeof import("node:module");
const { dirname, join } = require("node:path") as typeof import("node:path");
const { startupSnapshot } = require("node:v8") as typeof import("node:v8");
type TS = typeof import("@tslab/typescript-for-tslab");
type SnapshotState = import("./snapshot-types").SnapshotState;
type SnapshotFile = import("./snapshot-types").SnapshotFile;

function loadSnapshotTypeScript(file: string): TS {
  const module = { exports: {} as TS };
  const body = readFileSync(file, "utf8");
  // CommonJS's wrapper, by hand: the snapshot builder cannot require files from disk.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const wrapper = new Function("exports", "require", "module", "__filename", "__dirname", body);
  wrapper(module.exports, require, module, file, dirname(file));
  return module.exports;
}

/** tslab's type roots (converter.js `getTypeRoots`): the default ones, plus tslab's own @types/node when none has it. */
function tslabTypeRoots(ts: TS, cwd: string, tslabDist: string): string[] {
  const roots = ts.getEffectiveTypeRoots({}, { directoryExists: ts.sys.directoryExists, getCurrentDirectory: () => cwd }) ?? [];
  if (roots.some((root) => ts.sys.fileExists(join(root, "node", "package.json")))) return [...roots];
  return [...roots, join(tslabDist, "..", "node_modules", "@types")];
}

/** tslab 1.0.22's compiler options (converter.js), with `types` as the launcher sets them. */
function tslabOptions(ts: TS, cwd: string, tslabDist: string, types: string[]): import("@tslab/typescript-for-tslab").CompilerOptions {
  return {
    typeRoots: tslabTypeRoots(ts, cwd, tslabDist),
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    declaration: true,
    newLine: ts.NewLineKind.LineFeed,
    noImplicitUseStrict: true,
    experimentalDecorators: true,
    resolveJsonModule: true,
    jsx: ts.JsxEmit.React,
    allowJs: true,
    checkJs: true,
    skipLibCheck: true,
    rootDir: cwd,
    outDir: "outDir",
    types,
  };
}

function parseDeclarations(ts: TS, cwd: string, tslabDist: string, types: string[]): SnapshotState["declarations"] {
  const options = tslabOptions(ts, cwd, tslabDist, types);
  const host = ts.createCompilerHost(options);
  const root = join(cwd, "__d2l_snapshot__.ts");
  const rootText = 'export {};\nimport * as d2l from "d2l-ts";\nexport { d2l };\n';
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    fileName === root ? ts.createSourceFile(fileName, rootText, languageVersion) : getSourceFile(fileName, languageVersion, ...rest);
  host.getCurrentDirectory = () => cwd;
  const program = ts.createProgram({ rootNames: [root], options, host });
  // A checker binds every file (symbol tables on the SourceFiles, which later programs reuse as a
  // watch program does); binding depends only on options the kernel's program shares.
  program.getTypeChecker();
  const declarations: SnapshotState["declarations"] = new Map();
  for (const sourceFile of program.getSourceFiles()) {
    // Redirects are the program's own objects for duplicate packages, not parsed files.
    if (sourceFile.isDeclarationFile && !("redirectInfo" in sourceFile && sourceFile.redirectInfo)) {
      declarations.set(sourceFile.fileName, { text: sourceFile.text, sourceFile });
    }
  }
  return declarations;
}

function buildSnapshotHeap(): void {
  const typescriptFile = process.env.D2L_SNAPSHOT_TS!;
  const cwd = process.env.D2L_SNAPSHOT_CWD!;
  const types = (process.env.D2L_SNAPSHOT_TYPES ?? "node").split(",").filter(Boolean);
  const ts = loadSnapshotTypeScript(typescriptFile);
  const declarations = parseDeclarations(ts, cwd, process.env.D2L_SNAPSHOT_TSLAB!, types);
  const files: SnapshotFile[] = [typescriptFile, ...declarations.keys()].map((name) => {
    const { size, mtimeMs } = statSync(name);
    return { name, size, mtimeMs };
  });
  writeFileSync(process.env.D2L_SNAPSHOT_META!, JSON.stringify({ cwd, types, files }));
  const state: SnapshotState = { ts, typescriptFile, declarations };
  const launcher = __filename;
  startupSnapshot.setDeserializeMainFunction(() => {
    // A process started from a snapshot has no script in its argv; put the launcher's there, as
    // a kernel started without the snapshot has it.
    process.argv.splice(1, 0, join(dirname(launcher), "..", "..", "bin", "d2l-tslab.js"));
    const main = createRequire(launcher)("./main") as typeof import("./main");
    main.runFromSnapshot(state, process.argv.slice(2));
  });
}

if (startupSnapshot.isBuildingSnapshot()) buildSnapshotHeap();
