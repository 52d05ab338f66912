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
  minimumHeatmapVersion,
  minimumPlotVersion,
  payloadVersion,
  plotPayloadProblems,
  type HeatmapPayload,
  type PlotPayload,
  type WireNumber,
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
    const bad = { ...heatmap(), cmap: { name: "Reds", stops: [[0, "red"], [1, "#000000"]] } };
    const problems = heatmapPayloadProblems(bad);
    expect(problems.some((p) => p.startsWith("/cmap/stops/0/1"))).toBe(true);
    expect(heatmapPayloadProblems({ ...heatmap(), version: 7 })).toEqual([
      "/version: 7 is not a payload version this contract reads (1 to 3)",
    ]);
    expect(heatmapPayloadProblems({ ...heatmap(), version: "2" }).some((p) => p.startsWith("/version"))).toBe(true);
  });

  it("rejects unknown fields and numbers JSON cannot hold (NaN must travel as the string \"NaN\")", () => {
    expect(heatmapPayloadProblems({ ...heatmap(), extra: 1 })).toEqual(["/: must NOT have additional properties (extra)"]);
    const withNaN = heatmap();
    (withNaN.values.data as number[][][][])[0][0][0][0] = Number.NaN;
    expect(heatmapPayloadProblems(withNaN)).not.toEqual([]);
    expect(heatmapPayloadProblems({ ...heatmap(), colorRange: [0, Number.POSITIVE_INFINITY] })).not.toEqual([]);
  });

  it("version 2: non-finite cells as tokens, a non-finite byte map, a note", () => {
    const v2 = { ...heatmap(), version: 2 as const, note: "all 6 values are NaN" };
    (v2.values.data as WireNumber[][][][])[0][0][0] = ["NaN", "Infinity", "-Infinity"];
    expect(heatmapPayloadProblems(v2)).toEqual([]);
    expect(minimumHeatmapVersion(v2)).toBe(2);
    expect(minimumHeatmapVersion(heatmap())).toBe(1);
    const cells = 12;
    const packed = {
      ...heatmap(),
      version: 2 as const,
      values: { encoding: "uint8-base64" as const, data: Buffer.alloc(cells).toString("base64"), nonFinite: Buffer.from([0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0]).toString("base64") },
    };
    expect(heatmapPayloadProblems(packed)).toEqual([]);
    const badCode = { ...packed, values: { ...packed.values, nonFinite: Buffer.from([0, 4, ...Array(10).fill(0)]).toString("base64") } };
    expect(heatmapPayloadProblems(badCode)).toEqual(["/values/nonFinite: byte 1 is 4, expected 0 to 3"]);
    const short = { ...packed, values: { ...packed.values, nonFinite: Buffer.alloc(3).toString("base64") } };
    expect(heatmapPayloadProblems(short)).toEqual(["/values/nonFinite: decodes to 3 bytes, expected 12 for 1×2 panels of 2×3"]);
    expect(heatmapPayloadProblems({ ...v2, values: { encoding: "array", data: [[[["nan", 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0]]]] } })).not.toEqual([]);
  });

  it("a version-1 payload that uses version-2 features names them and the version they need", () => {
    const old = heatmap();
    (old.values.data as WireNumber[][][][])[0][1][1] = ["NaN", "NaN", 0];
    expect(heatmapPayloadProblems(old)).toEqual([
      "/values/data/0/1/1/0: a NaN cell (and 1 more non-finite cells) needs payload version 2, but the payload says version 1",
    ]);
    expect(heatmapPayloadProblems({ ...heatmap(), note: "hello" })).toEqual([
      "/note: a note needs payload version 2, but the payload says version 1",
    ]);
  });

  it("version 3: panel labels, one per grid row and column, none empty", () => {
    const v3 = { ...heatmap(), version: 3 as const, panelLabels: { rows: ["block 1"], cols: ["head 1", "head 2"] } };
    expect(heatmapPayloadProblems(v3)).toEqual([]);
    expect(minimumHeatmapVersion(v3)).toBe(3);
    expect(heatmapPayloadProblems({ ...v3, version: 2 })).toEqual([
      "/panelLabels: panel labels needs payload version 3, but the payload says version 2",
    ]);
    expect(heatmapPayloadProblems({ ...v3, panelLabels: { rows: ["block 1", "block 2"], cols: ["head 1"] } })).toEqual([
      "/panelLabels/rows: has 2 entries, expected gridRows = 1",
      "/panelLabels/cols: has 1 entry, expected gridCols = 2",
    ]);
    expect(heatmapPayloadProblems({ ...v3, panelLabels: { rows: [""], cols: ["head 1", "head 2"] } })).toEqual([
      "/panelLabels/rows/0: must be a name, not empty",
    ]);
    expect(heatmapPayloadProblems({ ...v3, panelLabels: { rows: ["block 1"] } })).toEqual([
      "/panelLabels: must have required property 'cols'",
    ]);
    // Plots share the version number; version 3 adds nothing to them.
    expect(plotPayloadProblems({ ...plot(), version: 3 })).toEqual([]);
    expect(minimumPlotVersion({ ...plot(), version: 3 })).toBe(1);
  });

  it("checks that lengths agree with the grid and the matrix shape", () => {
    const p = { ...heatmap(), titles: ["only one"], yTickLabels: ["a"], colorRange: [1, 1] as [number, number] };
    const problems = heatmapPayloadProblems(p);
    expect(problems).toContain("/titles: has 1 entry, expected gridCols = 2");
    expect(problems).toContain("/yTickLabels: has 1 entry, expected height = 2");
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

  it("version 2: NaN and infinite coordinates, a note; version 1 refuses them", () => {
    const p = plot();
    p.axes[0].series[0].y = [1, "NaN", "Infinity"];
    p.axes[0].series[0].x = [0, 1, "-Infinity"];
    expect(plotPayloadProblems({ ...p, version: 2, note: "Training stopped" })).toEqual([]);
    expect(minimumPlotVersion({ ...p, version: 2 })).toBe(2);
    expect(plotPayloadProblems(p)).toEqual([
      "/axes/0/series/0/x/2: a -Infinity coordinate needs payload version 2, but the payload says version 1",
      "/axes/0/series/0/y/1: a NaN coordinate (and 1 more non-finite coordinates) needs payload version 2, but the payload says version 1",
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
    expect(payloadVersion(plot())).toBe(1);
    expect(payloadVersion({ ...plot(), version: FIGURE_CONTRACT_VERSION })).toBe(3);
    expect(payloadVersion("nope")).toBeNull();
    expect(payloadVersion([1])).toBeNull();
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

  it("ships the schema of every version, each $id naming its version", () => {
    for (let version = 1; version <= FIGURE_CONTRACT_VERSION; version++) {
      for (const kind of ["heatmap", "plot"]) {
        const schema = JSON.parse(readFileSync(join(__dirname, `../schema/${kind}.v${version}.schema.json`), "utf8")) as { $id: string };
        expect(schema.$id).toBe(`urn:d2l-ts:figure:${kind}:v${version}`);
      }
    }
  });
});
