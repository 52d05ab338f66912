import type { WireNumber } from "d2l-ts-figure-contract";
import { describe, expect, it } from "vitest";

import { gridDomains, LIGHT_THEME } from "./figure-spec";
import { fourDigits, heatmapFigure } from "./heatmap-figure";
import { panelMatrices } from "./heatmap-values";
import { DARK, heatmap } from "./test-payloads";

describe("heatmapFigure", () => {
  it("draws one heatmap trace per panel with the payload's matrices, all on one shared colour axis", () => {
    const payload = heatmap(2, 3, 4, 6);
    const spec = heatmapFigure(payload, LIGHT_THEME);
    expect(spec.data).toHaveLength(6);
    spec.data.forEach((trace, k) => {
      expect(trace.type).toBe("heatmap");
      expect(trace.coloraxis).toBe("coloraxis");
      expect(trace.z).toEqual(payload.values.encoding === "array" ? payload.values.data[Math.floor(k / 3)][k % 3] : null);
      expect(trace.xaxis).toBe(k === 0 ? "x" : `x${k + 1}`);
      expect(trace.yaxis).toBe(k === 0 ? "y" : `y${k + 1}`);
    });
    expect(spec.layout.coloraxis).toMatchObject({ cmin: 0, cmax: 6, colorscale: payload.cmap.stops });
    // One colour bar: only the shared colour axis has one, no trace brings its own.
    expect(spec.data.every((t) => !("colorbar" in t) && t.showscale === undefined)).toBe(true);
  });

  it("labels the outer panels like the book: x labels under the bottom row, the y label beside the first column", () => {
    const spec = heatmapFigure(heatmap(2, 2, 3, 3, { xlabels: ["left keys", "right keys"] }), LIGHT_THEME);
    const title = (key: string) => (spec.layout[key] as { title: { text: string } }).title.text;
    expect([title("xaxis"), title("xaxis2"), title("xaxis3"), title("xaxis4")]).toEqual(["", "", "left keys", "right keys"]);
    expect([title("yaxis"), title("yaxis2"), title("yaxis3"), title("yaxis4")]).toEqual(["Queries", "", "Queries", ""]);
    const ticks = (key: string) => (spec.layout[key] as { showticklabels: boolean }).showticklabels;
    expect(["xaxis", "xaxis2", "xaxis3", "xaxis4"].map(ticks)).toEqual([false, false, true, true]);
    expect(["yaxis", "yaxis2", "yaxis3", "yaxis4"].map(ticks)).toEqual([true, false, true, false]);
  });

  it("draws like imshow: query 0 at the top, square cells, panels zooming together", () => {
    const spec = heatmapFigure(heatmap(1, 2, 5, 7), LIGHT_THEME);
    const x = spec.layout.xaxis as Record<string, unknown>;
    const y = spec.layout.yaxis as Record<string, unknown>;
    const y2 = spec.layout.yaxis2 as Record<string, unknown>;
    expect(x.range).toEqual([-0.5, 6.5]);
    expect(y.range).toEqual([4.5, -0.5]);
    expect(y.scaleanchor).toBe("x");
    expect(y2.scaleanchor).toBe("x2");
    expect((spec.layout.xaxis2 as Record<string, unknown>).matches).toBe("x");
    expect(y2.matches).toBe("y");
  });

  it("hovers with query index, key index and the weight to 4 significant digits", () => {
    const spec = heatmapFigure(heatmap(1, 1, 2, 2), LIGHT_THEME);
    expect(spec.data[0].hovertemplate).toBe("query %{y}<br>key %{x}<br>weight %{z:.4~g}<extra></extra>");
    expect(spec.data[0].text).toBeUndefined();
  });

  it("names the query and key labels in the hover text and tick labels, as text rather than markup", () => {
    const spec = heatmapFigure(
      heatmap(1, 1, 2, 3, { xTickLabels: ["<b>on</b>", "a&b", "c"], yTickLabels: ["q0", "q1"] }),
      LIGHT_THEME,
    );
    const text = spec.data[0].text as string[][];
    expect(text).toHaveLength(2);
    expect(text[1][0]).toBe("query 1: q1<br>key 0: &lt;b&gt;on&lt;/b&gt;");
    expect(text[0][1]).toBe("query 0: q0<br>key 1: a&amp;b");
    expect(spec.data[0].hovertemplate).toBe("%{text}<br>weight %{z:.4~g}<extra></extra>");
    expect(spec.layout.xaxis).toMatchObject({ tickmode: "array", tickvals: [0, 1, 2], ticktext: ["&lt;b&gt;on&lt;/b&gt;", "a&amp;b", "c"] });
  });

  it("puts each column's title over every panel of that column", () => {
    const spec = heatmapFigure(heatmap(2, 2, 2, 2, { titles: ["Head 1", "<i>Head 2</i>"] }), LIGHT_THEME);
    const annotations = spec.layout.annotations as Array<{ text: string; y: number }>;
    expect(annotations.map((a) => a.text)).toEqual(["Head 1", "&lt;i&gt;Head 2&lt;/i&gt;", "Head 1", "&lt;i&gt;Head 2&lt;/i&gt;"]);
    expect(annotations[0].y).toBeGreaterThan(annotations[2].y);
  });

  it("takes its colours from the theme", () => {
    const spec = heatmapFigure(heatmap(1, 1, 2, 2), DARK);
    expect(spec.layout.paper_bgcolor).toBe(DARK.background);
    expect(spec.layout.plot_bgcolor).toBe(DARK.background);
    expect(spec.layout.font).toMatchObject({ color: DARK.foreground });
    expect(spec.layout.xaxis).toMatchObject({ color: DARK.foreground });
  });

  it("keeps the figsize's aspect at a size that can be hovered", () => {
    const small = heatmapFigure(heatmap(1, 1, 2, 2), LIGHT_THEME);
    expect(small.width).toBe(320);
    expect(small.height).toBe(320);
    const wide = heatmapFigure(heatmap(1, 1, 2, 2, { figsize: [7, 3.5] }), LIGHT_THEME);
    expect([wide.width, wide.height]).toEqual([700, 350]);
  });
});

describe("panelMatrices", () => {
  it("decodes uint8-base64 values into the colour range, panel by panel, row-major", () => {
    const bytes = Uint8Array.from([0, 255, 51, 102, 255, 0, 0, 0]);
    const payload = heatmap(1, 2, 2, 2, {
      values: { encoding: "uint8-base64", data: Buffer.from(bytes).toString("base64") },
      colorRange: [-1, 4],
    });
    expect(panelMatrices(payload)).toEqual([
      [[-1, 4], [0, 1]],
      [[4, -1], [-1, -1]],
    ]);
  });
});

describe("gridDomains", () => {
  it("tiles the figure row by row without overlaps, leaving the asked-for right margin", () => {
    const domains = gridDomains(2, 3, { gapX: 0.05, gapY: 0.1, right: 0.1 });
    expect(domains).toHaveLength(6);
    expect(domains[0].y[1]).toBe(1);
    expect(domains[5].y[0]).toBeCloseTo(0, 6);
    expect(domains[2].x[1]).toBeCloseTo(0.9, 6);
    for (const d of domains) {
      expect(d.x[0]).toBeLessThan(d.x[1]);
      expect(d.y[0]).toBeLessThan(d.y[1]);
    }
    expect(domains[1].x[0]).toBeGreaterThan(domains[0].x[1]);
    expect(domains[3].y[1]).toBeLessThan(domains[0].y[0]);
  });
});

describe("heatmapFigure with values that are not finite (payload version 2)", () => {
  const withNaN = () =>
    heatmap(1, 1, 2, 2, { version: 2, values: { encoding: "array", data: [[[[0.1, "NaN"], ["Infinity", 0.5]]]] }, colorRange: [0.1, 0.5] });

  it("leaves non-finite cells uncoloured (null), hatches them with an overlay, and hovers them by name", () => {
    const spec = heatmapFigure(withNaN(), LIGHT_THEME);
    expect(spec.data).toHaveLength(2);
    const [cells, hatch] = spec.data;
    expect(cells.z).toEqual([[0.1, null], [null, 0.5]]);
    expect(cells.text).toEqual([
      ["query 0<br>key 0<br>weight 0.1", "query 0<br>key 1<br>weight NaN"],
      ["query 1<br>key 0<br>weight +Infinity", "query 1<br>key 1<br>weight 0.5"],
    ]);
    expect(cells.hovertemplate).toBe("%{text}<extra></extra>");
    expect(hatch).toMatchObject({ type: "scatter", fill: "toself", hoverinfo: "skip", xaxis: "x", yaxis: "y" });
    expect((hatch as { fillpattern: { shape: string } }).fillpattern.shape).toBe("/");
    // One rectangle per run of missing cells in a row, separated by null.
    expect(hatch.x).toEqual([0.5, 1.5, 1.5, 0.5, 0.5, null, -0.5, 0.5, 0.5, -0.5, -0.5, null]);
    expect(hatch.y).toEqual([-0.5, -0.5, 0.5, 0.5, -0.5, null, 0.5, 0.5, 1.5, 1.5, 0.5, null]);
    expect(spec.layout.coloraxis).toMatchObject({ cmin: 0.1, cmax: 0.5, showscale: true });
  });

  it("keeps tick labels in the hover, formats finite weights like %{z:.4~g}", () => {
    const p = withNaN();
    p.xTickLabels = ["<i>a</i>", "b"];
    const text = heatmapFigure(p, LIGHT_THEME).data[0].text as string[][];
    expect(text[0][1]).toBe("query 0<br>key 1: b<br>weight NaN");
    expect(text[0][0]).toBe("query 0<br>key 0: &lt;i&gt;a&lt;/i&gt;<br>weight 0.1");
    expect([0.123456, 1234567, 1e-7, 2, -0.5].map(fourDigits)).toEqual(["0.1235", "1.235e+6", "1e-7", "2", "-0.5"]);
  });

  it("draws an all-NaN grid as hatched, empty axes without a colour bar, with the payload's note", () => {
    const nan = [["NaN", "NaN"], ["NaN", "NaN"]] as WireNumber[][];
    const spec = heatmapFigure(
      heatmap(1, 1, 2, 2, { version: 2, values: { encoding: "array", data: [[nan]] }, colorRange: [0, 1], note: "No finite value to colour: all 4 cells are NaN." }),
      DARK,
    );
    expect(spec.layout.coloraxis).toMatchObject({ showscale: false });
    // Ticks on whole cells even without data for plotly to find them from.
    expect(spec.layout.xaxis).toMatchObject({ tickmode: "linear", tick0: 0, dtick: 1 });
    expect(spec.note).toBe("No finite value to colour: all 4 cells are NaN.");
    expect(spec.data[1].x).toEqual([-0.5, 1.5, 1.5, -0.5, -0.5, null, -0.5, 1.5, 1.5, -0.5, -0.5, null]);
    expect(spec.data[1].fillcolor).toBe("#3a3a3a");
  });

  it("decodes the nonFinite byte map of uint8-base64 values", () => {
    const payload = heatmap(1, 1, 1, 4, {
      version: 2,
      values: {
        encoding: "uint8-base64",
        data: Buffer.from([0, 255, 0, 0]).toString("base64"),
        nonFinite: Buffer.from([0, 0, 1, 3]).toString("base64"),
      },
      colorRange: [0, 1],
    });
    expect(panelMatrices(payload)).toEqual([[[0, 1, Number.NaN, Number.NEGATIVE_INFINITY]]]);
    expect(heatmapFigure(payload, LIGHT_THEME).data[0].text).toEqual([["query 0<br>key 0<br>weight 0", "query 0<br>key 1<br>weight 1", "query 0<br>key 2<br>weight NaN", "query 0<br>key 3<br>weight -Infinity"]]);
  });
});
