/**
 * Issue 12: `npm start` takes Jupyter's own flags (`--port`, `--ip`, `--ServerApp.token`, …),
 * which win over its defaults, and prints the URL the server really serves, once it listens.
 * Each case starts the real server of `npm start` (scripts/start.sh without the set-up step).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) child.kill("SIGKILL");
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `npm start`'s server with `args`; resolves with the URL it prints and all it printed. */
function start(args: string[], env: Record<string, string> = {}): Promise<{ url: string; output: () => string }> {
  const state = mkdtempSync(path.join(tmpdir(), "d2l-start-"));
  const child = spawn("bash", [path.join(ROOT, "scripts", "start.sh"), ...args], {
    cwd: ROOT,
    env: { ...process.env, D2L_SKIP_SETUP: "1", D2L_LAB_STATE_DIR: state, D2L_LAB_ROOT: path.join(ROOT, "notebooks"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /==> JupyterLab: (http:\/\/\S+?)(\x1b\[0m|\s)/.exec(output);
      if (match) resolve({ url: match[1], output: () => output });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`the server exited (${code}) before printing its URL:\n${output}`)));
  });
}

/** GET `url` (the printed one, with its token) and the server's status API with the same token. */
async function answers(url: string): Promise<{ page: number; api: number }> {
  const parsed = new URL(url);
  const page = (await fetch(url, { redirect: "manual" })).status;
  const api = (await fetch(`${parsed.origin}/api/status?token=${parsed.searchParams.get("token")}`)).status;
  return { page, api };
}

describe("npm start with Jupyter's flags", () => {
  it("--port=N serves on N and prints that URL, with a token that works", async () => {
    const port = await freePort();
    const { url, output } = await start([`--port=${port}`]);
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/lab\\?token=[0-9a-f]{48}$`));
    expect(await answers(url)).toEqual({ page: 200, api: 200 });
    // New notebooks get the TypeScript kernel (JupyterLab's launcher and "New Notebook" read this default).
    const specs = (await (await fetch(`http://127.0.0.1:${port}/api/kernelspecs?${new URL(url).searchParams}`)).json()) as { default: string; kernelspecs: Record<string, unknown> };
    expect(specs.default).toBe("tslab");
    expect(Object.keys(specs.kernelspecs)).toContain("tslab");
    expect(output().match(/==> JupyterLab:/g)).toHaveLength(1);
    expect(output()).not.toMatch(/Bad config|only accepts one value/);
  }, 120_000);

  it("--port N on a busy port: the printed URL is the port the server moved to, read from the server", async () => {
    const busy = net.createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => busy.once("listening", resolve));
    const taken = (busy.address() as net.AddressInfo).port;
    try {
      const { url } = await start(["--port", String(taken)]);
      const served = Number(new URL(url).port);
      expect(served).not.toBe(taken);
      expect(await answers(url)).toEqual({ page: 200, api: 200 });
    } finally {
      busy.close();
    }
  }, 120_000);

  it("--ip and --ServerApp.token win over the defaults; D2L_LAB_PORT still chooses the port", async () => {
    const port = await freePort();
    const { url } = await start(["--ip=127.0.0.1", "--ServerApp.token=s3cret", "--ServerApp.log_level=ERROR"], { D2L_LAB_PORT: String(port), D2L_LAB_TOKEN: "ignored" });
    expect(url).toBe(`http://127.0.0.1:${port}/lab?token=s3cret`);
    expect(await answers(url)).toEqual({ page: 200, api: 200 });
    expect((await fetch(`http://127.0.0.1:${port}/api/status?token=ignored`)).status).toBe(403);
  }, 120_000);

  it("adds each default only where no spelling of the user's flags sets it", () => {
    const script = [
      "import json, sys",
      `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, "jupyterlab-app"))})`,
      "from d2l_lab import with_defaults",
      "env = {'D2L_LAB_PORT': '8999', 'D2L_LAB_TOKEN': 't'}",
      "print(json.dumps([with_defaults(a, env) for a in (['--port', '9000'], ['--ServerApp.ip=0.0.0.0', '--no-browser'], [], ['--MappingKernelManager.default_kernel_name=python3'])]))",
    ].join("\n");
    const [portGiven, ipGiven, none, kernelGiven] = JSON.parse(execFileSync("/usr/bin/python3", ["-c", script], { encoding: "utf8" })) as string[][];
    expect(portGiven.some((a) => a.startsWith("--ServerApp.port"))).toBe(false); // neither the port nor its retries
    expect(portGiven.slice(-2)).toEqual(["--port", "9000"]);
    expect(ipGiven.some((a) => a.startsWith("--ServerApp.ip=127"))).toBe(false);
    expect(ipGiven.some((a) => a.startsWith("--ServerApp.open_browser"))).toBe(false);
    expect(none).toEqual(expect.arrayContaining(["--ServerApp.ip=127.0.0.1", "--ServerApp.port=8999", "--ServerApp.port_retries=0", "--ServerApp.token=t", "--MappingKernelManager.default_kernel_name=tslab"]));
    expect(kernelGiven.filter((a) => a.includes("default_kernel_name"))).toEqual(["--MappingKernelManager.default_kernel_name=python3"]);
  });
});
