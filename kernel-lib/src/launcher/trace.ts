/**
 * Phase timestamps of one kernel process, for measuring where a notebook's seconds go
 * (bench/notebook-phases.mjs, docs/benchmarks.md). Off unless D2L_KERNEL_TRACE names a file; then
 * each event is one JSON line appended to it: `{"pid", "event", "t"` (wall clock, ms since the
 * epoch) `, "cpu"` (ms of CPU this process used so far) `, ...details}`. Written synchronously to
 * the file because tslab redirects the process's stdout and stderr to the notebook while a cell runs.
 */
import { appendFileSync } from "node:fs";

export interface Trace {
  /** Records `event` now, with optional details. */
  mark(event: string, details?: Record<string, unknown>): void;
  readonly enabled: boolean;
}

const off: Trace = { mark: () => {}, enabled: false };

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 100) / 10;
}

/** The trace of this process: writing to `file`, or doing nothing when `file` is empty. */
export function createTrace(file: string | undefined): Trace {
  if (!file) return off;
  const write = (line: Record<string, unknown>): void => appendFileSync(file, JSON.stringify(line) + "\n");
  // The process began before any of this code ran: its first event is the process's own start.
  write({ pid: process.pid, event: "process start", t: performance.timeOrigin, cpu: 0 });
  return {
    enabled: true,
    mark(event, details) {
      write({ pid: process.pid, event, t: Math.round((performance.timeOrigin + performance.now()) * 10) / 10, cpu: cpuMs(), ...details });
    },
  };
}
