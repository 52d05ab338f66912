// Shared by the tests of the BUILT package (dist.test.ts, typescript50.test.ts): they are only
// meaningful when kernel-lib/dist was built from the current sources (scripts/setup.sh builds it).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const root = join(__dirname, "..", "..");
const kernelLib = join(root, "kernel-lib");

function newestSource(dir: string): { file: string; mtime: number } {
  let newest = { file: "", mtime: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const found = entry.isDirectory()
      ? newestSource(path)
      : entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")
        ? { file: path, mtime: statSync(path).mtimeMs }
        : newest;
    if (found.mtime > newest.mtime) newest = found;
  }
  return newest;
}

/** Throws unless kernel-lib/dist exists and is at least as new as every source file. */
export function assertBuiltPackageIsCurrent(): void {
  const entry = join(kernelLib, "dist", "index.js");
  const types = join(kernelLib, "dist", "index.d.ts");
  if (!existsSync(entry) || !existsSync(types)) {
    throw new Error("kernel-lib/dist is missing: run `npm run build -w d2l-ts` (scripts/setup.sh does)");
  }
  const source = newestSource(join(kernelLib, "src"));
  if (source.mtime > statSync(entry).mtimeMs) {
    throw new Error(`kernel-lib/dist is older than ${source.file}: run \`npm run build -w d2l-ts\``);
  }
}
