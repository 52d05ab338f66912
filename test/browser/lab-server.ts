/**
 * Starts the JupyterLab of `npm start` for a test run: the same frontend and server app, on a
 * free 127.0.0.1 port, a fresh token, fresh settings and workspaces, and a notebooks folder
 * holding the fixtures. `stop()` shuts the kernels down and ends the server.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");
export const ARTIFACTS = path.join(ROOT, "test", "artifacts", "browser");
const FIXTURES = path.join(__dirname, "fixtures");

export interface LabServer {
  url: string;
  token: string;
  /** Folder the server serves (under the repository, so `d2l-ts` resolves from node_modules). */
  notebooksDir: string;
  log: () => string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Builds the extension and the frontend if their inputs changed (both skip themselves otherwise). */
export function ensureBuilt(): void {
  for (const script of ["extension/build.js", "jupyterlab-app/build.js"]) {
    execFileSync(process.execPath, [script], { cwd: ROOT, stdio: "pipe", timeout: 300_000 });
  }
}

export interface LabServerOptions {
  /** Folder under test/artifacts/browser/ for the notebooks and state (default "run"). */
  name?: string;
  /** Fixture notebooks to serve (default: all of test/browser/fixtures). */
  fixtures?: string[];
  /** Python that runs the server (start.sh's D2L_LAB_PYTHON; default Debian's). */
  python?: string;
  /** Further server arguments. */
  serverArgs?: string[];
}

export async function startLabServer(options: LabServerOptions = {}): Promise<LabServer> {
  const runDir = path.join(ARTIFACTS, options.name ?? "run");
  fs.rmSync(runDir, { recursive: true, force: true });
  const notebooksDir = path.join(runDir, "notebooks");
  const stateDir = path.join(runDir, "state");
  fs.mkdirSync(notebooksDir, { recursive: true });
  for (const file of options.fixtures ?? fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, file), path.join(notebooksDir, file));

  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  // The server of `npm start` (scripts/start.sh), on a fresh folder and state, without its
  // set-up step (ensureBuilt builds what the tests use).
  const serverArgs = ["--D2lLab.expose_app_in_browser=True", ...(options.serverArgs ?? [])];
  const child: ChildProcess = spawn("bash", [path.join(ROOT, "scripts", "start.sh"), ...serverArgs], {
    cwd: ROOT,
    env: {
      ...process.env,
      D2L_SKIP_SETUP: "1",
      D2L_LAB_PORT: String(port),
      D2L_LAB_TOKEN: token,
      D2L_LAB_ROOT: notebooksDir,
      D2L_LAB_STATE_DIR: stateDir,
      ...(options.python === undefined ? {} : { D2L_LAB_PYTHON: options.python }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const api = (route: string, init?: RequestInit) =>
    fetch(`${url}${route}`, { ...init, headers: { Authorization: `token ${token}` } });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`JupyterLab exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await api("/api/status")).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`JupyterLab did not answer within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const stop = async () => {
    try {
      const sessions = (await (await api("/api/sessions")).json()) as Array<{ id: string }>;
      await Promise.all(sessions.map((s) => api(`/api/sessions/${s.id}`, { method: "DELETE" })));
    } catch {
      // the server may already be gone
    }
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
  };
  return { url, token, notebooksDir, log: () => output, stop };
}
