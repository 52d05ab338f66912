/**
 * The kernel's start-up snapshot: a V8 heap (Node's `--build-snapshot`, snapshot-entry.ts) in
 * which tslab's TypeScript is loaded and the declaration files of a d2l-ts notebook are parsed.
 * A kernel started from it skips loading TypeScript and parsing those files (measured in
 * docs/benchmarks.md). Snapshots live in a cache folder, one per Node version, tslab TypeScript
 * and launcher; a snapshot is used only while every file it parsed is unchanged on disk (size and
 * modification time), and each parsed file is compared with the disk's text again when used.
 *
 * A cold kernel (no usable snapshot) starts in-process as before and builds one in the background
 * at low priority for the kernels after it (`d2l-tslab snapshot` builds one in the foreground).
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir, setPriority } from "node:os";
import { join } from "node:path";
import type { SnapshotFile } from "./snapshot-types";
import type { TslabInstall } from "./tslab-install";

const ENTRY = join(__dirname, "snapshot-entry.js");
/** Snapshots kept in the cache folder (others, oldest first, are removed after a build). */
const KEEP = 4;
/** A build lock older than this is taken to be left over from a build that died. */
const STALE_LOCK_MS = 5 * 60_000;

export interface SnapshotPaths {
  readonly blob: string;
  readonly meta: string;
  readonly lock: string;
}

/** The folder for snapshots: D2L_KERNEL_CACHE, else $XDG_CACHE_HOME/d2l-ts, else ~/.cache/d2l-ts. */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  return env.D2L_KERNEL_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "d2l-ts");
}

function fingerprint(file: string): string {
  const { size, mtimeMs } = statSync(file);
  return `${file}:${size}:${mtimeMs}`;
}

/** The snapshot's code is snapshot-entry.js; rebuilding it unchanged keeps the snapshot. */
function entryDigest(): string {
  return createHash("sha256").update(readFileSync(ENTRY)).digest("hex");
}

/** Where the snapshot for this Node, this tslab TypeScript, this launcher and these @types lives. */
export function snapshotPaths(tslab: TslabInstall, types: readonly string[], folder = cacheFolder()): SnapshotPaths {
  const key = createHash("sha256")
    .update([process.execPath, process.version, process.arch, process.versions.v8, entryDigest(), fingerprint(tslab.typescriptFile), types.join(",")].join("\n"))
    .digest("hex")
    .slice(0, 20);
  const base = join(folder, `kernel-${key}`);
  return { blob: `${base}.blob`, meta: `${base}.json`, lock: `${base}.lock` };
}

/** Whether a snapshot exists and every file it parsed is as it was when it was built. */
export function snapshotIsFresh(paths: SnapshotPaths): boolean {
  try {
    statSync(paths.blob);
    const meta = JSON.parse(readFileSync(paths.meta, "utf8")) as { files: SnapshotFile[] };
    return meta.files.every((f) => {
      const now = statSync(f.name, { throwIfNoEntry: false });
      return now !== undefined && now.size === f.size && now.mtimeMs === f.mtimeMs;
    });
  } catch {
    return false;
  }
}

function takeLock(lock: string): boolean {
  try {
    closeSync(openSync(lock, "wx"));
    return true;
  } catch {
    const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (age < STALE_LOCK_MS) return false;
    rmSync(lock, { force: true });
    return takeLock(lock);
  }
}

function pruneOld(folder: string): void {
  const blobs = readdirSync(folder)
    .filter((f) => /^kernel-\w+\.blob$/.test(f))
    .map((f) => ({ f, mtime: statSync(join(folder, f)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { f } of blobs.slice(KEEP)) {
    const base = join(folder, f.replace(/\.blob$/, ""));
    for (const ext of [".blob", ".json"]) rmSync(base + ext, { force: true });
  }
}

/**
 * Builds the snapshot for kernels started in `cwd` (synchronously; a few seconds). Returns a reason
 * when it did not (another build holds the lock, or Node failed), or undefined on success.
 */
export function buildSnapshot(tslab: TslabInstall, types: readonly string[], cwd: string, paths = snapshotPaths(tslab, types)): string | undefined {
  mkdirSync(join(paths.blob, ".."), { recursive: true });
  if (!takeLock(paths.lock)) return `another build holds ${paths.lock}`;
  const partial = { blob: `${paths.blob}.${process.pid}.partial`, meta: `${paths.meta}.${process.pid}.partial` };
  try {
    const built = spawnSync(process.execPath, ["--snapshot-blob", partial.blob, "--build-snapshot", ENTRY], {
      cwd,
      env: {
        ...process.env,
        D2L_SNAPSHOT_TS: tslab.typescriptFile,
        D2L_SNAPSHOT_TSLAB: tslab.dist,
        D2L_SNAPSHOT_CWD: cwd,
        D2L_SNAPSHOT_TYPES: types.join(","),
        D2L_SNAPSHOT_META: partial.meta,
      },
      encoding: "utf8",
    });
    if (built.error) return `node --build-snapshot could not start in ${cwd}: ${built.error.message}`;
    if (built.status !== 0) return `node --build-snapshot failed (status ${built.status}): ${built.stderr.trim().split("\n").slice(-3).join(" | ")}`;
    renameSync(partial.meta, paths.meta);
    renameSync(partial.blob, paths.blob);
    pruneOld(join(paths.blob, ".."));
    return undefined;
  } finally {
    for (const f of [partial.blob, partial.meta, paths.lock]) rmSync(f, { force: true });
  }
}

/** Starts `d2l-tslab snapshot` for `cwd` in the background, detached, at low priority. */
export function buildSnapshotInBackground(launcher: string, cwd: string): void {
  const child = spawn(process.execPath, [launcher, "snapshot", "--cwd", cwd], { detached: true, stdio: "ignore" });
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, 10);
    } catch {
      // Not allowed here: it runs at normal priority.
    }
  }
  child.unref();
}

/**
 * Runs the kernel in a child process started from the snapshot, and mirrors it: signals that
 * Jupyter sends this process (interrupt, terminate) go to the child, the child's exit is this
 * process's exit, and the child ends when this process dies (its IPC channel closes).
 */
export function runFromSnapshotInChild(paths: SnapshotPaths, args: readonly string[]): void {
  const child = spawn(process.execPath, ["--snapshot-blob", paths.blob, ...args], { stdio: ["inherit", "inherit", "inherit", "ipc"] });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code) => process.exit(code ?? 1));
}

/** In the child: exit when the launcher that started it is gone; never keep the process alive. */
export function followParent(): void {
  if (!process.channel) return;
  process.on("disconnect", () => process.exit(0));
  process.channel.unref();
}
