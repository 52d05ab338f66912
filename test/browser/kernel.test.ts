/**
 * tslab's completion and inspection in the real JupyterLab, through the kernel `npm start`
 * registers (tslab started by d2l-ts's launcher, d2l-tslab): completion (Tab's command) offers
 * `maskedSoftmax` for `d2l.maskedSo`, inspection (Shift+Tab's) shows its signature and documentation.
 */
import fs from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { launchBrowser } from "./browser";
import { ARTIFACTS, ensureBuilt, type LabServer, startLabServer } from "./lab-server";
import { openNotebook, runAllCells } from "./notebook-page";

let lab: LabServer;
let browser: { context: BrowserContext; close: () => Promise<void> };

beforeAll(async () => {
  ensureBuilt();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  lab = await startLabServer({ name: "kernel", fixtures: ["heatmap.ipynb"] });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
});

/** Waits until the active cell's editor has the keyboard focus. */
async function focusedEditor(page: Page): Promise<void> {
  await page.waitForFunction(() => document.activeElement?.closest(".jp-Cell.jp-mod-active .jp-Editor") != null, null, { timeout: 30_000 });
}

describe("the tslab kernel in JupyterLab", () => {
  it("completes d2l.maskedSo (Tab) and shows maskedSoftmax's documentation (Shift+Tab)", async () => {
    const page = await browser.context.newPage();
    await openNotebook(page, lab, "heatmap.ipynb");
    await runAllCells(page); // the notebook imports d2l-ts
    await page.evaluate(async () => {
      const app = (window as unknown as { jupyterapp: any }).jupyterapp;
      await app.commands.execute("notebook:insert-cell-below");
      const cell = app.shell.currentWidget.content.activeCell;
      cell.model.sharedModel.setSource("d2l.maskedSo");
      await app.commands.execute("notebook:enter-edit-mode");
      cell.editor.setCursorPosition({ line: 0, column: "d2l.maskedSo".length });
      cell.editor.focus();
    });
    await focusedEditor(page);
    // What Tab runs in a cell editor (the key itself races with the editor taking focus under load).
    await page.evaluate(() => (window as unknown as { jupyterapp: any }).jupyterapp.commands.execute("completer:invoke-notebook"));
    const item = await page.waitForSelector(".jp-Completer-item[data-value='maskedSoftmax']", { timeout: 30_000 });
    expect(await item.textContent()).toContain("maskedSoftmax");
    await page.screenshot({ path: path.join(ARTIFACTS, "completion.png") });
    await page.keyboard.press("Escape");
    await page.evaluate(() => {
      const cell = (window as unknown as { jupyterapp: any }).jupyterapp.shell.currentWidget.content.activeCell;
      cell.model.sharedModel.setSource("d2l.maskedSoftmax");
      cell.editor.setCursorPosition({ line: 0, column: "d2l.maskedSoftmax".length });
      cell.editor.focus();
    });
    await focusedEditor(page);
    // What Shift+Tab runs in a cell editor.
    await page.evaluate(() => (window as unknown as { jupyterapp: any }).jupyterapp.commands.execute("tooltip:launch-notebook"));
    const tooltip = await page.waitForSelector(".jp-Tooltip", { timeout: 30_000 });
    const text = (await tooltip.textContent()) ?? "";
    await page.screenshot({ path: path.join(ARTIFACTS, "inspection.png") });
    expect(text).toMatch(/maskedSoftmax\(/);
    expect(text).toMatch(/section 11\.3/);
    await page.evaluate(() => (window as unknown as { jupyterapp: any }).jupyterapp.serviceManager.sessions.shutdownAll());
    await page.close();
  });
});
