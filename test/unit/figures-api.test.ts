/**
 * The figure API as a notebook uses it: the book's argument conventions, argument errors,
 * colour maps against matplotlib's, and payload contents.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { HeatmapPayload, PlotPayload } from "d2l-ts-figure-contract";
import * as d2l from "../../kernel-lib/src";
import { heatmapFigure, panelsFigure, plotFigure } from "../../kernel-lib/src/display";
import { payloadMatrices, parseFormat } from "../../kernel-lib/src/figures";
import { D2lArgumentError } from "../../kernel-lib/src/ops/check";

const tf = d2l.tf;

describe("showHeatmaps arguments (section 11.1)", () => {
  it("takes the book's 4-D matrices from a tensor and keeps the values", () => {
    const weights = tf.tidy(() => tf.softmax(tf.tensor2d([[1, 2, 3], [3, 2, 1]])).reshape([1, 1, 2, 3]));
    const f = heatmapFigure(weights, { xlabel: "Keys", ylabel: "Queries" });
    const p: HeatmapPayload = f.payload;
    expect([p.gridRows, p.gridCols, p.height, p.width]).toEqual([1, 1, 2, 3]);
    const expected = weights.arraySync() as number[][][][];
    const got = payloadMatrices(p)[0][0].values;
    expected[0][0].flat().forEach((v, k) => expect(got[k]).toBeCloseTo(v, 5));
    expect(p.colorRange[0]).toBeCloseTo(Math.min(...expected[0][0].flat()), 6);
    expect(p.colorRange[1]).toBeCloseTo(Math.max(...expected[0][0].flat()), 6);
    expect(p.cmap.name).toBe("Reds");
    expect(p.figsize).toEqual([2.5, 2.5]);
    expect(p.xlabels).toEqual(["Keys"]);
    weights.dispose();
  });

  it("lays out a grid with per-column titles and one x label per column", () => {
    const m = Array.from({ length: 2 }, () => Array.from({ length: 3 }, () => [[0, 1], [1, 0]]));
    const p = heatmapFigure(m, { xlabel: ["a", "b", "c"], ylabel: "q", titles: ["h1", "h2", "h3"], cmap: "Blues" }).payload;
    expect([p.gridRows, p.gridCols]).toEqual([2, 3]);
    expect(p.xlabels).toEqual(["a", "b", "c"]);
    expect(p.cmap.name).toBe("Blues");
  });

  it("refuses what it cannot draw, naming the argument and the shape", () => {
    const t = tf.zeros([2, 10]);
    expect(() => heatmapFigure(t)).toThrow(D2lArgumentError);
    expect(() => heatmapFigure(t)).toThrow("showHeatmaps: matrices must be 4-D (rows, cols, queries, keys); reshape a single matrix to [1, 1, queries, keys]; got shape [2,10]");
    t.dispose();
    expect(() => heatmapFigure([[[[0, 1]]]], { cmap: "Rainbow" })).toThrow(/showHeatmaps: cmap must be one of Reds, Blues/);
    expect(() => heatmapFigure([[[[0, 1]], [[1, 0]]]], { titles: ["only one"] })).toThrow("showHeatmaps: titles must be 2 strings (one per column of the grid); got 1 entry");
    expect(() => heatmapFigure([[[[0, 1]]]], { xTickLabels: ["a"] })).toThrow("showHeatmaps: xTickLabels must be 2 strings (one per key); got 1 entry");
    expect(() => heatmapFigure([[[[0, 1], [2]]]])).toThrow(/matrices must be a tensor or a rectangular array of numbers; got a ragged array/);
  });
});

describe("plot arguments (section 2.4)", () => {
  const axesOf = (p: PlotPayload) => p.axes[0];

  it("plots Y against indices when only X is given, and one x against several y", () => {
    const single = axesOf(plotFigure([3, 1, 2]).payload);
    expect(single.series[0].x).toEqual([0, 1, 2]);
    expect(single.series[0].y).toEqual([3, 1, 2]);
    const shared = axesOf(plotFigure(tf.tensor1d([0, 1, 2]), [tf.tensor1d([1, 2, 3]), [4, 5, 6]]).payload);
    expect(shared.series.map((s) => s.x)).toEqual([[0, 1, 2], [0, 1, 2]]);
    expect(shared.series.map((s) => s.y)).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it("uses the book's formats in order and draws at most as many series as formats", () => {
    const ys = [[1, 2], [2, 3], [3, 4], [4, 5], [5, 6]];
    const a = axesOf(plotFigure([0, 1], ys).payload);
    expect(a.series.map((s) => [s.fmt, s.color, s.line, s.marker])).toEqual([
      ["-", "#1f77b4", "solid", null],
      ["m--", "#bf00bf", "dashed", null],
      ["g-.", "#008000", "dashdot", null],
      ["r:", "#ff0000", "dotted", null],
    ]);
  });

  it("draws section 11.2's training points as markers with alpha, unlabelled in the legend", () => {
    const x = [0, 1, 2];
    const a = axesOf(plotFigure([x, x, [0.5, 1.5]], [[1, 2, 3], [1, 2, 2], [2, 1]], {
      fmts: ["-", "m--", "o"], alpha: [1, 1, 0.5], legend: ["Truth", "Pred"], xlim: [0, 5], ylim: [-1, 5], xlabel: "x", ylabel: "y",
    }).payload);
    expect(a.series.map((s) => s.label)).toEqual(["Truth", "Pred", null]);
    // The book's points come from a second `plt.plot` after one cycle colour was used (C0):
    // they are orange (C1), as in its figures.
    expect(a.series[2]).toMatchObject({ line: null, marker: "circle", alpha: 0.5, color: "#ff7f0e" });
    expect([a.xlim, a.ylim, a.legend]).toEqual([[0, 5], [-1, 5], true]);
  });

  it("builds section 11.2's 1×4 kernel panels with a shared y axis", () => {
    const x = [-1, 0, 1];
    const p = panelsFigure(["Gaussian", "Boxcar", "Constant", "Epanechikov"].map((name) => ({ X: x, Y: [0, 1, 0], xlabel: name })), {
      numRows: 1, numCols: 4, sharey: true, figsize: [12, 3],
    }).payload;
    expect([p.gridRows, p.gridCols, p.sharey, p.figsize]).toEqual([1, 4, true, [12, 3]]);
    expect(p.axes.map((a) => a.xlabel)).toEqual(["Gaussian", "Boxcar", "Constant", "Epanechikov"]);
    expect(() => panelsFigure([{ X: x }], { numRows: 2, numCols: 2 })).toThrow("plotPanels: numRows × numCols must be 1 (one cell per panel); got 2 × 2");
  });

  it("refuses bad input with the argument's name", () => {
    expect(() => plotFigure([0, 1, 2], [1, 2])).toThrow("plot: X and Y must be series of equal length; got series 0 with 3 x values and 2 y values");
    expect(() => plotFigure([0, 1], [1, 2], { fmts: ["q-"] })).toThrow(/plot: fmts\[0\]: unrecognised character 'q' in format 'q-'/);
    expect(() => plotFigure([0, 1], [1, 2], { xlim: [1, 1] })).toThrow("plot: xlim must be [low, high] with two different finite numbers; got an array of shape [2]");
    expect(() => plotFigure([0, 1], [1, 2], { yscale: "symlog" as "log" })).toThrow(`plot: yscale must be 'linear' or 'log'; got "symlog"`);
    const cube = tf.zeros([1, 1, 1]);
    expect(() => plotFigure(cube)).toThrow("plot: X must be one series (1-D) or several (2-D, or an array of series); got shape [1,1,1]");
    cube.dispose();
  });
});

describe("format strings", () => {
  it("read like matplotlib's", () => {
    expect(parseFormat("-")).toEqual({ color: null, line: "solid", marker: null });
    expect(parseFormat("o")).toEqual({ color: null, line: null, marker: "circle" });
    expect(parseFormat("r:")).toEqual({ color: "#ff0000", line: "dotted", marker: null });
    expect(parseFormat("C1--")).toEqual({ color: "#ff7f0e", line: "dashed", marker: null });
    expect(parseFormat("k^-.")).toEqual({ color: "#000000", line: "dashdot", marker: "triangle-up" });
  });
});

describe("the built package", () => {
  it("loads with require() in plain Node (as tslab loads it) and draws without ES-module dependencies", () => {
    const script = `
      const d2l = require("d2l-ts");
      const f = d2l.plotFigure([0, 1, 2], [1, 0, 1], { legend: ["v"] });
      const h = d2l.heatmapFigure([[[[0, 1], [1, 0]]]], { cmap: "Blues" });
      const esm = Object.keys(require.cache).filter((k) => /node_modules\\/(d3-|fast-png|fflate)/.test(k));
      console.log(JSON.stringify({ plot: String(f), heat: String(h), kernel: d2l.detectKernel(), esm }));`;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", cwd: __dirname }));
    expect(out).toEqual({ plot: "Plot v (3 points)", heat: "Heatmap of 2×2 (rows: —, columns: —), Blues from 0 to 1", kernel: "node", esm: [] });
  });
});

describe("colour maps", () => {
  it("match matplotlib's Reds and Blues within 6/255 at every payload stop", () => {
    const script = `
import json, matplotlib
print(json.dumps({n: [[round(c * 255) for c in matplotlib.colormaps[n](k / 16)[:3]] for k in range(17)] for n in ["Reds", "Blues"]}))`;
    const reference = JSON.parse(execFileSync("/usr/bin/python3", ["-c", script], { encoding: "utf8" })) as Record<string, number[][]>;
    for (const name of ["Reds", "Blues"]) {
      const stops = heatmapFigure([[[[0, 1]]]], { cmap: name }).payload.cmap.stops;
      expect(stops.map((s) => s[0])).toEqual(Array.from({ length: 17 }, (_, k) => k / 16));
      stops.forEach(([, hex], k) => {
        const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
        rgb.forEach((c, i) => expect(Math.abs(c - reference[name][k][i])).toBeLessThanOrEqual(6));
      });
    }
  });
});
