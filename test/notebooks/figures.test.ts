/**
 * Figures through the real tslab kernel, executed by nbclient: each figure is ONE display_data
 * with the custom JSON, the SVG fallback and the text summary; a ProgressBoard is one display
 * updated in place during training; the SVG fallbacks render in headless Chromium, in the
 * nbconvert HTML export (through svg_html.py: Debian's nbconvert 6.5 empties inline SVGs) and as
 * images (the way GitHub and VS Code show them).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
// fast-png declares its types only through an `exports` map, which Node10 resolution ignores.
import type * as FastPng from "fast-png/lib/index";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HEATMAP_MIME_TYPE, PLOT_MIME_TYPE, SVG_MIME_TYPE, TEXT_MIME_TYPE, figurePayloadProblems, type PlotPayload,
} from "d2l-ts-figure-contract";
import { DENO_JUPYTER_PATH, PYTHON, REPO_ROOT, codeCells, displaysOf, executeNotebook, type Notebook } from "./execute-notebook";

// Loaded at run time by name: vitest resolves the ES module; the types come from the import above.
const FAST_PNG = "fast-png";
let decode: typeof FastPng.decode;
beforeAll(async () => {
  ({ decode } = (await import(FAST_PNG)) as typeof FastPng);
});

const run = promisify(execFile);
const FIXTURE = path.join(__dirname, "fixtures", "figures.ipynb");
const DENO_FIXTURE = path.join(__dirname, "fixtures", "figures-deno.ipynb");
const OUT = path.join(REPO_ROOT, "test", "artifacts", "figures");
const ALL_MIMES = (custom: string) => [custom, SVG_MIME_TYPE, TEXT_MIME_TYPE].sort();

interface Message {
  cell: number;
  msg_type: "display_data" | "update_display_data";
  display_id: string | null;
  mimes: string[];
}

let messages: Message[];
let executed: Notebook;
let html: string;

/** Executes `fixture` with record_messages.py; returns the display messages and the notebook. */
async function record(fixture: string, name: string, env: NodeJS.ProcessEnv = process.env): Promise<[Message[], Notebook]> {
  const out = path.join(OUT, `${name}.ipynb`);
  const { stdout } = await run(
    PYTHON,
    [path.join(__dirname, "record_messages.py"), fixture, out, path.join(OUT, `${name}.html`)],
    { cwd: REPO_ROOT, maxBuffer: 256 * 1024 * 1024, env },
  );
  return [(JSON.parse(stdout) as { messages: Message[] }).messages, JSON.parse(readFileSync(out, "utf8")) as Notebook];
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  [messages, executed] = await record(FIXTURE, "figures");
  html = readFileSync(path.join(OUT, "figures.html"), "utf8");
}, 240_000);

const HEATMAP_CELLS = [1, 4];
const PLOT_CELL = 2;
const BOARD_CELL = 3;

describe("figures in the tslab kernel", () => {
  it("sends each figure as ONE display_data holding all three MIME types", () => {
    for (const [cell, custom] of [[1, HEATMAP_MIME_TYPE], [PLOT_CELL, PLOT_MIME_TYPE], [4, HEATMAP_MIME_TYPE]] as const) {
      const sent = messages.filter((m) => m.cell === cell);
      expect(sent).toEqual([{ cell, msg_type: "display_data", display_id: null, mimes: ALL_MIMES(custom) }]);
      const outputs = codeCells(executed)[cell].outputs ?? [];
      expect(outputs).toHaveLength(1);
      expect(Object.keys(outputs[0].data ?? {}).sort()).toEqual(ALL_MIMES(custom));
      expect(figurePayloadProblems(custom, outputs[0].data?.[custom])).toEqual([]);
    }
  });

  it("shows a ProgressBoard as one display that training updates in place", () => {
    const sent = messages.filter((m) => m.cell === BOARD_CELL);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    const id = sent[0].display_id;
    expect(id).toMatch(/^d2l-ts-progress-board-\d+$/);
    expect(sent[0].msg_type).toBe("display_data");
    for (const m of sent.slice(1)) {
      expect(m).toEqual({ cell: BOARD_CELL, msg_type: "update_display_data", display_id: id, mimes: ALL_MIMES(PLOT_MIME_TYPE) });
    }
    // nbclient folded every update into the one output, which now holds the final curves.
    const outputs = displaysOf(codeCells(executed)[BOARD_CELL]);
    expect(outputs).toHaveLength(1);
    const payload = outputs[0].data?.[PLOT_MIME_TYPE] as PlotPayload;
    expect(figurePayloadProblems(PLOT_MIME_TYPE, payload)).toEqual([]);
    const series = Object.fromEntries(payload.axes[0].series.map((s) => [s.label, s]));
    expect(Object.keys(series)).toEqual(["train_loss", "val_loss"]);
    expect(series.val_loss.x).toEqual([1, 2, 3]); // one validation point per epoch
    expect(series.train_loss.x.length + series.val_loss.x.length).toBe(sent.length); // one redraw per averaged point
    expect(payload.axes[0].xlabel).toBe("epoch");
    expect(payload.axes[0].xlim).toEqual([0, 3]);
  });

  it("escapes labels in the SVG and in the HTML export", () => {
    const svg = String(codeCells(executed)[4].outputs?.[0].data?.[SVG_MIME_TYPE]);
    expect(svg).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39;");
    expect(svg).not.toContain("<script");
    expect(html).not.toContain("<script>alert(");
  });

  it("runs clean under the project's notebook harness with figure checks", async () => {
    const nb = await executeNotebook(FIXTURE, { checkFigures: true, timeoutSeconds: 180 });
    expect(codeCells(nb).map((c) => displaysOf(c).length)).toEqual([0, 1, 1, 1, 1]);
  }, 240_000);
});

describe("SVG fallbacks in headless Chromium", () => {
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    profile = mkdtempSync(path.join(tmpdir(), "d2l-figures-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  /** Pixels of a PNG screenshot close to `rgb` (within 12 per channel). */
  function countColor(png: Buffer, rgb: [number, number, number]): number {
    const img = decode(png);
    let n = 0;
    for (let k = 0; k < img.width * img.height; k++) {
      const p = k * img.channels;
      if (Math.abs(img.data[p] - rgb[0]) <= 12 && Math.abs(img.data[p + 1] - rgb[1]) <= 12 && Math.abs(img.data[p + 2] - rgb[2]) <= 12) n++;
    }
    return n;
  }

  it("renders every figure in the nbconvert HTML export", async () => {
    const page = await context.newPage();
    await page.goto(`file://${path.join(OUT, "figures.html")}`);
    const images = page.locator(".jp-RenderedSVG img");
    await expect.poll(() => images.count()).toBe(4);
    const kinds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const img = images.nth(i);
      await img.evaluate((e: HTMLImageElement) => e.decode());
      const box = await img.boundingBox();
      expect(box!.width).toBeGreaterThan(150);
      expect(box!.height).toBeGreaterThan(150);
      const shot = await img.screenshot({ path: path.join(OUT, `html-figure-${i}.png`) });
      const darkRed = countColor(shot, [0x67, 0x00, 0x0d]); // the darkest Reds cells
      const blue = countColor(shot, [0x1f, 0x77, 0xb4]); // the first line (C0)
      kinds.push(darkRed > 20 ? "heatmap" : blue > 20 ? "plot" : "blank");
    }
    expect(kinds).toEqual(["heatmap", "plot", "plot", "heatmap"]);
    await page.close();
  });

  it("renders each SVG as an image, the way GitHub and VS Code show it", async () => {
    const page = await context.newPage();
    for (const [k, cell] of [...HEATMAP_CELLS, PLOT_CELL].entries()) {
      const svg = String(codeCells(executed)[cell].outputs?.[0].data?.[SVG_MIME_TYPE]);
      const file = path.join(OUT, `figure-${cell}.svg`);
      writeFileSync(file, svg);
      await page.setContent(`<html><body style="margin:0;background:#fff"><img id="f" src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}"></body></html>`);
      const size = await page.locator("#f").evaluate(async (img: HTMLImageElement) => {
        await img.decode();
        return [img.naturalWidth, img.naturalHeight];
      });
      expect(size[0]).toBeGreaterThan(150);
      expect(size[1]).toBeGreaterThan(150);
      const shot = await page.locator("#f").screenshot({ path: path.join(OUT, `img-figure-${k}.png`) });
      const ink = countColor(shot, [0, 0, 0]);
      expect(ink).toBeGreaterThan(100); // axes, ticks and labels are drawn
    }
    await page.close();
  });
});

describe("figures in Deno's Jupyter kernel (deno npm package)", () => {
  let denoMessages: Message[];
  let denoExecuted: Notebook;

  beforeAll(async () => {
    // scripts/setup.d/40-deno.sh installs Deno and writes its kernelspec (the argv `deno jupyter
    // --install` writes) under build/jupyter, which goes on JUPYTER_PATH: nothing global changes.
    const spec = path.join(DENO_JUPYTER_PATH, "kernels", "deno", "kernel.json");
    if (!existsSync(spec)) throw new Error(`Deno's kernelspec is missing at ${spec}: run bash scripts/setup.d/40-deno.sh`);
    // Deno 2.9.6 queues a cell's outputs for its iopub socket and may send the cell's idle
    // status first (docs/figures.md); record_messages.py collects such late outputs with a fence
    // request, as run_notebook.py does, so every display is filed under its own cell.
    const env = { ...process.env, JUPYTER_PATH: DENO_JUPYTER_PATH };
    [denoMessages, denoExecuted] = await record(DENO_FIXTURE, "figures-deno", env);
  }, 600_000);

  it("routes figures through Deno.jupyter.display", () => {
    expect(codeCells(denoExecuted)[0].outputs?.map((o) => o.text).join("")).toBe("deno\n");
  });

  it("sends the same single-message bundles and one live ProgressBoard display as tslab", () => {
    for (const cell of [1, 2, 4]) {
      expect(denoMessages.filter((m) => m.cell === cell).map((m) => m.msg_type)).toEqual(["display_data"]);
    }
    const board = denoMessages.filter((m) => m.cell === BOARD_CELL);
    expect(board[0].msg_type).toBe("display_data");
    expect(board.slice(1).every((m) => m.msg_type === "update_display_data" && m.display_id === board[0].display_id)).toBe(true);
    expect(board.length).toBeGreaterThanOrEqual(4);
    // Same seed, same code: byte-identical figures in both kernels.
    for (const cell of [1, 2, 3, 4]) {
      const [deno] = displaysOf(codeCells(denoExecuted)[cell]);
      const [tslab] = displaysOf(codeCells(executed)[cell]);
      expect(deno.data).toEqual(tslab.data);
    }
  });

  it("shows a Figure through its [Symbol.for(\"Jupyter.display\")] method", () => {
    // Deno.jupyter.display(figure) formats the object the way Deno shows a cell's last value.
    // (A figure left as the last expression also shows, as an execute_result, but Deno 2.9.6
    // sometimes sends that after the cell's idle status, so nbclient may miss it: docs/figures.md.)
    const outputs = codeCells(denoExecuted)[5].outputs ?? [];
    expect(outputs).toHaveLength(1);
    expect(Object.keys(outputs[0].data ?? {}).sort()).toEqual(ALL_MIMES(HEATMAP_MIME_TYPE));
    expect(figurePayloadProblems(HEATMAP_MIME_TYPE, outputs[0].data?.[HEATMAP_MIME_TYPE])).toEqual([]);
    expect((outputs[0].data?.[HEATMAP_MIME_TYPE] as { cmap: { name: string } }).cmap.name).toBe("Blues");
  });
});
