import { describe, expect, it } from "vitest";
import { ProgressBoard } from "./progress-board";

describe("ProgressBoard recording (section 3.2)", () => {
  it("averages every everyN points per label, keeping labels apart", () => {
    const board = new ProgressBoard({ display: false });
    const xs = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
    xs.forEach((x, k) => board.draw(x, 10 * k, "train_loss", 3));
    board.draw(1, 5, "val_loss", 1);
    board.draw(2, 7, "val_loss", 1);
    const train = board.data.get("train_loss")!;
    expect(train).toHaveLength(2);
    expect(train[0].x).toBeCloseTo((0.1 + 0.2 + 0.3) / 3, 12);
    expect(train[0].y).toBeCloseTo((0 + 10 + 20) / 3, 12);
    expect(train[1].x).toBeCloseTo((0.4 + 0.5 + 0.6) / 3, 12);
    expect(train[1].y).toBeCloseTo((30 + 40 + 50) / 3, 12);
    expect(board.rawPoints.get("train_loss")).toEqual([{ x: 0.7, y: 60 }]);
    expect(board.data.get("val_loss")).toEqual([{ x: 1, y: 5 }, { x: 2, y: 7 }]);
    expect([...board.data.keys()]).toEqual(["train_loss", "val_loss"]);
  });

  it("keeps the book's defaults and accepts the fields the trainer sets", () => {
    const board = new ProgressBoard();
    expect(board.ls).toEqual(["-", "--", "-.", ":"]);
    expect(board.colors).toEqual(["C0", "C1", "C2", "C3"]);
    expect(board.figsize).toEqual([3.5, 2.5]);
    expect(board.display).toBe(true);
    board.xlabel = "epoch";
    board.xlim = [0, 5];
    expect(board.xlim).toEqual([0, 5]);
  });

  it("names the bad argument", () => {
    const board = new ProgressBoard({ display: false });
    expect(() => board.draw(0, 1, "loss", 0)).toThrow("ProgressBoard.draw: everyN must be a positive integer; got 0");
    expect(() => board.draw(0, "1" as unknown as number, "loss")).toThrow(/y must be a number; got string/);
  });
});
