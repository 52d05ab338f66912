import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { MimeBundle } from "../figures";
import { setNodeDisplayHandler, type PublishOptions } from "../kernel/publish";
import { ProgressBoard } from "../training/progress-board";
import { heatmapFigure } from "./heatmaps";
import { plot, plotFigure } from "./plot";

afterEach(() => setNodeDisplayHandler(null));

function capture(): Array<[MimeBundle, PublishOptions]> {
  const seen: Array<[MimeBundle, PublishOptions]> = [];
  setNodeDisplayHandler((b, o) => seen.push([b, o]));
  return seen;
}

describe("Figure", () => {
  it("shows as its bundle in Deno and as its summary in tslab/Node", () => {
    const f = heatmapFigure([[[[0, 1], [1, 0]]]], { xlabel: "k", ylabel: "q" });
    const jupyter = (f as unknown as Record<symbol, () => unknown>)[Symbol.for("Jupyter.display")]();
    expect(jupyter).toBe(f.bundle.data);
    expect(inspect(f)).toBe(String(f.bundle.data["text/plain"]));
  });

  it("plot() publishes one bundle", () => {
    const seen = capture();
    plot([0, 1], [1, 0], { legend: ["down"] });
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toEqual(plotFigure([0, 1], [1, 0], { legend: ["down"] }).bundle);
    expect(seen[0][1]).toEqual({});
  });
});

describe("ProgressBoard live display (section 3.2)", () => {
  it("shows one display and then updates it in place with every averaged point", () => {
    const seen = capture();
    const board = new ProgressBoard({ xlabel: "epoch" });
    for (let k = 1; k <= 6; k++) board.draw(k, 10 - k, "train_loss", 2);
    board.draw(3, 5, "val_loss");
    expect(seen).toHaveLength(4); // 3 averaged train points + 1 val point
    const ids = new Set(seen.map(([, o]) => o.displayId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^d2l-ts-progress-board-\d+$/);
    expect(seen.map(([, o]) => o.update)).toEqual([false, true, true, true]);
    const last = seen[3][0].data["application/vnd.d2l-ts.plot+json"] as { axes: Array<{ series: Array<{ label: string; x: number[]; y: number[]; line: string; color: string }> }> };
    expect(last.axes[0].series.map((s) => [s.label, s.x, s.y, s.line, s.color])).toEqual([
      ["train_loss", [1.5, 3.5, 5.5], [8.5, 6.5, 4.5], "solid", "#1f77b4"],
      ["val_loss", [3], [5], "dashed", "#ff7f0e"],
    ]);
    expect(board.lastBundle).toBe(seen[3][0]);
  });

  it("two boards get two displays; display=false only records", () => {
    const seen = capture();
    const a = new ProgressBoard();
    const b = new ProgressBoard();
    a.draw(0, 1, "x");
    b.draw(0, 1, "x");
    expect(seen[0][1].displayId).not.toBe(seen[1][1].displayId);
    const quiet = new ProgressBoard({ display: false });
    quiet.draw(0, 1, "x");
    expect(seen).toHaveLength(2);
    expect(quiet.data.get("x")).toEqual([{ x: 0, y: 1 }]);
  });

  it("sends every point, as plot does: NaN breaks the curve, the summary counts it, nothing fails", () => {
    capture();
    const board = new ProgressBoard({ yscale: "log" });
    board.draw(0, 1, "loss");
    board.draw(1, 0, "loss");
    board.draw(2, Number.NaN, "loss");
    board.draw(3, 0.5, "loss");
    board.draw(4, Number.POSITIVE_INFINITY, "loss");
    const data = board.lastBundle!.data;
    const payload = data["application/vnd.d2l-ts.plot+json"] as { version: number; axes: Array<{ series: Array<{ x: unknown[]; y: unknown[] }> }> };
    expect(payload.version).toBe(2);
    expect(payload.axes[0].series[0]).toMatchObject({ x: [0, 1, 2, 3, 4], y: [1, 0, "NaN", 0.5, "Infinity"] });
    expect(data["text/plain"]).toBe("Plot loss (5 points, not finite: 1 NaN, 1 +Infinity)");
    expect(board.data.get("loss")).toHaveLength(5);
  });

  it("holdDisplay() only records; releaseDisplay() shows the board once, as a new display", () => {
    const seen = capture();
    const board = new ProgressBoard();
    board.draw(0, 3, "loss");
    board.holdDisplay();
    board.draw(1, 2, "loss");
    board.annotate("held note");
    board.draw(2, 1, "loss");
    expect(seen).toHaveLength(1);
    board.releaseDisplay();
    board.releaseDisplay(); // not held any more: nothing to show
    expect(seen.map(([, o]) => o.update)).toEqual([false, false]);
    expect(seen[1][1].displayId).not.toBe(seen[0][1].displayId);
    expect(seen[1][0].data["text/plain"]).toBe("Plot loss (3 points). Note: held note");
    const empty = new ProgressBoard();
    empty.holdDisplay();
    empty.releaseDisplay();
    expect(seen).toHaveLength(2);
  });

  it("annotate() redraws the shown board in place with a note", () => {
    const seen = capture();
    const board = new ProgressBoard();
    board.annotate("not shown yet");
    expect(seen).toHaveLength(0);
    board.draw(0, 1, "loss");
    board.annotate("Training stopped at epoch 1");
    expect(seen.map(([, o]) => o.update)).toEqual([false, true]);
    expect(seen[1][1].displayId).toBe(seen[0][1].displayId);
    expect((seen[1][0].data["application/vnd.d2l-ts.plot+json"] as { note?: string }).note).toBe("Training stopped at epoch 1");
    expect(seen[1][0].data["image/svg+xml"]).toContain("Training stopped at epoch 1");
  });
});
