/**
 * Payload versions (README.md, "Versions"): versions only ever add optional things, so a payload
 * of version n is a payload of every later version. A writer labels a payload with the LOWEST
 * version that has everything it uses, so an older renderer still draws it whenever it can; a
 * renderer reads every version up to its own and shows the SVG fallback for newer ones.
 *
 * This module lists what a (schema-valid, newest-version) payload uses beyond version 1, with the
 * version that introduced it: the minimum version of a payload, and why an older label is wrong.
 */
import { FIGURE_CONTRACT_VERSION } from "./mime";
import type { HeatmapPayload, PayloadVersion, PlotPayload } from "./types";
import type { WireNumber } from "./wire";

/** The oldest payload version this package still reads. */
export const OLDEST_PAYLOAD_VERSION = 1;

/** Something a payload uses that an older version lacks. */
export interface VersionedFeature {
  /** JSON pointer of the first place it is used. */
  pointer: string;
  /** What it is, for messages (`a NaN cell`, `a note`, …). */
  what: string;
  /** The version that introduced it. */
  since: PayloadVersion;
}

/** Whether `v` is a payload version this package reads. */
export function isReadableVersion(v: unknown): v is PayloadVersion {
  return typeof v === "number" && Number.isInteger(v) && v >= OLDEST_PAYLOAD_VERSION && v <= FIGURE_CONTRACT_VERSION;
}

/** The first non-finite token in `values` (walked depth-first), with its path and the count of all. */
function firstToken(values: unknown, path: string): { pointer: string; token: string; count: number } | null {
  let first: { pointer: string; token: string } | null = null;
  let count = 0;
  const walk = (v: unknown, at: string): void => {
    if (Array.isArray(v)) {
      v.forEach((item, k) => walk(item, `${at}/${k}`));
    } else if (typeof v === "string") {
      count += 1;
      first ??= { pointer: at, token: v };
    }
  };
  walk(values, path);
  return first === null ? null : { ...(first as { pointer: string; token: string }), count };
}

function tokenFeature(found: ReturnType<typeof firstToken>, unit: string): VersionedFeature[] {
  if (found === null) return [];
  const more = found.count > 1 ? ` (and ${found.count - 1} more non-finite ${unit}s)` : "";
  return [{ pointer: found.pointer, what: `a ${found.token} ${unit}${more}`, since: 2 }];
}

/** What a heatmap payload uses beyond version 1. */
export function heatmapFeatures(p: HeatmapPayload): VersionedFeature[] {
  const features: VersionedFeature[] = [];
  if (p.values.encoding === "array") {
    features.push(...tokenFeature(firstToken(p.values.data, "/values/data"), "cell"));
  } else if (p.values.nonFinite !== undefined) {
    features.push({ pointer: "/values/nonFinite", what: "a map of non-finite cells", since: 2 });
  }
  if (p.note !== undefined) features.push({ pointer: "/note", what: "a note", since: 2 });
  return features;
}

/** What a plot payload uses beyond version 1. */
export function plotFeatures(p: PlotPayload): VersionedFeature[] {
  const features: VersionedFeature[] = [];
  p.axes.forEach((a, i) =>
    a.series.forEach((s, k) => {
      for (const axis of ["x", "y"] as const) {
        const values: WireNumber[] = s[axis];
        features.push(...tokenFeature(firstToken(values, `/axes/${i}/series/${k}/${axis}`), "coordinate"));
      }
    }),
  );
  if (p.note !== undefined) features.push({ pointer: "/note", what: "a note", since: 2 });
  return features;
}

/** The lowest version that has every feature in `features`. */
export function minimumVersion(features: VersionedFeature[]): PayloadVersion {
  return features.reduce<PayloadVersion>((v, f) => (f.since > v ? f.since : v), OLDEST_PAYLOAD_VERSION);
}

/** The lowest version able to carry this heatmap payload (what a writer labels it with). */
export function minimumHeatmapVersion(p: HeatmapPayload): PayloadVersion {
  return minimumVersion(heatmapFeatures(p));
}

/** The lowest version able to carry this plot payload (what a writer labels it with). */
export function minimumPlotVersion(p: PlotPayload): PayloadVersion {
  return minimumVersion(plotFeatures(p));
}

/** Problems of a payload labelled `version` that uses features of a later one. */
export function featuresBeyond(features: VersionedFeature[], version: number): string[] {
  return features
    .filter((f) => f.since > version)
    .map((f) => `${f.pointer}: ${f.what} needs payload version ${f.since}, but the payload says version ${version}`);
}
