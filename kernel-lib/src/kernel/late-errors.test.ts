/**
 * Writers of a cell's stderr. tslab gives each cell its own `process.stderr.write`; a writer made
 * while a cell runs keeps writing to that cell. Checked with stand-ins for the per-cell writes;
 * the real kernel is exercised by test/notebooks/lost-errors.test.ts.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { cellStderrWriter, lateErrorWriter } from "./late-errors";

const g = globalThis as Record<string, unknown>;
const originalWrite = process.stderr.write;

afterEach(() => {
  delete g.__tslab__;
  process.stderr.write = originalWrite;
  vi.restoreAllMocks();
});

/** Installs a stand-in for one tslab cell's stderr; returns what it received. */
function cell(): string[] {
  const received: string[] = [];
  process.stderr.write = ((text: string) => received.push(text) > 0) as typeof process.stderr.write;
  return received;
}

describe("cellStderrWriter", () => {
  it("in tslab keeps writing to the cell that was running when it was made", () => {
    g.__tslab__ = {};
    const first = cell();
    const write = cellStderrWriter();
    const second = cell();
    write("d2l-ts warning: late\n");
    expect(first).toEqual(["d2l-ts warning: late\n"]);
    expect(second).toEqual([]);
  });

  it("elsewhere writes through console.warn, one line without its trailing newline", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    cellStderrWriter()("d2l-ts warning: now\n");
    expect(warn.mock.calls).toEqual([["d2l-ts warning: now"]]);
    expect(lateErrorWriter()).toBeNull();
  });
});
