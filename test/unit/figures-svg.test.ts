/**
 * The SVG fallback: well-formed XML, every label escaped, deterministic, bounded in size, and
 * its raster really holds the colour-mapped values.
 */
// fast-png declares its types only through an `exports` map, which Node10 resolution ignores.
import type * as FastPng from "fast-png/lib/index";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSvg, texts } from "./svg-parse";
import {
  HEATMAP_MIME_TYPE, PLOT_MIME_TYPE, SVG_MIME_TYPE, TEXT_MIME_TYPE, heatmapPayloadProblems, plotPayloadProblems,
} from "d2l-ts-figure-contract";
import { heatmapFigure, panelsFigure, plotFigure } from "../../kernel-lib/src/display";
import { ProgressBoard } from "../../kernel-lib/src/training/progress-board";
import { setNodeDisplayHandler } from "../../kernel-lib/src/kernel";
import { payloadMatrices } from "../../kernel-lib/src/figures";
import * as d2l from "../../kernel-lib/src";

// Loaded at run time by name: vitest resolves the ES module; the types come from the import above.
const FAST_PNG = "fast-png";
let decode: typeof FastPng.decode;
beforeAll(async () => {
  ({ decode } = (await import(FAST_PNG)) as typeof FastPng);
});

/** Softmax rows of a Gaussian kernel: the attention weights of section 11.2. */
function attention(n: number, m: number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    const row = Array.from({ length: m }, (_, j) => Math.exp(-(((i * m) / n - j) ** 2) / 8));
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / s);
  });
}

/** A deterministic pseudo-random matrix (worst case for compression). */
function noise(n: number, m: number, seed = 1): number[][] {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => Array.from({ length: m }, next));
}

const HOSTILE = `<script>alert("x")</script> & 'quotes' "double" ]]> <!-- c -->`;

describe("SVG fallback", () => {
  it("is well-formed XML for heatmaps, plots, panel grids and progress boards", () => {
    const figures = [
      heatmapFigure([[attention(2, 10)]], { xlabel: "Keys", ylabel: "Queries" }),
      heatmapFigure([[noise(6, 6), noise(6, 6, 2)], [noise(6, 6, 3), noise(6, 6, 4)]], { xlabel: "k", ylabel: "q", titles: ["Head 1", "Head 2"], cmap: "Blues" }),
      plotFigure([0, 1, 2, 3], [[0, 1, 4, 9], [0, 1, 2, 3]], { legend: ["square", "identity"], yscale: "log" }),
      panelsFigure([{ X: [0, 1], Y: [1, 0], xlabel: "Gaussian" }, { X: [0, 1], Y: [0, 1], xlabel: "Boxcar" }], { sharey: true }),
    ];
    for (const f of figures) parseSvg(f.svg);
  });

  it("escapes every label: no markup from data reaches the SVG, and the text reads back unchanged", () => {
    const heat = heatmapFigure([[attention(3, 4)]], {
      xlabel: HOSTILE, ylabel: HOSTILE, titles: [HOSTILE], xTickLabels: ["<a>", "&", '"', "'"], yTickLabels: ["<b>", "x&y", "</text>"],
    });
    const line = plotFigure([0, 1, 2], [[1, 2, 3], [3, 2, 1]], { xlabel: HOSTILE, ylabel: HOSTILE, title: HOSTILE, legend: [HOSTILE, "<i>b</i>"] });
    for (const f of [heat, line]) {
      expect(f.svg).not.toMatch(/<script|<a>|<b>|<i>|<!-- c/);
      expect(f.svg).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;");
      const doc = parseSvg(f.svg);
      expect(doc.getElementsByTagName("script").length).toBe(0);
      expect(texts(doc)).toContain(HOSTILE);
      // The <title> (shown as a tooltip) holds the summary, escaped too.
      expect(doc.getElementsByTagName("title")[0].textContent).toBe(String(f.bundle.data[TEXT_MIME_TYPE]));
    }
    expect(texts(parseSvg(heat.svg))).toEqual(expect.arrayContaining(["<a>", "&", '"', "'", "<b>", "x&y", "</text>"]));
    expect(texts(parseSvg(line.svg))).toContain("<i>b</i>");
  });

  it("turns category tick labels upright when they are wider than their cells", () => {
    const words = ["attention", "is", "all", "you", "need"];
    const upright = (svg: string) =>
      Array.from(parseSvg(svg).getElementsByTagName("text")).filter((t) => /rotate\(-90\)/.test(t.getAttribute("transform") ?? "")).map((t) => t.textContent);
    const tokens = heatmapFigure([[attention(3, 5)]], { xlabel: "Keys", ylabel: "Queries", xTickLabels: words });
    expect(upright(tokens.svg)).toEqual([...words, "Queries"]); // the y label is always upright
    const numbers = heatmapFigure([[attention(3, 5)]], { xlabel: "Keys", ylabel: "Queries" });
    expect(upright(numbers.svg)).toEqual(["Queries"]);
  });

  it("keeps the SVG parsable when a label holds characters XML forbids", () => {
    const f = plotFigure([0, 1], [0, 1], { xlabel: "bell\u0007 nul\u0000 lone\ud800 ok", legend: ["a\u001bb"] });
    const doc = parseSvg(f.svg);
    expect(texts(doc)).toContain("bell\ufffd nul\ufffd lone\ufffd ok");
  });

  it("is deterministic: the same figure gives byte-identical bundles", () => {
    const make = () => JSON.stringify(heatmapFigure([[attention(20, 30)]], { xlabel: "K", ylabel: "Q" }).bundle);
    expect(make()).toBe(make());
    const plotTwice = () => JSON.stringify(plotFigure([0, 1, 2], [[1, 3, 2]], { legend: ["y"] }).bundle);
    expect(plotTwice()).toBe(plotTwice());
    expect(make()).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/); // no timestamps
  });

  it("embeds heatmap cells as a PNG whose pixels are the colour-mapped values", () => {
    // Row 0 rises left to right, row 1 is constant at the minimum.
    const m = [[0, 1, 2, 3], [0, 0, 0, 0]];
    const f = heatmapFigure([[m]], { xlabel: "k", ylabel: "q" });
    const doc = parseSvg(f.svg);
    const hrefs = Array.from(doc.getElementsByTagName("image")).map((i) => i.getAttribute("xlink:href") ?? "");
    expect(hrefs).toHaveLength(2); // one panel, one colour bar
    const png = decode(Buffer.from(hrefs[0].replace("data:image/png;base64,", ""), "base64"));
    expect(png.palette).toBeDefined();
    const cellPx = png.width / 4;
    expect(png.height / 2).toBe(cellPx); // square cells, replicated
    const color = (i: number, j: number) => {
      const index = png.data[(Math.floor((i + 0.5) * cellPx)) * png.width + Math.floor((j + 0.5) * cellPx)];
      const [r, g, b] = png.palette![index];
      return `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
    };
    // ColorBrewer Reds: the low end #fff5f0, the high end #67000d (matplotlib's and d3's).
    expect(color(0, 0)).toBe("#fff5f0");
    expect(color(1, 3)).toBe("#fff5f0");
    expect(color(0, 3)).toBe("#67000d");
    const mid = color(0, 1);
    expect(mid).not.toBe("#fff5f0");
    expect(mid).not.toBe("#67000d");
  });
});

describe("bundle size bounds", () => {
  it("keeps a 50×50 heatmap bundle at most 60 kB", () => {
    for (const m of [attention(50, 50), noise(50, 50)]) {
      const f = heatmapFigure([[m]], { xlabel: "Sorted training inputs", ylabel: "Sorted validation inputs" });
      const size = Buffer.byteLength(JSON.stringify(f.bundle.data));
      expect(size).toBeLessThanOrEqual(60_000);
      expect(f.payload.values.encoding).toBe("array");
    }
  });

  it("keeps a 512×512 heatmap bundle at most 600 kB, even for incompressible noise", () => {
    for (const m of [attention(512, 512), noise(512, 512)]) {
      const f = heatmapFigure([[m]], { xlabel: "Keys", ylabel: "Queries" });
      const size = Buffer.byteLength(JSON.stringify(f.bundle.data));
      expect(size).toBeLessThanOrEqual(600_000);
      expect(f.payload.values.encoding).toBe("uint8-base64");
      expect(heatmapPayloadProblems(f.payload)).toEqual([]);
    }
  });
});

describe("bundles", () => {
  it("hold the custom payload, SVG and text, and the payloads validate", () => {
    const heat = heatmapFigure([[attention(2, 10)]], { xlabel: "Keys", ylabel: "Queries" });
    expect(Object.keys(heat.bundle.data).sort()).toEqual([HEATMAP_MIME_TYPE, SVG_MIME_TYPE, TEXT_MIME_TYPE].sort());
    expect(heatmapPayloadProblems(heat.bundle.data[HEATMAP_MIME_TYPE])).toEqual([]);
    const line = plotFigure([1, 2, 3], [2, 4, 8], { xlabel: "x", ylabel: "y" });
    expect(Object.keys(line.bundle.data).sort()).toEqual([PLOT_MIME_TYPE, SVG_MIME_TYPE, TEXT_MIME_TYPE].sort());
    expect(plotPayloadProblems(line.bundle.data[PLOT_MIME_TYPE])).toEqual([]);
    expect(line.bundle.data[TEXT_MIME_TYPE]).toBe("Plot 1 unlabelled series (3 points; x: x, y: y)");
    expect(heat.bundle.data[TEXT_MIME_TYPE]).toMatch(/^Heatmap of 2×10 \(rows: Queries, columns: Keys\), Reds from 0(\.\d+)? to 0\.\d+$/);
  });

  it("a progress board's bundle parses and validates after many points", () => {
    const previous = setNodeDisplayHandler(() => {});
    try {
      const board = new ProgressBoard({ xlabel: "epoch", yscale: "log" });
      for (let k = 1; k <= 40; k++) {
        board.draw(k / 10, 1 / k, "train_loss", 2);
        if (k % 10 === 0) board.draw(k / 10, 1.5 / k, "val_loss");
      }
      const bundle = board.lastBundle!;
      expect(plotPayloadProblems(bundle.data[PLOT_MIME_TYPE])).toEqual([]);
      expect(texts(parseSvg(String(bundle.data[SVG_MIME_TYPE])))).toEqual(expect.arrayContaining(["train_loss", "val_loss", "epoch"]));
    } finally {
      setNodeDisplayHandler(previous);
    }
  });
});

describe("non-finite values in the SVG fallback and the summary", () => {
  const hrefsOf = (doc: Document) => Array.from(doc.getElementsByTagName("image")).map((i) => i.getAttribute("xlink:href") ?? "");
  const pngOf = (href: string) => decode(Buffer.from(href.replace("data:image/png;base64,", ""), "base64"));

  it("draws NaN and ±Infinity cells hatched over the colours, colours from the finite values only", () => {
    const f = heatmapFigure(d2l.tf.tensor4d([[[[0.1, Number.NaN], [Number.POSITIVE_INFINITY, 0.5]]]]), { xlabel: "k", ylabel: "q" });
    expect(f.payload.colorRange[0]).toBeCloseTo(0.1, 6);
    expect(f.payload.colorRange[1]).toBe(0.5);
    expect(f.toString()).toBe("Heatmap of 2×2 (rows: q, columns: k), Reds from 0.1 to 0.5; 2 of 4 cells not finite (1 NaN, 1 +Infinity)");
    const hrefs = hrefsOf(parseSvg(f.svg));
    expect(hrefs).toHaveLength(3); // the cells, their hatch overlay, the colour bar
    const cells = pngOf(hrefs[0]);
    const overlay = pngOf(hrefs[1]);
    expect([overlay.width, overlay.height]).toEqual([cells.width, cells.height]);
    const cellPx = overlay.width / 2;
    const alphaAt = (i: number, j: number) => {
      const index = overlay.data[Math.floor((i + 0.5) * cellPx) * overlay.width + Math.floor((j + 0.5) * cellPx)];
      return overlay.palette![index][3];
    };
    // Opaque hatching exactly on the non-finite cells, transparent on the finite ones.
    expect([alphaAt(0, 0), alphaAt(0, 1), alphaAt(1, 0), alphaAt(1, 1)]).toEqual([0, 255, 255, 0]);
    // Both hatch colours occur inside a missing cell (it is a pattern, not a flat grey).
    const inCell = new Set<number>();
    for (let y = 0; y < cellPx; y++) for (let x = cellPx; x < 2 * cellPx; x++) inCell.add(overlay.data[y * overlay.width + x]);
    expect([...inCell].sort()).toEqual([1, 2]);
  });

  it("draws an all-NaN grid as empty axes with a visible note and no colour bar", () => {
    const f = heatmapFigure(d2l.tf.fill([1, 1, 3, 3], Number.NaN), { xlabel: "Keys", ylabel: "Queries" });
    expect(f.payload.note).toBe("No finite value to colour: all 9 cells are NaN.");
    const doc = parseSvg(f.svg);
    expect(hrefsOf(doc)).toHaveLength(2); // the cells and their hatching; no colour bar
    expect(texts(doc).join(" ")).toContain("No finite value to colour: all 9 cells are NaN.");
    expect(f.toString()).toBe(
      "Heatmap of 3×3 (rows: Queries, columns: Keys), no finite value; 9 of 9 cells not finite (9 NaN). Note: No finite value to colour: all 9 cells are NaN.",
    );
    const mixed = heatmapFigure([[[[Number.NaN, Number.NEGATIVE_INFINITY]]]]);
    expect(mixed.payload.note).toBe("No finite value to colour: all 2 cells are non-finite (1 NaN, 1 -Infinity).");
  });

  it("keeps non-finite cells of large grids (bytes) in the nonFinite map, and averages only finite cells", () => {
    const n = 200; // 40 000 cells: the uint8-base64 encoding
    const values = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i < 100 && j < 100 ? Number.NaN : i === 150 && j === 150 ? Number.NEGATIVE_INFINITY : (i + j) / (2 * n))),
    );
    const f = heatmapFigure([[values]]);
    expect(f.payload.values.encoding).toBe("uint8-base64");
    const back = payloadMatrices(f.payload)[0][0].values;
    expect(Number.isNaN(back[0])).toBe(true);
    expect(back[150 * n + 150]).toBe(Number.NEGATIVE_INFINITY);
    expect(back[150 * n + 151]).toBeCloseTo(301 / 400, 2);
    expect(f.toString()).toContain("10001 of 40000 cells not finite (10000 NaN, 1 -Infinity)");
    const overlay = pngOf(hrefsOf(parseSvg(f.svg))[1]);
    const alpha = (fx: number, fy: number) => overlay.palette![overlay.data[Math.floor(fy * overlay.height) * overlay.width + Math.floor(fx * overlay.width)]][3];
    // The NaN quarter (top left) is hatched after averaging down; the rest is not.
    expect([alpha(0.2, 0.2), alpha(0.8, 0.2), alpha(0.2, 0.8), alpha(0.8, 0.8)]).toEqual([255, 0, 0, 0]);
  });

  it("breaks lines at NaN and marks infinities clipped at the panel's edge", () => {
    const f = plotFigure([0, 1, 2, 3, 4, 5], [1, Number.NaN, 2, 3, Number.POSITIVE_INFINITY, 2], { fmts: ["-"] });
    expect(f.payload.version).toBe(2);
    expect(f.payload.axes[0].series[0].y).toEqual([1, "NaN", 2, 3, "Infinity", 2]);
    expect(f.toString()).toBe("Plot 1 unlabelled series (6 points, not finite: 1 NaN, 1 +Infinity)");
    const doc = parseSvg(f.svg);
    const paths = Array.from(doc.getElementsByTagName("path")).map((p) => ({ d: p.getAttribute("d") ?? "", fill: p.getAttribute("fill") }));
    const line = paths.find((p) => p.fill === "none" && p.d.startsWith("M") && p.d.split("M").length > 2)!;
    // Segments: point 0 alone, points 2–3, point 5 alone.
    expect(line.d.split("M").filter((s) => s !== "").map((s) => s.split("L").length)).toEqual([1, 2, 1]);
    const marks = paths.filter((p) => p.fill === "#1f77b4");
    expect(marks).toHaveLength(1);
    // Its tip sits on the top edge (y = 0 in panel coordinates).
    expect(marks[0].d).toMatch(/^M[\d.]+,0L/);
    // Autoscaling ignores the infinity: the top tick is a finite value near 3.
    expect(texts(doc).filter((t) => /^\d/.test(t)).some((t) => Number(t) > 10)).toBe(false);
  });

  it("draws axes over subnormal and overflowing spans (d3 cannot tick them) with their two ends", () => {
    // Found by the property tests: d3's ticks threw "Invalid array length" on these.
    parseSvg(plotFigure([-1e-323, -5e-324], [0, 1]).svg);
    parseSvg(plotFigure([0, 1], [0, 1], { ylim: [0, 1e-310] }).svg);
    parseSvg(plotFigure([0, 1], [1.7e308, -1.7e308]).svg);
    parseSvg(heatmapFigure([[[[5e-324, 1e-323]]]]).svg);
    // Constant data so large that v + 1 rounds to v (found by the property tests): still a range.
    for (const v of [1e300, -1e300, Number.MAX_VALUE]) {
      const range = heatmapFigure([[[[v, v]]]]).payload.colorRange;
      expect(range[0]).toBeLessThan(range[1]);
      expect(range[0] <= v && v <= range[1]).toBe(true);
      expect(plotFigure([0, 1], [v, v]).svg).not.toContain("NaN");
    }
  });

  it("draws a plot whose points are all NaN as empty axes, and adds a note below it", () => {
    const f = plotFigure([0, 1], [Number.NaN, Number.NaN]);
    expect(f.toString()).toBe("Plot 1 unlabelled series (2 points, not finite: 2 NaN)");
    parseSvg(f.svg);
    const board = new ProgressBoard({ display: false });
    board.draw(0, 1, "loss");
    board.note = "Training stopped at epoch 1: Error: <b>boom</b> & more";
    const svg = String(board.bundle().data["image/svg+xml"]);
    const doc = parseSvg(svg);
    expect(texts(doc).join(" ")).toContain("<b>boom</b> & more");
    // The note adds height below the figure's 2.5 inches (180 pt).
    expect(Number(doc.documentElement.getAttribute("viewBox")!.split(" ")[3])).toBeGreaterThan(180);
  });
});
