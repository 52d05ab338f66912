/** What the kernel's start-up snapshot (snapshot-entry.ts) holds and records. */
import type * as TS from "@tslab/typescript-for-tslab";

/** The heap's state a kernel started from the snapshot receives (main.ts `runFromSnapshot`). */
export interface SnapshotState {
  readonly ts: typeof TS;
  readonly typescriptFile: string;
  readonly declarations: Map<string, { text: string; sourceFile: TS.SourceFile }>;
}

/** Entry in the snapshot's metadata: a file the snapshot parsed, as it was on disk. */
export interface SnapshotFile {
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
}
