/**
 * Property-based tests (fast-check, issue 12): the masked softmax, the figure builders and the
 * contract validator on random inputs, including the odd ones users' bug reports come from
 * (NaN and infinite values, markup and control characters in labels, malformed payloads).
 * Every run draws a fresh seed, so the suite keeps exploring; a failure prints its seed, path and
 * shrunk counterexample (pass `{ seed, path }` to `fc.assert` to replay it). Found so far: axes
 * over a span of subnormal numbers made d3's ticks throw (figures/axis.ts, MIN_TICK_SPAN).
 */
import Ajv from "ajv";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSvg, texts } from "./svg-parse";
import {
  HEATMAP_MIME_TYPE,
  PLOT_MIME_TYPE,
  figurePayloadProblems,
  heatmapPayloadProblems,
  plotPayloadProblems,
  type HeatmapPayload,
  type PlotPayload,
} from "d2l-ts-figure-contract";
import * as d2l from "../../kernel-lib/src";
import { heatmapFigure, plotFigure } from "../../kernel-lib/src/display";
import { figureFromData } from "../../extension/src/figure-from-data";
import { LIGHT_THEME } from "../../extension/src/figure-spec";

const tf = d2l.tf;
const RUNS = { numRuns: 150 };

// ---- arbitraries ----------------------------------------------------------------------------

/** Scores of every magnitude a model produces, finite. */
const score = fc.oneof(fc.double({ min: -60, max: 60, noNaN: true }), fc.double({ min: -1e30, max: 1e30, noNaN: true }));

/** Values a figure may be handed: ordinary ones and the ones that break figures. */
const figureValue = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -0, 1e-300, 1e300, -1e300) },
);

/** Labels with markup, entities, quotes, control characters and lone surrogates. */
const label = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom("<b>on</b>", "&amp;", "a & b", "<script>alert(1)</script>", "]]>", "'\"", "\u0000bell\u0007", "\ud800", "x<br>y"),
);

/** A grid shape (gridRows, gridCols, height, width) and values for it. */
const heatmapCase = fc
  .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
  .chain(([rows, cols, h, w]) =>
    fc.record({
      shape: fc.constant([rows, cols, h, w] as const),
      values: fc.array(figureValue, { minLength: rows * cols * h * w, maxLength: rows * cols * h * w }),
      xlabel: label,
      ylabel: label,
      titles: fc.option(fc.array(label, { minLength: cols, maxLength: cols }), { nil: null }),
      xTickLabels: fc.option(fc.array(label, { minLength: w, maxLength: w }), { nil: null }),
    }),
  );

/** A label as an XML parser reads it back: characters XML 1.0 forbids became U+FFFD
 * (figures/svg.ts), and line ends are normalised to \n (XML 1.0, section 2.11). */
function xmlText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r\n?/g, "\n").replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

// ---- masked softmax --------------------------------------------------------------------------

const softmaxCase = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }))
  .chain(([b, q, k]) =>
    fc.record({
      shape: fc.constant([b, q, k] as [number, number, number]),
      scores: fc.array(score, { minLength: b * q * k, maxLength: b * q * k }),
      lens: fc.oneof(
        fc.constant(null),
        fc.array(fc.integer({ min: 0, max: k + 2 }), { minLength: b, maxLength: b }),
        fc.array(fc.array(fc.integer({ min: 0, max: k + 2 }), { minLength: q, maxLength: q }), { minLength: b, maxLength: b }),
      ),
    }),
  );

/** The valid length of row (batch i, query j), or null for none. */
function lengthOf(lens: number[] | number[][] | null, i: number, j: number): number | null {
  if (lens === null) return null;
  const l = lens[i];
  return Array.isArray(l) ? l[j] : l;
}

describe("maskedSoftmax, for random shapes, scores and valid lengths", () => {
  it("gives rows that sum to 1, zero weight past the valid length, uniform rows for length 0", () => {
    fc.assert(
      fc.property(softmaxCase, ({ shape, scores, lens }) => {
        const [b, q, k] = shape;
        const y = tf.tidy(() => Array.from(d2l.maskedSoftmax(tf.tensor3d(scores, shape), lens).dataSync()));
        for (let i = 0; i < b; i++) {
          for (let j = 0; j < q; j++) {
            const row = y.slice((i * q + j) * k, (i * q + j + 1) * k);
            expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
            const len = lengthOf(lens, i, j);
            if (len === 0) row.forEach((v) => expect(v).toBeCloseTo(1 / k, 6));
            // Masked keys get no weight while the valid scores are far above the book's -1e6.
            const validScores = scores.slice((i * q + j) * k, (i * q + j) * k + Math.min(len ?? k, k));
            if (len !== null && len > 0 && Math.max(...validScores) > -1e5) row.slice(len).forEach((v) => expect(v).toBe(0));
          }
        }
      }),
      RUNS,
    );
  });

  it("with lengths ≥ keys masks nothing: equal to the plain softmax", () => {
    fc.assert(
      fc.property(softmaxCase, fc.integer({ min: 0, max: 3 }), ({ shape, scores }, extra) => {
        const [b, , k] = shape;
        tf.tidy(() => {
          const x = tf.tensor3d(scores, shape);
          const masked = d2l.maskedSoftmax(x, Array(b).fill(k + extra)).dataSync();
          const plain = tf.softmax(x).dataSync();
          masked.forEach((v, n) => expect(v).toBeCloseTo(plain[n], 6));
        });
      }),
      RUNS,
    );
  });

  it("with maskValue -Infinity masks exactly whatever the scores, and Σ weights has zero gradient", () => {
    fc.assert(
      fc.property(softmaxCase, ({ shape, scores, lens }) => {
        const [b, q, k] = shape;
        tf.tidy(() => {
          const x = tf.tensor3d(scores, shape);
          const y = d2l.maskedSoftmax(x, lens, { maskValue: -Infinity }).dataSync();
          for (let i = 0; i < b; i++) {
            for (let j = 0; j < q; j++) {
              const len = lengthOf(lens, i, j);
              const row = Array.from(y.slice((i * q + j) * k, (i * q + j + 1) * k));
              expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
              if (len !== null && len > 0) row.slice(len).forEach((v) => expect(v).toBe(0));
            }
          }
          // Rows always sum to 1, so the sum of all weights does not change with X.
          const grad = tf.grad((t: d2l.tf.Tensor) => d2l.maskedSoftmax(t as d2l.tf.Tensor3D, lens).sum())(x).dataSync();
          grad.forEach((g) => expect(Math.abs(g)).toBeLessThan(1e-5));
        });
      }),
      RUNS,
    );
  });
});

// ---- figure builders -------------------------------------------------------------------------

describe("figure builders, for random shapes, values and labels", () => {
  it("heatmaps: a valid payload, a strictly parsable SVG showing the labels as text, non-finite cells counted and hovered by name", () => {
    fc.assert(
      fc.property(heatmapCase, ({ shape, values, xlabel, ylabel, titles, xTickLabels }) => {
        const [rows, cols, h, w] = shape;
        const at = (r: number, c: number, i: number, j: number) => values[((r * cols + c) * h + i) * w + j];
        const matrices = Array.from({ length: rows }, (_, r) =>
          Array.from({ length: cols }, (_, c) => Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => at(r, c, i, j)))),
        );
        const figure = heatmapFigure(matrices, { xlabel, ylabel, titles, xTickLabels });
        expect(heatmapPayloadProblems(figure.payload)).toEqual([]);
        // The colour range spans the finite values only.
        const finite = values.filter(Number.isFinite);
        if (finite.length > 0 && Math.min(...finite) < Math.max(...finite)) {
          expect(figure.payload.colorRange[0]).toBeCloseTo(Math.min(...finite), 6);
          expect(figure.payload.colorRange[1]).toBeCloseTo(Math.max(...finite), 6);
        }
        const shown = texts(parseSvg(figure.svg));
        if (xlabel !== "" && xlabel.trim() !== "") expect(shown).toContain(xmlText(xlabel));
        const nonFinite = values.length - finite.length;
        if (nonFinite > 0) expect(figure.toString()).toContain(`${nonFinite} of ${values.length} cells not finite`);
        else expect(figure.toString()).not.toContain("not finite");
        // The renderer draws the same payload after a JSON round trip (what Jupyter carries).
        const wire = JSON.parse(JSON.stringify(figure.payload)) as HeatmapPayload;
        const outcome = figureFromData(HEATMAP_MIME_TYPE, wire, LIGHT_THEME);
        expect(outcome.kind).toBe("figure");
        if (outcome.kind !== "figure") return;
        const heatmaps = outcome.spec.data.filter((t) => t.type === "heatmap");
        expect(heatmaps).toHaveLength(rows * cols);
        const nulls = heatmaps.reduce((n, t) => n + (t.z as Array<Array<number | null>>).flat().filter((v) => v === null).length, 0);
        expect(nulls).toBe(nonFinite);
        heatmaps.forEach((t, p) => {
          const [r, c] = [Math.floor(p / cols), p % cols];
          (t.z as Array<Array<number | null>>).forEach((row, i) =>
            row.forEach((z, j) => {
              const v = at(r, c, i, j);
              if (Number.isFinite(v)) return;
              expect(z).toBeNull();
              const hover = (t.text as string[][])[i][j];
              expect(hover.endsWith(Number.isNaN(v) ? "weight NaN" : v > 0 ? "weight +Infinity" : "weight -Infinity")).toBe(true);
            }),
          );
        });
      }),
      { numRuns: 60 },
    );
  });

  it("plots: a valid payload, a parsable SVG, lines broken exactly at the points that are not finite", () => {
    const seriesCase = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.record({
        x: fc.array(figureValue, { minLength: n, maxLength: n }),
        y: fc.array(figureValue, { minLength: n, maxLength: n }),
        legend: label,
        title: label,
      }),
    );
    fc.assert(
      fc.property(seriesCase, ({ x, y, legend, title }) => {
        const figure = plotFigure(x, y, { legend: [legend], title });
        expect(plotPayloadProblems(figure.payload)).toEqual([]);
        parseSvg(figure.svg);
        const wire = JSON.parse(JSON.stringify(figure.payload)) as PlotPayload;
        const outcome = figureFromData(PLOT_MIME_TYPE, wire, LIGHT_THEME);
        expect(outcome.kind).toBe("figure");
        if (outcome.kind !== "figure") return;
        const trace = outcome.spec.data[0];
        (trace.y as Array<number | null>).forEach((v, k) => expect(v === null).toBe(!Number.isFinite(y[k])));
        expect(trace.name).not.toContain("<"); // markup characters arrive escaped
      }),
      { numRuns: 100 },
    );
  });
});

// ---- the contract validator ------------------------------------------------------------------

/** A valid payload to start mutations from (built by the library itself). */
const validHeatmap = heatmapFigure([[[[0.1, Number.NaN], [Infinity, 0.5]]]], { xlabel: "k", ylabel: "q", titles: ["t"] }).payload;
const validPlot = plotFigure([0, 1, 2], [[1, Number.NaN, 3]], { legend: ["y"] }).payload;

/** Every JSON path (as keys) inside `value`. */
function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== "object") return [prefix];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, k) => k) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => pathsOf((value as Record<string | number, unknown>)[k], [...prefix, k]))];
}

/** `payload` with the value at `at` replaced by `replacement`, or deleted when it is undefined. */
function mutate(payload: unknown, at: Array<string | number>, replacement: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
  if (at.length === 0) return replacement;
  let node: Record<string | number, unknown> = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = at[at.length - 1];
  if (replacement === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else {
    node[last] = replacement;
  }
  return copy;
}

const mutation = (payload: unknown) =>
  fc.record({
    at: fc.constantFrom(...pathsOf(payload)),
    replacement: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(Number.NaN, Infinity, "NaN", "nan", -1, 0, 2, 3, 1e9, "", [], {})),
  });

describe("the contract validator, for random malformed payloads", () => {
  for (const [mimeType, payload] of [[HEATMAP_MIME_TYPE, validHeatmap], [PLOT_MIME_TYPE, validPlot]] as const) {
    it(`${mimeType}: problems are readable strings, never a throw, and the renderer shows them instead of drawing`, () => {
      fc.assert(
        fc.property(mutation(payload), ({ at, replacement }) => {
          const broken = mutate(payload, at, replacement);
          const problems = figurePayloadProblems(mimeType, broken);
          problems.forEach((p) => expect(p).toMatch(/^\/\S*: .+|is not a d2l-ts figure MIME type/));
          const outcome = figureFromData(mimeType, broken, LIGHT_THEME);
          if (problems.length > 0) {
            expect(["invalid", "other-version"]).toContain(outcome.kind);
            if (outcome.kind === "invalid") expect(outcome.problems).toEqual(problems);
          } else {
            expect(outcome.kind).toBe("figure");
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it("any JSON value at all: a list of problems, never a throw", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (value) => {
        for (const mimeType of [HEATMAP_MIME_TYPE, PLOT_MIME_TYPE]) {
          expect(() => figurePayloadProblems(mimeType, value)).not.toThrow();
          expect(() => figureFromData(mimeType, value, LIGHT_THEME)).not.toThrow();
        }
      }),
      { numRuns: 300 },
    );
  });

  it("is never looser than the shipped version-1 schema for payloads labelled version 1", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const schemas = ["heatmap", "plot"].map((kind) =>
      ajv.compile(JSON.parse(readFileSync(path.resolve(__dirname, `../../contract/schema/${kind}.v1.schema.json`), "utf8")) as object),
    );
    const v1Heatmap = heatmapFigure([[[[0.1, 0.2], [0.3, 0.5]]]], { xlabel: "k" }).payload;
    const v1Plot = plotFigure([0, 1, 2], [[1, 2, 3]]).payload;
    expect([v1Heatmap.version, v1Plot.version]).toEqual([1, 1]);
    for (const [k, payload] of [v1Heatmap, v1Plot].entries()) {
      const mime = k === 0 ? HEATMAP_MIME_TYPE : PLOT_MIME_TYPE;
      expect(schemas[k](payload)).toBe(true);
      fc.assert(
        fc.property(mutation(payload), ({ at, replacement }) => {
          const broken = mutate(payload, at, replacement);
          if (figurePayloadProblems(mime, broken).length === 0 && (broken as { version?: unknown }).version === 1) {
            expect(schemas[k](broken)).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
    }
  });
});
