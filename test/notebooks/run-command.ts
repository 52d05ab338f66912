/** Runs a command from the repository's root and collects its exit code and output (never rejects). */
import { execFile } from "node:child_process";
import { REPO_ROOT } from "./execute-notebook";

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCommand(command: string, args: string[], timeoutMs: number): Promise<CommandRun> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr + (error && code === 1 && !stderr ? error.message : "") });
      },
    );
  });
}
