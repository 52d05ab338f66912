import { describe, expect, it } from "vitest";
import { EpochValues, MAX_EPOCH_LINES, formatValue, nonFiniteMessage, reportsEpoch } from "./epoch-report";

describe("epoch lines of Trainer.fit in plain Node", () => {
  it("reports every epoch up to 20, then the first, every k-th and the last", () => {
    const reported = (n: number) => Array.from({ length: n }, (_, k) => k + 1).filter((e) => reportsEpoch(e, n));
    expect(reported(5)).toEqual([1, 2, 3, 4, 5]);
    expect(reported(MAX_EPOCH_LINES)).toHaveLength(MAX_EPOCH_LINES);
    expect(reported(45)).toEqual([1, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45]);
    for (const n of [21, 100, 1000, 12345]) expect(reported(n).length).toBeLessThanOrEqual(MAX_EPOCH_LINES + 2);
  });

  it("formats values with 4 significant digits and names the non-finite ones", () => {
    expect([0.123456, 12.3456, 0, 2.5e-5, 1.947e21, -0.5].map(formatValue)).toEqual(["0.1235", "12.35", "0.000", "2.500e-5", "1.947e+21", "-0.5000"]);
    expect([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY].map(formatValue)).toEqual(["NaN", "Infinity", "-Infinity"]);
  });

  it("gives each label's mean over the epoch, in order of first use, and counts non-finite batches", () => {
    const values = new EpochValues();
    expect(values.line(1, 3)).toBe("epoch 1/3: nothing plotted");
    values.add("train_loss", 1);
    values.add("train_loss", 2);
    values.add("val_loss", 0.5);
    values.add("val_acc", 0.75);
    expect(values.line(1, 3)).toBe("epoch 1/3: train_loss 1.500, val_loss 0.5000, val_acc 0.7500");
    values.clear();
    values.add("train_loss", 1);
    values.add("train_loss", Number.POSITIVE_INFINITY);
    values.add("val_loss", Number.NaN);
    expect(values.line(2, 3)).toBe("epoch 2/3: train_loss Infinity (1 of 2 batches not finite), val_loss NaN");
  });

  it("says where the value went non-finite and what usually helps", () => {
    expect(nonFiniteMessage("val_loss", Number.NaN, "at epoch 2 of 5 (validation batch 1 of 3)")).toBe(
      "val_loss became NaN at epoch 2 of 5 (validation batch 1 of 3); training goes on. Try a smaller learning rate, " +
        "gradient clipping (new d2l.Trainer({ maxEpochs, gradientClipVal: 1 })), or check the inputs for NaN or Infinity.",
    );
  });
});
