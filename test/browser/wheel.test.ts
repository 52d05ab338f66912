/**
 * The extension as a Python package: the wheel that scripts/setup.d/60-wheel.sh builds, installed
 * with the README's `pip install` line (verbatim, offline) into a fresh virtual environment, is
 * what a JupyterLab running on that environment's Python loads. `npm start`'s server runs on that
 * Python without this repository's copy of the extension (--D2lLab.repo_extension=False), so it
 * finds prebuilt extensions only in the Jupyter data folders, as a pip-installed JupyterLab does;
 * Chromium then runs a heatmap notebook and reads the plotly figure.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { activatedEnv, createVenv, documentedCommands, runDocumented } from "../install/documented-commands";
import { launchBrowser, watchPage } from "./browser";
import { ARTIFACTS, ROOT, ensureBuilt, type LabServer, startLabServer } from "./lab-server";
import { drawnFigures, openNotebook, runAllCells, stderrOutputs } from "./notebook-page";

let venv: string;
let lab: LabServer;
let browser: { context: BrowserContext; close: () => Promise<void> };

/** Where the venv's Python finds jupyterlab-d2l-ts among the standard labextensions folders. */
function installedExtension(python: string): { ext_path: string; version: string; install?: { packageName: string } } {
  const script = [
    "import json",
    "from jupyter_core.paths import jupyter_path",
    "from jupyterlab_server.config import get_federated_extensions",
    "print(json.dumps(get_federated_extensions(jupyter_path('labextensions')).get('jupyterlab-d2l-ts')))",
  ].join("\n");
  return JSON.parse(execFileSync(python, ["-c", script], { encoding: "utf8" })) as ReturnType<typeof installedExtension>;
}

beforeAll(async () => {
  ensureBuilt();
  execFileSync("bash", [path.join(ROOT, "scripts", "setup.d", "60-wheel.sh")], { cwd: ROOT, stdio: "pipe", timeout: 120_000 });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  venv = fs.mkdtempSync(path.join(os.tmpdir(), "d2l-ts-lab-venv-"));
  createVenv(venv, true);
  // PIP_NO_INDEX: pip must install the wheel from the file alone, without any package index.
  runDocumented(documentedCommands("install-extension"), os.tmpdir(), activatedEnv(venv, { D2L_TS: ROOT, PIP_NO_INDEX: "1" }));
  lab = await startLabServer({
    name: "wheel",
    fixtures: ["heatmap.ipynb"],
    python: path.join(venv, "bin", "python"),
    serverArgs: ["--D2lLab.repo_extension=False"],
  });
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  if (venv) fs.rmSync(venv, { recursive: true, force: true });
});

describe("jupyterlab_d2l_ts installed from its wheel", () => {
  it("puts the prebuilt extension and install.json in the environment's share/jupyter/labextensions", () => {
    const found = installedExtension(path.join(venv, "bin", "python"));
    expect(found.ext_path).toBe(path.join(venv, "share", "jupyter", "labextensions", "jupyterlab-d2l-ts"));
    expect(found.install?.packageName).toBe("jupyterlab_d2l_ts");
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, "extension", "package.json"), "utf8")) as { version: string };
    expect(found.version).toBe(version);
  });

  it("is loaded by a JupyterLab on that environment, which draws a heatmap with plotly", async () => {
    const page = await browser.context.newPage();
    const watch = watchPage(page);
    const served: string[] = [];
    page.on("response", (response) => served.push(new URL(response.url()).pathname));
    await openNotebook(page, lab, "heatmap.ipynb");
    const config = await page.evaluate(() => {
      const el = document.getElementById("jupyter-config-data");
      return JSON.parse(el?.textContent ?? "{}") as { federated_extensions: Array<{ name: string }> };
    });
    expect(config.federated_extensions.map((e) => e.name)).toContain("jupyterlab-d2l-ts");
    await runAllCells(page);
    await page.waitForSelector(".jp-D2lFigure .js-plotly-plot", { timeout: 30_000 });
    expect(await stderrOutputs(page)).toEqual([]);
    const [figure] = await drawnFigures(page);
    expect(figure!.traces.filter((t) => t.type === "heatmap").map((t) => [t.rows, t.cols])).toEqual([[10, 10]]);
    expect(figure!.colorbars).toBe(1);
    expect(served.some((p) => /^\/lab\/extensions\/jupyterlab-d2l-ts\/static\/remoteEntry\.\w+\.js$/.test(p))).toBe(true);
    expect(watch.errors.filter((e) => !e.includes("debugger"))).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, "wheel-heatmap.png") });
    await page.evaluate(() => (window as unknown as { jupyterapp: any }).jupyterapp.serviceManager.sessions.shutdownAll());
    await page.close();
  });
});
