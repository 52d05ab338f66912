/**
 * A lighter "builder program" for tslab's TypeScript watch program.
 *
 * tslab 1.0.22 lets TypeScript create its default builder (EmitAndSemanticDiagnostics), whose
 * state is rebuilt for EVERY file of the program on every rebuild: import references resolved
 * through a fresh checker, a map of every file's references, hashes. tslab rebuilds twice per
 * cell and uses the builder for only one thing besides the program: `getAllDependencies(cell)`,
 * to find the .ts/.js files a cell imports (local modules it compiles with the cell). That state
 * was half of a trivial cell's time once tfjs's 500 declaration files are in the program.
 *
 * This builder is TypeScript's own `createAbstractBuilder` (the program, no state) plus that one
 * method, answered by walking imports from the cell through source files only: a declaration
 * file never brings in source that tslab would compile.
 */
import { posix } from "node:path";
import type * as TS from "@tslab/typescript-for-tslab";
import type { DeclarationCache } from "./declaration-cache";
import { withDeclarationCache } from "./declaration-cache";

/** What TypeScript's watch program calls to make each new program (its `CreateProgram`). */
export type CreateBuilderProgram = TS.CreateProgram<TS.BuilderProgram>;

/** The parts of a SourceFile this module reads that TypeScript 5.0 does not declare publicly. */
interface SourceFileImports {
  readonly imports?: readonly TS.StringLiteralLike[];
}

/** Source files (not declarations) `root` depends on through imports and `/// <reference path>`, root first. */
export function sourceDependencies(program: TS.Program, root: TS.SourceFile): string[] {
  const checker = program.getTypeChecker();
  const seen = new Map<string, TS.SourceFile>([[root.fileName, root]]);
  const pending = [root];
  const visit = (file: TS.SourceFile | undefined): void => {
    if (file && !seen.has(file.fileName)) {
      seen.set(file.fileName, file);
      pending.push(file);
    }
  };
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (file.isDeclarationFile) continue;
    for (const literal of (file as TS.SourceFile & SourceFileImports).imports ?? []) {
      for (const declaration of checker.getSymbolAtLocation(literal)?.declarations ?? []) visit(declaration.getSourceFile());
    }
    // TypeScript's file names use forward slashes on every platform.
    const dir = posix.dirname(file.fileName);
    for (const reference of file.referencedFiles) visit(program.getSourceFile(posix.resolve(dir, reference.fileName)));
  }
  return [...seen.keys()];
}

/**
 * The `createProgram` to hand to `ts.createWatchCompilerHost`: TypeScript's abstract builder with
 * `getAllDependencies`. With `declarations`, declaration files it holds (parsed in a start-up
 * snapshot) are taken from it instead of being parsed again.
 */
export function lightBuilderProgram(ts: typeof TS, declarations?: DeclarationCache): CreateBuilderProgram {
  return (rootNames, options, host, oldProgram, configFileParsingDiagnostics, projectReferences) => {
    const compilerHost = host && declarations ? withDeclarationCache(host, declarations) : host;
    const builder = ts.createAbstractBuilder(rootNames, options, compilerHost, oldProgram, configFileParsingDiagnostics, projectReferences);
    const program = builder.getProgram();
    // Creating the checker binds every file: tslab reads the cell's `locals` right after a rebuild,
    // as the default builder (which makes a checker for its state) allowed.
    program.getTypeChecker();
    builder.getAllDependencies = (sourceFile) => sourceDependencies(program, sourceFile);
    return builder;
  };
}
