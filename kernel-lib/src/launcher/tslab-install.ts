/**
 * Finds the tslab a kernel should run, as tslab itself does (`findLocalStartKernel`): the first
 * `node_modules/tslab` from the notebook's folder upwards, else the one beside this launcher; and
 * the d2l-ts a notebook folder sees, whose launcher then runs instead of this one.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** The tslab version the launcher's configuration was written and tested against. */
export const TESTED_TSLAB_VERSION = "1.0.22";

export interface TslabInstall {
  /** tslab's `dist` folder (main.js, converter.js, executor.js, jupyter.js). */
  readonly dist: string;
  readonly version: string;
  /** The file tslab loads as `@tslab/typescript-for-tslab`. */
  readonly typescriptFile: string;
}

function fromDist(dist: string): TslabInstall {
  const pkg = JSON.parse(readFileSync(join(dist, "..", "package.json"), "utf8")) as { version: string };
  const typescriptFile = require.resolve("@tslab/typescript-for-tslab", { paths: [dist] });
  return { dist, version: pkg.version, typescriptFile };
}

/** The first `node_modules/<relative>` from `cwd` upwards (node_modules folders skipped, as tslab does). */
function findUpwards(cwd: string, relative: string): string | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", relative);
    if (basename(dir) !== "node_modules" && existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The tslab for a kernel started in `cwd`; throws when there is none. */
export function findTslab(cwd: string): TslabInstall {
  const main = findUpwards(cwd, join("tslab", "dist", "main.js"));
  return fromDist(dirname(main ?? require.resolve("tslab/dist/main.js", { paths: [__dirname] })));
}

/**
 * Which launcher a kernel started in `cwd` should run, when not this one (`self`, its main.js):
 * the d2l-ts the notebook folder sees decides, as its tslab does. `{ plain: true }` when that
 * d2l-ts has no launcher (an older d2l-ts: run tslab unchanged); undefined when it is this one,
 * or when the folder sees no d2l-ts.
 */
export function localLauncher(cwd: string, self: string): { main: string } | { plain: true } | undefined {
  const pkg = findUpwards(cwd, join("d2l-ts", "package.json"));
  if (!pkg) return undefined;
  const main = join(dirname(pkg), "dist", "launcher", "main.js");
  if (!existsSync(main)) return { plain: true };
  return realpathSync(main) === realpathSync(self) ? undefined : { main };
}
