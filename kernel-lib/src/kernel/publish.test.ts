/**
 * The kernel adapter's three routes. The real tslab route is exercised end to end by
 * test/notebooks/figures.test.ts; here the routing, the message shape and the errors are checked
 * in-process with stand-ins for the two kernels' entry points.
 */
import Module from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MimeBundle } from "../figures/bundle";
import { KernelDisplayError, detectKernel, displaysSettled, publishDisplay, setNodeDisplayHandler } from "./publish";

const bundle: MimeBundle = {
  data: { "application/vnd.d2l-ts.plot+json": { version: 1 }, "image/svg+xml": "<svg/>", "text/plain": "Plot summary" },
  metadata: {},
};

const g = globalThis as Record<string, unknown>;
const cache = (Module as unknown as { _cache: Record<string, { exports: unknown }> })._cache;
const FAKE_KEY = "/tmp/fake/node_modules/tslab/dist/jupyter.js";

afterEach(() => {
  delete g.__tslab__;
  delete g.Deno;
  delete cache[FAKE_KEY];
  setNodeDisplayHandler(null);
  vi.restoreAllMocks();
});

describe("plain Node", () => {
  it("prints a new display's summary and stays quiet on updates", () => {
    expect(detectKernel()).toBe("node");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    publishDisplay(bundle);
    publishDisplay(bundle, { displayId: "a" });
    publishDisplay(bundle, { displayId: "a", update: true });
    expect(log.mock.calls).toEqual([["Plot summary"], ["Plot summary"]]);
  });

  it("hands bundles to a handler a caller installs", () => {
    const seen: unknown[] = [];
    setNodeDisplayHandler((b, o) => seen.push([b, o]));
    publishDisplay(bundle, { displayId: "x" });
    expect(seen).toEqual([[bundle, { displayId: "x" }]]);
  });

  it("refuses an update without a display id", () => {
    expect(() => publishDisplay(bundle, { update: true })).toThrow(KernelDisplayError);
  });
});

describe("tslab", () => {
  it("sends the whole bundle in one message through the kernel's writer, with the display id", () => {
    const calls: unknown[] = [];
    g.__tslab__ = {};
    cache[FAKE_KEY] = { exports: { lastWriteDisplayData: (msg: unknown, update: boolean) => calls.push([msg, update]) } };
    expect(detectKernel()).toBe("tslab");
    publishDisplay(bundle, { displayId: "board-0" });
    publishDisplay(bundle, { displayId: "board-0", update: true });
    publishDisplay(bundle);
    expect(calls).toEqual([
      [{ data: bundle.data, metadata: {}, transient: { display_id: "board-0" } }, false],
      [{ data: bundle.data, metadata: {}, transient: { display_id: "board-0" } }, true],
      [{ data: bundle.data, metadata: {}, transient: {} }, false],
    ]);
  });

  it("fails loudly when the kernel's writer cannot be reached", () => {
    g.__tslab__ = {};
    expect(() => publishDisplay(bundle)).toThrow(/tslab: running in the tslab kernel but its module tslab\/dist\/jupyter.js is not loaded/);
    cache[FAKE_KEY] = { exports: { lastWriteDisplayData: null } };
    expect(() => publishDisplay(bundle)).toThrow(/has not executed a cell yet/);
  });
});

describe("Deno", () => {
  it("queues each bundle with Deno.jupyter.broadcast while the cell runs, returning nothing (Deno 2.9)", () => {
    const calls: unknown[] = [];
    g.Deno = { jupyter: { broadcast: (type: string, content: unknown) => void calls.push([type, content]) } };
    expect(detectKernel()).toBe("deno");
    expect(publishDisplay(bundle)).toBeUndefined();
    expect(publishDisplay(bundle, { displayId: "d", update: true })).toBeUndefined();
    expect(calls).toEqual([
      ["display_data", { data: bundle.data, metadata: {}, transient: {} }],
      ["update_display_data", { data: bundle.data, metadata: {}, transient: { display_id: "d" } }],
    ]);
  });

  it("returns the send's promise where broadcast is asynchronous, and displaysSettled waits for every pending send", async () => {
    const sent: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    g.Deno = {
      jupyter: {
        broadcast: async (_type: string, content: { data: { "text/plain": string } }) => {
          await gate;
          sent.push(content.data["text/plain"]);
        },
      },
    };
    const first = publishDisplay(bundle);
    expect(first).toBeInstanceOf(Promise);
    let settled = false;
    const all = displaysSettled().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(false);
    release();
    await all;
    expect(sent).toEqual(["Plot summary"]);
    await expect(displaysSettled()).resolves.toBeUndefined();
  });

  it("returns nothing outside Deno, so tslab prints no value for a figure call", () => {
    setNodeDisplayHandler(() => {});
    expect(publishDisplay(bundle)).toBeUndefined();
  });

  it("reports a rejected display instead of dropping it", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    g.Deno = { jupyter: { broadcast: () => Promise.reject(new Error("socket closed")) } };
    void publishDisplay(bundle);
    await new Promise((r) => setTimeout(r, 0));
    expect(String(error.mock.calls[0][0])).toMatch(/KernelDisplayError: Deno.jupyter.broadcast failed: Error: socket closed/);
  });

  it("treats `deno run`, where reading Deno.jupyter throws, as plain Node", () => {
    g.Deno = Object.defineProperty({}, "jupyter", { get: () => { throw new Error("only in deno jupyter"); } });
    expect(detectKernel()).toBe("node");
  });

  it("says which Deno is too old when broadcast is missing", () => {
    g.Deno = { jupyter: {} };
    expect(() => publishDisplay(bundle)).toThrow(/Deno.jupyter.broadcast is missing/);
  });
});
