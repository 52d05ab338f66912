import { FIGURE_CONTRACT_VERSION, HEATMAP_MIME_TYPE, PLOT_MIME_TYPE } from "d2l-ts-figure-contract";
import { describe, expect, it } from "vitest";

import { figureFromData } from "./figure-from-data";
import { LIGHT_THEME } from "./figure-spec";
import { axes, heatmap, plot, series } from "./test-payloads";

describe("figureFromData", () => {
  it("translates valid heatmap and plot payloads", () => {
    const h = figureFromData(HEATMAP_MIME_TYPE, heatmap(1, 1, 2, 2), LIGHT_THEME);
    expect(h.kind === "figure" && h.spec.data[0].type).toBe("heatmap");
    const p = figureFromData(PLOT_MIME_TYPE, plot([axes()]), LIGHT_THEME);
    expect(p.kind === "figure" && p.spec.data[0].type).toBe("scatter");
  });

  it("reports every problem of a malformed payload instead of drawing it", () => {
    const outcome = figureFromData(HEATMAP_MIME_TYPE, { version: 1, gridRows: 0 }, LIGHT_THEME);
    expect(outcome.kind).toBe("invalid");
    if (outcome.kind !== "invalid") return;
    expect(outcome.message).toContain(HEATMAP_MIME_TYPE);
    expect(outcome.problems.length).toBeGreaterThan(1);
    expect(outcome.problems.join("\n")).toMatch(/values|gridCols/);
  });

  it("catches a payload that passes the schema but whose parts disagree", () => {
    const bad = { ...heatmap(1, 2, 2, 2), xlabels: ["only one"] };
    const outcome = figureFromData(HEATMAP_MIME_TYPE, bad, LIGHT_THEME);
    expect(outcome).toMatchObject({ kind: "invalid", problems: ["/xlabels: has 1 entry, expected gridCols = 2"] });
  });

  it("treats strings, null and arrays as malformed, not as crashes", () => {
    for (const data of ["{}", null, [1, 2], 42]) {
      expect(figureFromData(PLOT_MIME_TYPE, data, LIGHT_THEME).kind).toBe("invalid");
    }
  });

  it("falls back to the static picture for a payload of a newer contract version", () => {
    const next = FIGURE_CONTRACT_VERSION + 1;
    const outcome = figureFromData(PLOT_MIME_TYPE, { ...plot([axes()]), version: next }, LIGHT_THEME);
    expect(outcome.kind).toBe("other-version");
    expect(outcome.kind === "other-version" && outcome.message).toMatch(new RegExp(`payload version ${next}.*draws versions up to ${FIGURE_CONTRACT_VERSION}`));
  });

  it("draws payloads of every older version: version 1 (no non-finite values) and version 2", () => {
    expect(figureFromData(PLOT_MIME_TYPE, { ...plot([axes()]), version: 1 }, LIGHT_THEME).kind).toBe("figure");
    expect(figureFromData(PLOT_MIME_TYPE, { ...plot([axes()]), version: 2 }, LIGHT_THEME).kind).toBe("figure");
    expect(figureFromData(PLOT_MIME_TYPE, { ...plot([axes()]), version: 3 }, LIGHT_THEME).kind).toBe("figure");
    // A version-1 payload carrying a NaN is malformed (version 1 has no NaN), not drawn wrongly.
    const old = plot([axes({ series: [series({ y: [1, "NaN", 3] })] })], 1, 1, { version: 2 });
    const outcome = figureFromData(PLOT_MIME_TYPE, { ...old, version: 1 }, LIGHT_THEME);
    expect(outcome).toMatchObject({ kind: "invalid" });
    expect(outcome.kind === "invalid" && outcome.problems[0]).toMatch(/needs payload version 2/);
    expect(figureFromData(PLOT_MIME_TYPE, { ...plot([axes()]), version: 0 }, LIGHT_THEME).kind).toBe("invalid");
  });
});
