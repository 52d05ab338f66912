/**
 * Errors that happen after the cell that caused them has finished, e.g. in training started by
 * an un-awaited `trainer.fit(...)`. tslab catches such late rejections and prints them to the
 * stderr of whichever cell ran last, which front ends that stop listening once a cell is done
 * (nbclient, and any cell whose output was cleared) drop: the error is lost.
 *
 * `lateErrorWriter()`, called while the causing cell runs, returns a writer bound to that cell:
 * what it writes arrives as that cell's stderr (JupyterLab keeps listening to a finished cell,
 * so the error shows under it), and also on the kernel process's own stderr (the terminal or log
 * of the Jupyter server), which nothing drops.
 */
import { writeSync } from "node:fs";
import { detectKernel } from "./publish";

/** Writes text as the stderr of the cell that was running when the writer was made. */
export type LateErrorWriter = (text: string) => void;

/**
 * In tslab, a writer bound to the running cell (and the kernel's own stderr); null elsewhere,
 * where an unhandled rejection already reaches the user (plain Node prints it and exits).
 */
export function lateErrorWriter(): LateErrorWriter | null {
  if (detectKernel() !== "tslab") return null;
  const cellWrite = cellStderrWriter();
  return (text: string) => {
    try {
      cellWrite(text);
    } finally {
      try {
        writeSync(2, text);
      } catch {
        // No usable stderr for the kernel process: the cell's copy is all there is.
      }
    }
  };
}

/**
 * A writer of the running cell's stderr, for warnings that may come after the cell is done
 * (training started by an un-awaited `trainer.fit(...)`). In tslab it stays bound to this cell;
 * elsewhere it writes to stderr through `console.warn` (Deno's kernel shows that as the running
 * cell's stderr, plain Node as the process's).
 */
export function cellStderrWriter(): LateErrorWriter {
  if (detectKernel() !== "tslab") return (text: string) => console.warn(text.replace(/\n$/, ""));
  // tslab replaces process.stderr.write for every cell it runs; the one in place now writes to
  // this cell's output.
  const cellWrite = process.stderr.write;
  return (text: string) => {
    cellWrite.call(process.stderr, text);
  };
}
