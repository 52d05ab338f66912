/**
 * jupyterlab-d2l-ts in a real JupyterLab: notebooks run with the tslab kernel, figures drawn
 * by plotly in Debian's Chromium. Screenshots go to test/artifacts/browser/.
 */
import fs from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { launchBrowser, watchPage } from "./browser";
import { ARTIFACTS, ensureBuilt, type LabServer, startLabServer } from "./lab-server";
import { drawnFigures, hoverCell, luminance, openNotebook, runAllCells, stderrOutputs } from "./notebook-page";

let lab: LabServer;
let browser: { context: BrowserContext; close: () => Promise<void> };

beforeAll(async () => {
  ensureBuilt();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  lab = await startLabServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
});

async function newPage(): Promise<{ page: Page; watch: ReturnType<typeof watchPage> }> {
  const page = await browser.context.newPage();
  return { page, watch: watchPage(page) };
}

async function screenshot(page: Page, name: string): Promise<void> {
  // Theme changes show JupyterLab's splash for a moment; take the picture after it.
  await page.waitForSelector("#jupyterlab-splash", { state: "detached", timeout: 15_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

async function shutDownKernels(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as { jupyterapp: any }).jupyterapp.serviceManager.sessions.shutdownAll());
}

describe("jupyterlab-d2l-ts in JupyterLab", () => {
  it("is loaded as a prebuilt extension, plotly only after the first figure", async () => {
    const { page } = await newPage();
    const extensionBytes: Record<string, number> = {};
    const allBytes: Record<string, number> = {};
    page.on("response", async (response) => {
      const url = new URL(response.url());
      if (url.pathname.startsWith("/api/")) return; // contents and kernel traffic, not code
      const body = await response.body().catch(() => Buffer.alloc(0));
      allBytes[url.pathname] = body.length;
      if (url.pathname.startsWith("/lab/extensions/jupyterlab-d2l-ts/")) extensionBytes[url.pathname] = body.length;
    });
    await openNotebook(page, lab, "heatmap.ipynb");
    const config = await page.evaluate(() => {
      const el = document.getElementById("jupyter-config-data");
      return JSON.parse(el?.textContent ?? "{}") as { federated_extensions: Array<{ name: string }> };
    });
    expect(config.federated_extensions.map((e) => e.name)).toContain("jupyterlab-d2l-ts");
    expect(await page.evaluate(() => (window as any).jupyterapp.hasPlugin("jupyterlab-d2l-ts:theme"))).toBe(true);

    const beforeFigure = { ...extensionBytes };
    const startBytes = Object.values(allBytes).reduce((a, b) => a + b, 0);
    await runAllCells(page);
    await page.waitForSelector(".jp-D2lFigure .js-plotly-plot", { timeout: 30_000 });
    const plotlyChunks = Object.keys(extensionBytes).filter((p) => !(p in beforeFigure) && extensionBytes[p] > 1_000_000);
    expect(plotlyChunks).toHaveLength(1); // plotly arrives with the first figure, not at start
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    fs.writeFileSync(
      path.join(ARTIFACTS, "extension-bytes.json"),
      JSON.stringify(
        { jupyterLabStart: startBytes, beforeFirstFigure: sum(beforeFigure), files: beforeFigure, withFirstFigure: sum(extensionBytes) },
        null,
        2,
      ),
    );
    await shutDownKernels(page);
    await page.close();
  });

  it("draws section 11.1's heatmap with plotly: 10×10 cells, a colour bar, hover with query, key and weight", async () => {
    const { page, watch } = await newPage();
    await openNotebook(page, lab, "heatmap.ipynb");
    await runAllCells(page);
    await page.waitForSelector(".jp-D2lFigure .js-plotly-plot", { timeout: 30_000 });
    expect(await stderrOutputs(page)).toEqual([]);

    const [figure, ...others] = await drawnFigures(page);
    expect(others).toHaveLength(0);
    expect(figure.traces).toEqual([{ type: "heatmap", rows: 10, cols: 10, points: null, name: "panel 0,0" }]);
    expect(figure.colorbars).toBe(1);
    // The interactive figure replaced the SVG fallback of the same bundle.
    expect(await page.locator(".jp-OutputArea-output img, .jp-RenderedSVG").count()).toBe(0);

    const diagonal = await hoverCell(page, 0, 0, 3, 3);
    expect(diagonal).toContain("query 3");
    expect(diagonal).toContain("key 3");
    expect(diagonal).toContain("weight 1");
    const offDiagonal = await hoverCell(page, 0, 0, 2, 7);
    expect(offDiagonal).toMatch(/query 2.*key 7.*weight 0(?!\.)/s);
    await screenshot(page, "heatmap-hover");

    // Clearing the output disposes the renderer, which purges plotly's state from its node.
    await page.evaluate(() => {
      (window as any).drawnNode = document.querySelector(".jp-D2lFigure .js-plotly-plot");
      return (window as any).jupyterapp.commands.execute("notebook:clear-all-cell-outputs");
    });
    await page.waitForFunction(() => {
      const node = (window as any).drawnNode;
      return !node.isConnected && node._fullLayout === undefined && node.data === undefined;
    }, null, { timeout: 10_000 });
    expect(watch.errors.filter((e) => !e.includes("debugger"))).toEqual([]);
    await shutDownKernels(page);
    await page.close();
  });

  it("draws a grid with one colour bar, titles, and token labels shown as text, and follows the dark theme", async () => {
    const { page, watch } = await newPage();
    await openNotebook(page, lab, "heatmap-grid.ipynb");
    await runAllCells(page);
    await page.waitForSelector(".jp-D2lFigure .js-plotly-plot", { timeout: 30_000 });
    expect(await stderrOutputs(page)).toEqual([]);

    const [light] = await drawnFigures(page);
    expect(light.traces.map((t) => [t.type, t.rows, t.cols])).toEqual(Array(6).fill(["heatmap", 4, 6]));
    expect(light.colorbars).toBe(1);
    const titles = await page.locator(".jp-D2lFigure .annotation-text").allTextContents();
    expect(titles.filter((t) => t.startsWith("Head"))).toEqual(["Head 1", "Head 2", "Head 3", "Head 1", "Head 2", "Head 3"]);
    // `<b>on</b>` is a token: it is shown literally, not turned into bold markup.
    const hover = await hoverCell(page, 0, 4, 1, 4);
    expect(hover).toContain("key 4: <b>on</b>");
    expect(hover).toContain("query 1: chatte");
    expect(luminance(light.paperColor)).toBeGreaterThan(0.8);
    await screenshot(page, "heatmap-grid-light");

    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute("apputils:change-theme", { theme: "JupyterLab Dark" }),
    );
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === "false", null, { timeout: 20_000 });
    await expect
      .poll(async () => luminance((await drawnFigures(page))[0].paperColor), { timeout: 10_000 })
      .toBeLessThan(0.25);
    const [dark] = await drawnFigures(page);
    expect(luminance(dark.fontColor)).toBeGreaterThan(0.6);
    expect(dark.traces).toHaveLength(6); // redrawn in place, same figure
    await screenshot(page, "heatmap-grid-dark");
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute("apputils:change-theme", { theme: "JupyterLab Light" }),
    );
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === "true", null, { timeout: 20_000 });
    expect(watch.dialogs).toEqual([]);
    await shutDownKernels(page);
    await page.close();
  });

  it("shows NaN and infinite cells as hatched gaps hovering NaN / +Infinity / -Infinity, and all-NaN as empty axes with a note", async () => {
    const { page, watch } = await newPage();
    await openNotebook(page, lab, "nonfinite.ipynb");
    await runAllCells(page);
    await expect.poll(async () => (await drawnFigures(page)).length, { timeout: 30_000 }).toBe(3);
    expect(await stderrOutputs(page)).toEqual([]);
    const [partial, allNaN, curve] = await drawnFigures(page);
    // The cells, and the hatched overlay of the 3 missing ones; one colour bar for the finite values.
    expect(partial.traces.map((t) => [t.type, t.rows, t.cols])).toEqual([["heatmap", 3, 3], ["scatter", null, null]]);
    expect(partial.colorbars).toBe(1);
    expect(await hoverCell(page, 0, 0, 0, 1)).toMatch(/query 0\s*key 1\s*weight NaN/);
    expect(await hoverCell(page, 0, 0, 1, 0)).toMatch(/query 1\s*key 0\s*weight \+Infinity/);
    expect(await hoverCell(page, 0, 0, 2, 1)).toMatch(/query 2\s*key 1\s*weight -Infinity/);
    expect(await hoverCell(page, 0, 0, 1, 1)).toMatch(/query 1\s*key 1\s*weight 0\.5/);
    // The hatch is drawn: plotly renders the overlay's fill pattern.
    expect(await page.locator(".jp-D2lFigure").first().locator("pattern").count()).toBeGreaterThan(0);
    await screenshot(page, "heatmap-nonfinite");
    // No finite value: no colour bar, and the note under the figure says why.
    expect(allNaN.colorbars).toBe(0);
    const notes = await page.locator(".jp-D2lFigure-note").allTextContents();
    expect(notes.filter((n) => n !== "")).toEqual(["No finite value to colour: all 9 cells are NaN."]);
    expect(await page.locator(".jp-D2lFigure-note").nth(1).isVisible()).toBe(true);
    // The curve: NaN and +Infinity are gaps in the line; +Infinity is marked on the top edge.
    expect(curve.traces[0].type).toBe("scatter");
    const marks = await page.locator(".jp-D2lFigure").nth(2).locator(".annotation-text").allTextContents();
    expect(marks).toEqual(["▲"]);
    expect(watch.errors.filter((e) => !e.includes("debugger"))).toEqual([]);
    await shutDownKernels(page);
    await page.close();
  });

  it("keeps a live ProgressBoard as one output that ends with every averaged point", async () => {
    const { page } = await newPage();
    await openNotebook(page, lab, "progress.ipynb");
    const outputCounts: number[] = [];
    const pointsWhenMarked: number[] = [];
    // While it runs: count outputs, and mark the first plotly node seen, to find it again at the end.
    const sampler = setInterval(() => {
      void page
        .evaluate(() => {
          const gd = document.querySelector(".jp-D2lFigure .js-plotly-plot") as (HTMLElement & { data?: Array<{ x: number[] }> }) | null;
          let marked: number | null = null;
          if (gd && gd.dataset.firstSeen === undefined) {
            gd.dataset.firstSeen = "yes";
            marked = gd.data?.[0]?.x.length ?? 0;
          }
          return { outputs: document.querySelectorAll(".jp-OutputArea-output").length, marked };
        })
        .then(({ outputs, marked }) => {
          outputCounts.push(outputs);
          if (marked !== null) pointsWhenMarked.push(marked);
        })
        .catch(() => undefined);
    }, 100);
    await runAllCells(page);
    clearInterval(sampler);
    expect(await stderrOutputs(page)).toEqual([]);

    const figures = await drawnFigures(page);
    expect(figures).toHaveLength(1);
    // 40 draws per label averaged every 2: 20 points per curve, in the order first drawn.
    expect(figures[0].traces.map((t) => [t.type, t.name, t.points])).toEqual([
      ["scatter", "sin", 20],
      ["scatter", "cos", 20],
    ]);
    expect(await page.locator(".jp-OutputArea-output").count()).toBe(1);
    expect(Math.max(0, ...outputCounts)).toBeLessThanOrEqual(1); // never more than one output while live
    expect(outputCounts.some((n) => n === 1)).toBe(true); // it was seen while training ran
    // Redrawn in place: the plotly node marked early on (with fewer points) is the final one.
    expect(pointsWhenMarked).toHaveLength(1);
    expect(pointsWhenMarked[0]).toBeLessThan(20);
    expect(await page.locator('.jp-D2lFigure .js-plotly-plot[data-first-seen="yes"]').count()).toBe(1);
    await screenshot(page, "progress-board");
    await shutDownKernels(page);
    await page.close();
  });

  it("shows a malformed bundle as a readable error, with nothing from it run as HTML", async () => {
    const { page, watch } = await newPage();
    await openNotebook(page, lab, "malformed.ipynb");
    await runAllCells(page);
    const error = page.locator(".jp-D2lFigure-error");
    await error.waitFor({ timeout: 30_000 });
    const text = (await error.textContent()) ?? "";
    expect(text).toContain("Cannot draw this d2l-ts figure");
    expect(text).toContain("application/vnd.d2l-ts.heatmap+json");
    expect(text).toMatch(/title|gridCols|values/);
    expect(await page.locator(".jp-D2lFigure img").count()).toBe(0);
    expect(watch.dialogs).toEqual([]);
    await screenshot(page, "malformed-bundle");
    await shutDownKernels(page);
    await page.close();
  });

  it("draws 50×50 and 512×512 heatmaps and records the time from output to first paint", async () => {
    const { page } = await newPage();
    await openNotebook(page, lab, "sizes.ipynb");
    await runAllCells(page);
    await expect.poll(async () => (await drawnFigures(page)).length, { timeout: 30_000 }).toBe(3);
    expect(await stderrOutputs(page)).toEqual([]);
    const figures = await drawnFigures(page);
    expect(figures.map((f) => [f.traces[0].rows, f.traces[0].cols])).toEqual([
      [50, 50],
      [512, 512],
      [50, 50],
    ]);
    const measures = await page.evaluate(() =>
      performance
        .getEntriesByName("jupyterlab-d2l-ts:render")
        .map((e) => ({ start: Math.round(e.startTime), ms: Math.round(e.duration) })),
    );
    expect(measures).toHaveLength(3); // one draw per output
    const [cold50, warm512, warm50] = measures.sort((a, b) => a.start - b.start).map((m) => m.ms);
    fs.writeFileSync(
      path.join(ARTIFACTS, "render-times.json"),
      JSON.stringify(
        { note: "ms from the output reaching the renderer to the frame after Plotly.react", cold50WithPlotlyLoad: cold50, warm512, warm50 },
        null,
        2,
      ),
    );
    // The figure follows the panel's width: a narrower window shrinks it, aspect kept.
    expect(figures[1].width).toBe(600);
    await page.setViewportSize({ width: 760, height: 900 });
    await expect.poll(async () => (await drawnFigures(page))[1].width, { timeout: 10_000 }).toBeLessThan(600);
    // At 512 rows a cell is under a pixel high: the hover may land on a neighbour. Whatever
    // cell it names, its weight must be that cell's value.
    const hover = await hoverCell(page, 1, 0, 300, 200);
    const [, query, key, weight] = hover.match(/query (\d+)\s*key (\d+)\s*weight ([\d.e-]+)/) ?? [];
    expect(Math.abs(Number(query) - 300)).toBeLessThanOrEqual(1);
    expect(Math.abs(Number(key) - 200)).toBeLessThanOrEqual(1);
    const cellValue = await page.$$eval(
      ".jp-D2lFigure .js-plotly-plot",
      (nodes, [i, j]) => (nodes[1] as unknown as { data: Array<{ z: number[][] }> }).data[0].z[i][j],
      [Number(query), Number(key)] as const,
    );
    expect(Number(weight)).toBeCloseTo(cellValue, 3);

    // Zoom: drag a box over keys 100…180 and queries 100…160; the axes then show only those.
    const box = await page.$$eval(".jp-D2lFigure .js-plotly-plot", (nodes) => {
      const gd = nodes[1] as unknown as { _fullLayout: Record<string, any>; getBoundingClientRect(): DOMRect };
      const { xaxis, yaxis } = gd._fullLayout;
      const rect = gd.getBoundingClientRect();
      const at = (i: number, j: number) => ({ x: rect.left + xaxis._offset + xaxis.l2p(j), y: rect.top + yaxis._offset + yaxis.l2p(i) });
      return { from: at(100, 100), to: at(160, 180) };
    });
    await page.mouse.move(box.from.x, box.from.y);
    await page.mouse.down();
    await page.mouse.move(box.to.x, box.to.y, { steps: 8 });
    await page.mouse.up();
    const zoomed = await page.$$eval(".jp-D2lFigure .js-plotly-plot", (nodes) => {
      const { xaxis, yaxis } = (nodes[1] as unknown as { _fullLayout: Record<string, any> })._fullLayout;
      return { x: xaxis.range as number[], y: yaxis.range as number[] };
    });
    expect(zoomed.x[0]).toBeGreaterThan(95);
    expect(zoomed.x[1]).toBeLessThan(185);
    expect(Math.max(...zoomed.y)).toBeLessThan(200); // scaleanchor keeps cells square, so y may widen
    expect(Math.min(...zoomed.y)).toBeGreaterThan(60);
    await screenshot(page, "heatmap-512-zoomed");
    await screenshot(page, "heatmap-512");
    await shutDownKernels(page);
    await page.close();
  });
});
