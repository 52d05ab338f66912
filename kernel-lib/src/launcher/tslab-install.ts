/**
 * Finds the tslab a kernel should run, as tslab itself does (`findLocalStartKernel`): the first
 * `node_modules/tslab` from the notebook's folder upwards, else the one beside this launcher.
 */
import { existsSync, readFileSync } from "node:fs";
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

/** The tslab for a kernel started in `cwd`; throws when there is none. */
export function findTslab(cwd: string): TslabInstall {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const main = join(dir, "node_modules", "tslab", "dist", "main.js");
    if (basename(dir) !== "node_modules" && existsSync(main)) return fromDist(dirname(main));
    if (dirname(dir) === dir) break;
  }
  return fromDist(dirname(require.resolve("tslab/dist/main.js", { paths: [__dirname] })));
}
