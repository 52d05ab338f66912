import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  FIGURE_CONTRACT_VERSION,
  FigurePayloadError,
  HEATMAP_MIME_TYPE,
  PLOT_MIME_TYPE,
  assertHeatmapPayload,
  figurePayloadProblems,
  heatmapPayloadProblems,
  isPlotPayload,
  payloadVersion,
  plotPayloadProblems,
  type HeatmapPayload,
  type PlotPayload,
} from "./index";

function heatmap(): HeatmapPayload {
  return {
    version: 1,
    figsize: [2.5, 2.5],
    gridRows: 1,
    gridCols: 2,
    height: 2,
    width: 3,
    values: {
      encoding: "array",
      data: [[[[0, 0.5, 1], [0.25, 0.25, 0.5]], [[1, 0, 0], [0, 1, 0]]]],
    },
    xlabels: ["Keys", "Keys"],
    ylabel: "Queries",
    titles: ["Head 1", "Head 2"],
    cmap: { name: "Reds", stops: [[0, "#fff5f0"], [0.5, "#fb6a4a"], [1, "#67000d"]] },
    colorRange: [0, 1],
    xTickLabels: null,
    yTickLabels: ["q1", "q2"],
  };
}

function plot(): PlotPayload {
  return {
    version: 1,
    figsize: [3.5, 2.5],
    gridRows: 1,
    gridCols: 1,
    sharey: false,
    axes: [
      {
        series: [
          {
            x: [0, 1, 2],
            y: [1, 0.5, 0.25],
            label: "train_loss",
            color: "#1f77b4",
            line: "solid",
            lineWidth: 1.5,
            marker: null,
            markerSize: 6,
            alpha: 1,
            fmt: "-",
          },
        ],
        xlabel: "epoch",
        ylabel: null,
        title: null,
        xlim: [0, 2],
        ylim: null,
        xscale: "linear",
        yscale: "log",
        legend: true,
      },
    ],
  };
}

describe("heatmap payload validation", () => {
  it("accepts a well-formed payload in both encodings", () => {
    expect(heatmapPayloadProblems(heatmap())).toEqual([]);
    const packed = { ...heatmap(), values: { encoding: "uint8-base64" as const, data: Buffer.alloc(12, 7).toString("base64") } };
    expect(heatmapPayloadProblems(packed)).toEqual([]);
  });

  it("names the field of a schema violation", () => {
    const bad = { ...heatmap(), version: 2, cmap: { name: "Reds", stops: [[0, "red"], [1, "#000000"]] } };
    const problems = heatmapPayloadProblems(bad);
    expect(problems.some((p) => p.startsWith("/version"))).toBe(true);
    expect(problems.some((p) => p.startsWith("/cmap/stops/0/1"))).toBe(true);
  });

  it("rejects unknown fields and non-finite numbers", () => {
    expect(heatmapPayloadProblems({ ...heatmap(), extra: 1 })).toEqual(["/: must NOT have additional properties (extra)"]);
    const withNaN = heatmap();
    (withNaN.values.data as number[][][][])[0][0][0][0] = Number.NaN;
    expect(heatmapPayloadProblems(withNaN)).not.toEqual([]);
  });

  it("checks that lengths agree with the grid and the matrix shape", () => {
    const p = { ...heatmap(), titles: ["only one"], yTickLabels: ["a"], colorRange: [1, 1] as [number, number] };
    const problems = heatmapPayloadProblems(p);
    expect(problems).toContain("/titles: has 1 entries, expected gridCols = 2");
    expect(problems).toContain("/yTickLabels: has 1 entries, expected height = 2");
    expect(problems).toContain("/colorRange: [1, 1] must have min < max");
    const ragged = heatmap();
    (ragged.values.data as number[][][][])[0][1][1].pop();
    expect(heatmapPayloadProblems(ragged)).toEqual(["/values/data: shape does not match 1×2 panels of 2×3"]);
    const short = { ...heatmap(), values: { encoding: "uint8-base64" as const, data: Buffer.alloc(11).toString("base64") } };
    expect(heatmapPayloadProblems(short)).toEqual(["/values/data: decodes to 11 bytes, expected 12 for 1×2 panels of 2×3"]);
  });

  it("throws a FigurePayloadError listing the problems", () => {
    expect(() => assertHeatmapPayload({ ...heatmap(), ylabel: 3 })).toThrow(FigurePayloadError);
    expect(() => assertHeatmapPayload({ ...heatmap(), ylabel: 3 })).toThrow(/\/ylabel: must be string/);
  });
});

describe("plot payload validation", () => {
  it("accepts a well-formed payload", () => {
    expect(plotPayloadProblems(plot())).toEqual([]);
    expect(isPlotPayload(plot())).toBe(true);
  });

  it("checks series lengths, panel count and limits", () => {
    const p = plot();
    p.axes[0].series[0].y.push(3);
    p.axes[0].ylim = [0, 1];
    p.gridCols = 2;
    expect(plotPayloadProblems(p)).toEqual([
      "/axes: has 1 panels, expected gridRows × gridCols = 2",
      "/axes/0/series/0: x has 3 points but y has 4",
      "/axes/0/ylim: [0, 1] must be positive on a log scale",
    ]);
  });

  it("rejects unknown line styles and markers", () => {
    const p = plot() as unknown as { axes: Array<{ series: Array<Record<string, unknown>> }> };
    p.axes[0].series[0].line = "wavy";
    p.axes[0].series[0].marker = "heart";
    const problems = plotPayloadProblems(p);
    expect(problems.some((m) => m.startsWith("/axes/0/series/0/line"))).toBe(true);
    expect(problems.some((m) => m.startsWith("/axes/0/series/0/marker"))).toBe(true);
  });
});

describe("contract module", () => {
  it("dispatches on the MIME type and reads versions", () => {
    expect(figurePayloadProblems(HEATMAP_MIME_TYPE, heatmap())).toEqual([]);
    expect(figurePayloadProblems(PLOT_MIME_TYPE, heatmap()).length).toBeGreaterThan(0);
    expect(figurePayloadProblems("image/png", {})).toEqual(["image/png is not a d2l-ts figure MIME type"]);
    expect(payloadVersion(plot())).toBe(FIGURE_CONTRACT_VERSION);
    expect(payloadVersion("nope")).toBeNull();
  });

  it("loads from its CommonJS build without ajv at runtime", () => {
    const root = join(__dirname, "..");
    const require = createRequire(join(root, "package.json"));
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { main: string; types: string };
    const contract = require(join(root, pkg.main)) as typeof import("./index");
    expect(contract.isPlotPayload(plot())).toBe(true);
    expect(Object.keys(require.cache).some((k) => k.includes("/node_modules/ajv/"))).toBe(false);
    expect(readFileSync(join(root, "generated/validators.js"), "utf8")).not.toMatch(/new Function|require\(/);
  });

  it("bundles for the browser (the JupyterLab extension) without Node built-ins, small", async () => {
    const { build } = await import("esbuild");
    const result = await build({
      stdin: { contents: 'import { isPlotPayload } from "d2l-ts-figure-contract"; (globalThis as any).check = isPlotPayload;', loader: "ts", resolveDir: join(__dirname, "..") },
      bundle: true,
      platform: "browser",
      format: "esm",
      minify: true,
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/require\(|new Function/);
    // ~52 kB minified (ajv itself would add well over 100 kB): a guard against pulling in ajv.
    expect(code.length).toBeLessThan(64_000);
  });

  it("ships schemas whose $id names the version", () => {
    for (const kind of ["heatmap", "plot"]) {
      const schema = JSON.parse(readFileSync(join(__dirname, `../schema/${kind}.v1.schema.json`), "utf8")) as { $id: string };
      expect(schema.$id).toBe(`urn:d2l-ts:figure:${kind}:v${FIGURE_CONTRACT_VERSION}`);
    }
  });
});
