/**
 * Validation of figure payloads, shared by the kernel (before sending) and the JupyterLab
 * extension (before drawing). Two stages: the JSON schema (compiled ahead of time into
 * `generated/validators.js`), then the cross-field rules a schema cannot express.
 */
import { validateHeatmap, validatePlot, type SchemaValidator } from "../generated/validators";
import { FIGURE_CONTRACT_VERSION, HEATMAP_MIME_TYPE, PLOT_MIME_TYPE } from "./mime";
import type { HeatmapPayload, PlotPayload } from "./types";
import {
  OLDEST_PAYLOAD_VERSION, featuresBeyond, heatmapFeatures, isReadableVersion, plotFeatures, type VersionedFeature,
} from "./versions";
import { NON_FINITE_TOKENS } from "./wire";

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

/** Number of bytes a padded base64 string decodes to, or -1 when its length is not a multiple of 4. */
function base64ByteLength(text: string): number {
  if (text.length % 4 !== 0) return -1;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** Problems of a base64 byte map that must hold `expected` bytes, each at most `maxByte`. */
function byteMapProblems(pointer: string, text: string, expected: number, cells: string, maxByte = 255): string[] {
  const bytes = base64ByteLength(text);
  if (bytes !== expected) return [`${pointer}: decodes to ${bytes} bytes, expected ${expected} for ${cells}`];
  if (maxByte < 255) {
    const binary = atob(text);
    for (let k = 0; k < binary.length; k++) {
      if (binary.charCodeAt(k) > maxByte) return [`${pointer}: byte ${k} is ${binary.charCodeAt(k)}, expected 0 to ${maxByte}`];
    }
  }
  return [];
}

/** "1 entry", "3 entries". */
function entries(n: number): string {
  return n === 1 ? "1 entry" : `${n} entries`;
}

function heatmapRuleProblems(p: HeatmapPayload): string[] {
  const problems: string[] = [];
  const cells = `${p.gridRows}×${p.gridCols} panels of ${p.height}×${p.width}`;
  if (p.xlabels.length !== p.gridCols) {
    problems.push(`/xlabels: has ${entries(p.xlabels.length)}, expected gridCols = ${p.gridCols}`);
  }
  if (p.titles !== null && p.titles.length !== p.gridCols) {
    problems.push(`/titles: has ${entries(p.titles.length)}, expected gridCols = ${p.gridCols}`);
  }
  if (p.xTickLabels !== null && p.xTickLabels.length !== p.width) {
    problems.push(`/xTickLabels: has ${entries(p.xTickLabels.length)}, expected width = ${p.width}`);
  }
  if (p.yTickLabels !== null && p.yTickLabels.length !== p.height) {
    problems.push(`/yTickLabels: has ${entries(p.yTickLabels.length)}, expected height = ${p.height}`);
  }
  if (p.panelLabels !== undefined) {
    for (const [key, labels, expected] of [["rows", p.panelLabels.rows, p.gridRows], ["cols", p.panelLabels.cols, p.gridCols]] as const) {
      const name = key === "rows" ? "gridRows" : "gridCols";
      if (labels.length !== expected) problems.push(`/panelLabels/${key}: has ${entries(labels.length)}, expected ${name} = ${expected}`);
      const empty = labels.findIndex((label) => label.trim() === "");
      if (empty >= 0) problems.push(`/panelLabels/${key}/${empty}: must be a name, not empty`);
    }
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
    problems.push(...byteMapProblems("/values/data", p.values.data, expected, cells));
    if (p.values.nonFinite !== undefined) {
      problems.push(...byteMapProblems("/values/nonFinite", p.values.nonFinite, expected, cells, NON_FINITE_TOKENS.length));
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

/**
 * Problems of a payload of any readable version, in three stages: the newest schema (which
 * accepts every older payload once relabelled with the newest version), then features the
 * payload's own version lacks, then the cross-field rules.
 */
function versionedProblems<P>(
  validator: SchemaValidator,
  value: unknown,
  features: (p: P) => VersionedFeature[],
  rules: (p: P) => string[],
): string[] {
  const version = payloadVersion(value);
  if (version !== null && !isReadableVersion(version)) {
    return [`/version: ${version} is not a payload version this contract reads (${OLDEST_PAYLOAD_VERSION} to ${FIGURE_CONTRACT_VERSION})`];
  }
  const relabelled = version === null ? value : { ...(value as object), version: FIGURE_CONTRACT_VERSION };
  const problems = schemaProblems(validator, relabelled);
  if (problems.length > 0) return problems;
  return [...featuresBeyond(features(relabelled as P), version as number), ...rules(value as P)];
}

/** Every problem of a heatmap payload (of any version this package reads); an empty list means valid. */
export function heatmapPayloadProblems(value: unknown): string[] {
  return versionedProblems(validateHeatmap, value, heatmapFeatures, heatmapRuleProblems);
}

/** Every problem of a plot payload (of any version this package reads); an empty list means valid. */
export function plotPayloadProblems(value: unknown): string[] {
  return versionedProblems(validatePlot, value, plotFeatures, plotRuleProblems);
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
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const version = (value as { version?: unknown }).version;
  return typeof version === "number" ? version : null;
}
