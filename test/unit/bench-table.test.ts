// The benchmark's table (bench/table.mjs): ratios divide by torch at its best, per row.
import { describe, expect, it } from "vitest";
import { bestTorch, END_MARKER, formatTable, replaceBetweenMarkers, START_MARKER } from "../../bench/table.mjs";

const machine = {
  cpu: "CPU", cores: 2, memory_gb: 8, os: "Debian 12", node: "v20", tfjs: "4.22.0", torch: "1.13",
  torch_threads: 1, blas: null, load_average_at_start: [0.5, 0.5, 0.5],
};
const timing = (median_ms: number) => ({ median_ms, peak_rss_mb: 100, times_ms: [median_ms] });

describe("bench table", () => {
  it("takes the faster torch column of each row, and skips failed ones", () => {
    expect(bestTorch({ torch: timing(10), torch_all: timing(6) })?.median_ms).toBe(6);
    expect(bestTorch({ torch: timing(10), torch_all: timing(16) })?.median_ms).toBe(10);
    expect(bestTorch({ torch: { error: "boom" }, torch_all: timing(16) })?.median_ms).toBe(16);
    expect(bestTorch({ torch: { error: "boom" } })).toBeNull();
  });

  it("prints both torch columns and divides d2l-ts's times by the faster one", () => {
    const report = {
      generated: "2026-12-01T00:00:00Z",
      settings: { repeats: 5, max_seconds: 60 },
      machine,
      rows: [
        { id: "a", label: "row a", torch: timing(10), torch_all: timing(5), reference: timing(50), fast: timing(4) },
        { id: "b", label: "row b", torch: timing(8), torch_all: timing(20), reference: timing(80), fast: timing(16) },
        { id: "c", label: "row c", torch: timing(8), torch_all: timing(9), reference: { pending: "code not merged" }, fast: { pending: "code not merged" } },
      ],
      ops: [{ id: "o", label: "op o", torch: { median_us: 30 }, torch_all: { median_us: 20 }, reference: { median_us: 4000 }, fast: { median_us: 10 } }],
      notebooks: null,
    };
    const table = formatTable(report);
    expect(table).toContain("| torch, 1 thread (default) | torch, 2 threads |");
    expect(table).toContain("| row a | 10.0 ms | *5.0 ms* | 50.0 ms | 4.0 ms | 10.00× | **0.80×** |");
    expect(table).toContain("| row b | *8.0 ms* | 20.0 ms | 80.0 ms | 16.0 ms | 10.00× | **2.00×** |");
    expect(table).toContain("| op o | 30 µs | *20 µs* | 4.0 ms | 10 µs | 200.00× | **0.50×** |");
    expect(table).toContain("| row c | *8.0 ms* | 9.0 ms | pending | pending | — | **—** |");
    expect(table).toContain("Pending: code not merged.");
  });

  it("shows the notebooks' medians with their number of runs and divides ours by the book's", () => {
    const report = {
      generated: "2026-12-01T00:00:00Z",
      settings: { repeats: 5, max_seconds: 60 },
      machine,
      rows: [],
      ops: [],
      notebooks: [
        { name: "notebooks/a.ipynb", kernel: "tslab (d2l-ts)", seconds: 3, runs: 5, compare: "book 11.2 (PyTorch)" },
        { name: "notebooks/b.ipynb", kernel: "tslab (d2l-ts)", seconds: 14, compare: "book 11.4 (PyTorch)" },
        { name: "book 11.2 (PyTorch, bench/book_sections.py)", kernel: "ipykernel (torch)", seconds: 4, runs: 5, compare: "notebooks/a.ipynb" },
        { name: "book 11.4 (PyTorch, bench/book_sections.py)", kernel: "ipykernel (torch)", seconds: 70, compare: "notebooks/b.ipynb" },
      ],
    };
    const table = formatTable(report);
    expect(table).toContain("| notebooks/a.ipynb | tslab (d2l-ts) | 3.00 s (median of 5) | book 11.2 (PyTorch), 0.75× |");
    expect(table).toContain("| notebooks/b.ipynb | tslab (d2l-ts) | 14.0 s | book 11.4 (PyTorch), 0.20× |");
    expect(table).toContain("| book 11.2 (PyTorch, bench/book_sections.py) | ipykernel (torch) | 4.00 s (median of 5) | notebooks/a.ipynb |");
  });

  it("replaces only the text between the markers", () => {
    const doc = `intro\n${START_MARKER}\nold\n${END_MARKER}\noutro`;
    expect(replaceBetweenMarkers(doc, "new")).toBe(`intro\n${START_MARKER}\nnew\n${END_MARKER}\noutro`);
    expect(replaceBetweenMarkers("no markers", "new")).toBe("no markers");
  });
});
