/**
 * Declaration files parsed ahead of time (in the kernel's start-up snapshot), handed to
 * TypeScript's program instead of parsing them again.
 *
 * Parsing is most of what tslab's set-up costs: the ES2022 lib, @types/node and, after the first
 * `import * as d2l from "d2l-ts"`, tfjs-core's 450 declaration files. A SourceFile is a plain
 * JavaScript object, so a V8 start-up snapshot can hold it; a cached file is used only when the
 * file on disk still has exactly the text it was parsed from.
 */
import { readFileSync } from "node:fs";
import type * as TS from "@tslab/typescript-for-tslab";

export interface CachedDeclaration {
  readonly text: string;
  readonly sourceFile: TS.SourceFile;
  /** Set once the file on disk was found to have `text`; later programs take the file as it is. */
  checked?: boolean;
}

/** Declaration files by absolute file name. */
export type DeclarationCache = Map<string, CachedDeclaration>;

/** Counts of a cache's use, for the kernel's trace. */
export interface DeclarationCacheUse {
  hits: number;
  stale: number;
}

export const declarationCacheUse: DeclarationCacheUse = { hits: 0, stale: 0 };

/** The SourceFile's `version`, which TypeScript's watch program sets and compares (not declared in 5.0's API). */
interface Versioned {
  version?: string;
}

function cached(cache: DeclarationCache, fileName: string, languageVersion: TS.ScriptTarget | TS.CreateSourceFileOptions): TS.SourceFile | undefined {
  const entry = cache.get(fileName);
  if (!entry) return undefined;
  const target = typeof languageVersion === "object" ? languageVersion.languageVersion : languageVersion;
  if (entry.sourceFile.languageVersion !== target) return undefined;
  // Checked once per kernel: like the d2l-ts and tfjs modules a kernel has loaded, their types
  // stay as they were when first used until the kernel restarts.
  if (entry.checked) return entry.sourceFile;
  let text: string;
  try {
    text = readFileSync(fileName, "utf8");
  } catch {
    return undefined;
  }
  if (text !== entry.text) {
    cache.delete(fileName);
    declarationCacheUse.stale++;
    return undefined;
  }
  declarationCacheUse.hits++;
  entry.checked = true;
  // The watch program versions the files it reads itself; these it never reads.
  (entry.sourceFile as TS.SourceFile & Versioned).version ??= "snapshot";
  return entry.sourceFile;
}

/** `host` with `getSourceFile`/`getSourceFileByPath` answering from `cache` where it can. */
export function withDeclarationCache(host: TS.CompilerHost, cache: DeclarationCache): TS.CompilerHost {
  const wrapped: TS.CompilerHost = Object.create(host);
  wrapped.getSourceFile = (fileName, languageVersion, onError, shouldCreateNewSourceFile) =>
    (!shouldCreateNewSourceFile && cached(cache, fileName, languageVersion)) ||
    host.getSourceFile(fileName, languageVersion, onError, shouldCreateNewSourceFile);
  if (host.getSourceFileByPath) {
    const byPath = host.getSourceFileByPath.bind(host);
    wrapped.getSourceFileByPath = (fileName, path, languageVersion, onError, shouldCreateNewSourceFile) =>
      (!shouldCreateNewSourceFile && cached(cache, fileName, languageVersion)) ||
      byPath(fileName, path, languageVersion, onError, shouldCreateNewSourceFile);
  }
  return wrapped;
}
