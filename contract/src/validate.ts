/**
 * Validation of figure payloads, shared by the kernel (before sending) and the JupyterLab
 * extension (before drawing). Two stages: the JSON schema (compiled ahead of time into
 * `generated/validators.js`), then the cross-field rules a schema cannot express.
 */
import { validateHeatmapV1, validatePlotV1, type SchemaValidator } from "../generated/validators";
import { HEATMAP_MIME_TYPE, PLOT_MIME_TYPE } from "./mime";
import type { HeatmapPayload, PlotPayload } from "./types";

/** Thrown by the `assert…` functions; `problems` lists every rule the payload breaks. */
export class FigurePayloadError extends Error {
  constructor(
    readonly mimeType: string,
    readonly problems: string[],
  ) {
    super(`invalid ${mimeType} payload:\n  ${problems.join("\n  ")}`);
    this.name = "FigurePayloadError";
  }
}

function schemaProblems(validator: SchemaValidator, value: unknown): string[] {
  if (validator(value)) return [];
  return (validator.errors ?? []).map((e) => {
    const detail = e.keyword === "additionalProperties" ? ` (${String(e.params.additionalProperty)})` : "";
    return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${detail}`;
  });
}

/** Number of bytes a padded base64 string decodes to. */
function base64ByteLength(text: string): number {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

function heatmapRuleProblems(p: HeatmapPayload): string[] {
  const problems: string[] = [];
  const cells = `${p.gridRows}×${p.gridCols} panels of ${p.height}×${p.width}`;
  if (p.xlabels.length !== p.gridCols) {
    problems.push(`/xlabels: has ${p.xlabels.length} entries, expected gridCols = ${p.gridCols}`);
  }
  if (p.titles !== null && p.titles.length !== p.gridCols) {
    problems.push(`/titles: has ${p.titles.length} entries, expected gridCols = ${p.gridCols}`);
  }
  if (p.xTickLabels !== null && p.xTickLabels.length !== p.width) {
    problems.push(`/xTickLabels: has ${p.xTickLabels.length} entries, expected width = ${p.width}`);
  }
  if (p.yTickLabels !== null && p.yTickLabels.length !== p.height) {
    problems.push(`/yTickLabels: has ${p.yTickLabels.length} entries, expected height = ${p.height}`);
  }
  if (!(p.colorRange[0] < p.colorRange[1])) {
    problems.push(`/colorRange: [${p.colorRange.join(", ")}] must have min < max`);
  }
  const stops = p.cmap.stops;
  if (stops[0][0] !== 0 || stops[stops.length - 1][0] !== 1) {
    problems.push("/cmap/stops: must start at 0 and end at 1");
  }
  if (stops.some((s, k) => k > 0 && !(s[0] > stops[k - 1][0]))) {
    problems.push("/cmap/stops: positions must increase");
  }
  if (p.values.encoding === "array") {
    const d = p.values.data;
    const wrong =
      d.length !== p.gridRows ||
      d.some(
        (row) =>
          row.length !== p.gridCols ||
          row.some((m) => m.length !== p.height || m.some((r) => r.length !== p.width)),
      );
    if (wrong) problems.push(`/values/data: shape does not match ${cells}`);
  } else {
    const expected = p.gridRows * p.gridCols * p.height * p.width;
    const text = p.values.data;
    const bytes = text.length % 4 === 0 ? base64ByteLength(text) : -1;
    if (bytes !== expected) {
      problems.push(`/values/data: decodes to ${bytes} bytes, expected ${expected} for ${cells}`);
    }
  }
  return problems;
}

function plotRuleProblems(p: PlotPayload): string[] {
  const problems: string[] = [];
  if (p.axes.length !== p.gridRows * p.gridCols) {
    problems.push(`/axes: has ${p.axes.length} panels, expected gridRows × gridCols = ${p.gridRows * p.gridCols}`);
  }
  p.axes.forEach((a, i) => {
    a.series.forEach((s, k) => {
      if (s.x.length !== s.y.length) {
        problems.push(`/axes/${i}/series/${k}: x has ${s.x.length} points but y has ${s.y.length}`);
      }
    });
    for (const [name, lim, scale] of [
      ["xlim", a.xlim, a.xscale],
      ["ylim", a.ylim, a.yscale],
    ] as const) {
      if (lim === null) continue;
      if (lim[0] === lim[1]) problems.push(`/axes/${i}/${name}: [${lim.join(", ")}] is empty`);
      if (scale === "log" && (lim[0] <= 0 || lim[1] <= 0)) {
        problems.push(`/axes/${i}/${name}: [${lim.join(", ")}] must be positive on a log scale`);
      }
    }
  });
  return problems;
}

/** Every problem of a heatmap payload; an empty list means valid. */
export function heatmapPayloadProblems(value: unknown): string[] {
  const problems = schemaProblems(validateHeatmapV1, value);
  return problems.length > 0 ? problems : heatmapRuleProblems(value as HeatmapPayload);
}

/** Every problem of a plot payload; an empty list means valid. */
export function plotPayloadProblems(value: unknown): string[] {
  const problems = schemaProblems(validatePlotV1, value);
  return problems.length > 0 ? problems : plotRuleProblems(value as PlotPayload);
}

export function isHeatmapPayload(value: unknown): value is HeatmapPayload {
  return heatmapPayloadProblems(value).length === 0;
}

export function isPlotPayload(value: unknown): value is PlotPayload {
  return plotPayloadProblems(value).length === 0;
}

export function assertHeatmapPayload(value: unknown): asserts value is HeatmapPayload {
  const problems = heatmapPayloadProblems(value);
  if (problems.length > 0) throw new FigurePayloadError(HEATMAP_MIME_TYPE, problems);
}

export function assertPlotPayload(value: unknown): asserts value is PlotPayload {
  const problems = plotPayloadProblems(value);
  if (problems.length > 0) throw new FigurePayloadError(PLOT_MIME_TYPE, problems);
}

/** Problems of `value` as a payload of `mimeType` (one of the two figure MIME types). */
export function figurePayloadProblems(mimeType: string, value: unknown): string[] {
  if (mimeType === HEATMAP_MIME_TYPE) return heatmapPayloadProblems(value);
  if (mimeType === PLOT_MIME_TYPE) return plotPayloadProblems(value);
  return [`${mimeType} is not a d2l-ts figure MIME type`];
}

/**
 * The `version` of a payload-like value, or null. A renderer compares it with
 * `FIGURE_CONTRACT_VERSION` first, so that a newer payload falls back to the SVG rather than
 * being reported as broken.
 */
export function payloadVersion(value: unknown): number | null {
  if (typeof value !== "object" || value === null) return null;
  const version = (value as { version?: unknown }).version;
  return typeof version === "number" ? version : null;
}
