import { describe, expect, it } from "vitest";

import { LIGHT_THEME, PIXELS_PER_POINT } from "./figure-spec";
import { plotFigure } from "./plot-figure";
import { axes, plot, series } from "./test-payloads";

describe("plotFigure", () => {
  it("draws each series in the style of its format string", () => {
    const spec = plotFigure(
      plot([
        axes({
          series: [
            series({ line: "dashed", color: "#ff00ff", fmt: "m--" }),
            series({ line: null, marker: "circle", alpha: 0.5, fmt: "o" }),
            series({ line: "dotted", marker: "x", fmt: "g:x" }),
            series({ line: "dashdot", marker: "point", fmt: "r-." }),
          ],
        }),
      ]),
      LIGHT_THEME,
    );
    const [dashed, points, dottedX, dashdot] = spec.data as Array<Record<string, any>>;
    expect(dashed).toMatchObject({ type: "scatter", mode: "lines", line: { color: "#ff00ff", dash: "dash" }, opacity: 1 });
    expect(dashed.line.width).toBeCloseTo(1.5 * PIXELS_PER_POINT);
    expect(points).toMatchObject({ mode: "markers", opacity: 0.5, marker: { symbol: "circle" } });
    expect(points.line).toBeUndefined();
    expect(dottedX).toMatchObject({ mode: "lines+markers", line: { dash: "dot" }, marker: { symbol: "x-thin-open" } });
    expect(dashdot.line.dash).toBe("dashdot");
    expect(dashdot.marker.size).toBeCloseTo(points.marker.size / 2);
  });

  it("shows a legend per panel, of the labelled series only, with labels as text", () => {
    const spec = plotFigure(
      plot([
        axes({ series: [series({ label: "train_loss" }), series({ label: null })], legend: true }),
        axes({ series: [series({ label: "<b>val</b>" })], legend: true }),
        axes({ series: [series({ label: "hidden" })], legend: false }),
      ]),
      LIGHT_THEME,
    );
    expect(spec.data.map((t) => [t.name, t.showlegend, t.legend])).toEqual([
      ["train_loss", true, "legend"],
      ["", false, "legend"],
      ["&lt;b&gt;val&lt;/b&gt;", true, "legend2"],
      ["hidden", false, "legend3"],
    ]);
    expect(spec.layout.showlegend).toBe(true);
    expect(spec.layout.legend).toBeDefined();
    expect(spec.layout.legend2).toBeDefined();
    expect(spec.layout.legend3).toBeUndefined();
  });

  it("applies xlim, ylim and log axes (plotly's log ranges are powers of ten)", () => {
    const spec = plotFigure(
      plot([axes({ xlim: [1, 5], ylim: [0.01, 100], yscale: "log", series: [series({ y: [0.1, 1, 10] })] })]),
      LIGHT_THEME,
    );
    expect(spec.layout.xaxis).toMatchObject({ type: "linear", autorange: false, range: [1, 5] });
    expect(spec.layout.yaxis).toMatchObject({ type: "log", autorange: false, range: [-2, 2] });
    const free = plotFigure(plot([axes({ xscale: "log" })]), LIGHT_THEME);
    expect(free.layout.xaxis).toMatchObject({ type: "log", autorange: true });
  });

  it("lays out a grid of panels row by row, sharing y within a row when asked", () => {
    const spec = plotFigure(plot([axes(), axes(), axes(), axes()], 2, 2, { sharey: true }), LIGHT_THEME);
    const axis = (key: string) => spec.layout[key] as Record<string, any>;
    expect(spec.data.map((t) => [t.xaxis, t.yaxis])).toEqual([["x", "y"], ["x2", "y2"], ["x3", "y3"], ["x4", "y4"]]);
    expect(axis("yaxis2")).toMatchObject({ matches: "y", showticklabels: false });
    expect(axis("yaxis4")).toMatchObject({ matches: "y3", showticklabels: false });
    expect(axis("yaxis3").matches).toBeUndefined();
    expect(axis("xaxis2").domain[0]).toBeGreaterThan(axis("xaxis").domain[1]);
    expect(axis("yaxis3").domain[1]).toBeLessThan(axis("yaxis").domain[0]);
    expect(axis("xaxis2").anchor).toBe("y2");
  });

  it("puts panel titles and axis labels in, escaped", () => {
    const spec = plotFigure(plot([axes({ title: "a < b", xlabel: "epoch", ylabel: null })]), LIGHT_THEME);
    expect((spec.layout.annotations as Array<{ text: string }>).map((a) => a.text)).toEqual(["a &lt; b"]);
    expect((spec.layout.xaxis as any).title.text).toBe("epoch");
    expect((spec.layout.yaxis as any).title.text).toBe("");
  });
});

describe("plotFigure with coordinates that are not finite (payload version 2)", () => {
  it("breaks lines at NaN and infinities (null, gaps not connected) and marks infinities on the panel's edge", () => {
    const s = series({ x: [0, 1, 2, 3, 4, "Infinity"], y: [1, "NaN", 2, "Infinity", "-Infinity", 3], label: "loss<1>" });
    const spec = plotFigure(plot([axes({ series: [s] })], 1, 1, { version: 2 }), LIGHT_THEME);
    expect(spec.data[0].y).toEqual([1, null, 2, null, null, 3]);
    expect(spec.data[0].x).toEqual([0, 1, 2, 3, 4, null]);
    expect(spec.data[0].connectgaps).toBe(false);
    const marks = (spec.layout.annotations as Array<Record<string, unknown>>).filter((a) => a.showarrow === false && a.hovertext);
    expect(marks.map((m) => [m.text, m.x, m.xref, m.y, m.yref])).toEqual([
      ["▲", 3, "x", 1, "y domain"],
      ["▼", 4, "x", 0, "y domain"],
      ["▶", 1, "x domain", 3, "y"],
    ]);
    expect(marks[0].hovertext).toBe("loss&lt;1&gt;: x = 3, y = +Infinity");
    expect(marks[2].hovertext).toBe("loss&lt;1&gt;: x = +Infinity, y = 3");
    expect(marks.every((m) => (m.font as { color: string }).color === s.color)).toBe(true);
  });

  it("places the marks of a log axis by log10, and shows the payload's note", () => {
    const s = series({ x: [10, 100], y: ["Infinity", 5] });
    const spec = plotFigure(plot([axes({ series: [s], xscale: "log" })], 1, 1, { version: 2, note: "Training stopped" }), LIGHT_THEME);
    const marks = (spec.layout.annotations as Array<Record<string, unknown>>).filter((a) => a.hovertext);
    expect(marks[0].x).toBe(1);
    expect(spec.note).toBe("Training stopped");
    expect(plotFigure(plot([axes()]), LIGHT_THEME).note).toBeNull();
  });
});
