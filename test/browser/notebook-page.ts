/**
 * Opening and running a notebook in the real JupyterLab, and reading the plotly figures the
 * extension drew. Uses `window.jupyterapp` (the server runs with expose_app_in_browser).
 */
import type { Page } from "playwright-core";

import type { LabServer } from "./lab-server";

/** What a test reads from one drawn plotly figure (its graph div). */
export interface DrawnFigure {
  traces: Array<{ type: string; rows: number | null; cols: number | null; points: number | null; name: string }>;
  colorbars: number;
  paperColor: string;
  fontColor: string;
  width: number;
}

/** Opens `name` in a fresh workspace and waits for its kernel (tslab) to be idle. */
export async function openNotebook(page: Page, lab: LabServer, name: string): Promise<void> {
  await page.goto(`${lab.url}/lab/tree/${encodeURIComponent(name)}?reset&token=${lab.token}`);
  await page.waitForSelector(".jp-NotebookPanel", { timeout: 30_000 });
  await page.waitForFunction(
    (notebook) => {
      const app = (window as unknown as { jupyterapp?: any }).jupyterapp;
      const widget = app?.shell.currentWidget;
      return (
        widget?.context?.path === notebook &&
        widget.sessionContext?.session?.kernel?.name === "tslab" &&
        widget.sessionContext.session.kernel.status === "idle"
      );
    },
    name,
    { timeout: 60_000 },
  );
}

/** Runs every cell (Run All) and resolves when the last one has finished. */
export async function runAllCells(page: Page): Promise<void> {
  await page.evaluate(() =>
    (window as unknown as { jupyterapp: any }).jupyterapp.commands.execute("notebook:run-all-cells"),
  );
  // Run All resolves once the cells are queued in some versions; wait for the kernel too.
  await page.waitForFunction(
    () => {
      const widget = (window as unknown as { jupyterapp: any }).jupyterapp.shell.currentWidget;
      const cells = widget.content.widgets as Array<{ model: { type: string; executionCount: number | null } }>;
      return (
        widget.sessionContext.session.kernel.status === "idle" &&
        cells.every((cell) => cell.model.type !== "code" || cell.model.executionCount !== null)
      );
    },
    null,
    { timeout: 90_000, polling: 250 },
  );
}

/** The text of every stderr output (tslab reports type errors and exceptions there). */
export async function stderrOutputs(page: Page): Promise<string[]> {
  return page.$$eval('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]', (nodes) =>
    nodes.map((n) => n.textContent ?? ""),
  );
}

/** The plotly figures drawn by jupyterlab-d2l-ts in the current notebook, in output order. */
export async function drawnFigures(page: Page): Promise<DrawnFigure[]> {
  return page.$$eval(".jp-D2lFigure .js-plotly-plot", (nodes) =>
    nodes.map((node) => {
      const gd = node as unknown as {
        data: Array<{ type: string; z?: number[][]; x?: number[]; name?: string }>;
        _fullLayout: { paper_bgcolor: string; font: { color: string }; width: number };
      };
      return {
        traces: gd.data.map((t) => ({
          type: t.type,
          rows: t.z ? t.z.length : null,
          cols: t.z ? t.z[0].length : null,
          points: t.x ? t.x.length : null,
          name: t.name ?? "",
        })),
        colorbars: node.querySelectorAll(".colorbar").length,
        paperColor: gd._fullLayout.paper_bgcolor,
        fontColor: gd._fullLayout.font.color,
        width: gd._fullLayout.width,
      };
    }),
  );
}

/**
 * Moves the mouse over cell (query i, key j) of panel `panel` of figure `figure` and returns
 * the hover box's text.
 */
export async function hoverCell(page: Page, figure: number, panel: number, i: number, j: number): Promise<string> {
  const plot = page.locator(".jp-D2lFigure .js-plotly-plot").nth(figure);
  // The panel itself into view (a tall figure may have it outside the window).
  const subplot = panel === 0 ? "xy" : `x${panel + 1}y${panel + 1}`;
  await plot.locator(`.draglayer .${subplot} .nsewdrag`).first().scrollIntoViewIfNeeded({ timeout: 10_000 });
  // Start from outside every figure, so the hover box read below is the one for this cell.
  await page.mouse.move(1, 1);
  await page.locator(".jp-D2lFigure .hoverlayer .hovertext").first().waitFor({ state: "detached", timeout: 10_000 });
  const point = await page.$$eval(
    ".jp-D2lFigure .js-plotly-plot",
    (nodes, [f, p, row, col]) => {
      const gd = nodes[f] as unknown as { _fullLayout: Record<string, any>; getBoundingClientRect(): DOMRect };
      const suffix = p === 0 ? "" : String(p + 1);
      const xa = gd._fullLayout[`xaxis${suffix}`];
      const ya = gd._fullLayout[`yaxis${suffix}`];
      const box = gd.getBoundingClientRect();
      return { x: box.left + xa._offset + xa.l2p(col), y: box.top + ya._offset + ya.l2p(row) };
    },
    [figure, panel, i, j] as const,
  );
  await page.mouse.move(point.x, point.y);
  const hover = plot.locator(".hoverlayer .hovertext");
  await hover.first().waitFor({ timeout: 10_000 });
  return (await hover.first().textContent()) ?? "";
}

/** Relative luminance (0 black … 1 white) of a CSS colour as plotly reports it. */
export function luminance(color: string): number {
  const named: Record<string, [number, number, number]> = { white: [255, 255, 255], black: [0, 0, 0] };
  let rgb = named[color.trim().toLowerCase()];
  if (!rgb) {
    const short = color.match(/^#([0-9a-f])([0-9a-f])([0-9a-f])$/i);
    const hex = short ? [color, short.slice(1).map((c) => c + c).join("")] : color.match(/^#([0-9a-f]{6})$/i);
    const fn = color.match(/rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i);
    if (hex) rgb = [0, 2, 4].map((k) => parseInt(hex[1].slice(k, k + 2), 16)) as [number, number, number];
    else if (fn) rgb = [Number(fn[1]), Number(fn[2]), Number(fn[3])];
    else throw new Error(`cannot read the colour ${color}`);
  }
  return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
}
