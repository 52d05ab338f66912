/**
 * One output's data → what to show: a plotly figure, or a readable reason why not.
 * Validates with the shared contract first, so the translators only ever see valid payloads.
 * Pure: no DOM, no plotly.
 */
import {
  FIGURE_CONTRACT_VERSION,
  figurePayloadProblems,
  HEATMAP_MIME_TYPE,
  type HeatmapPayload,
  payloadVersion,
  PLOT_MIME_TYPE,
  type PlotPayload,
} from "d2l-ts-figure-contract";

import type { FigureSpec, ThemeColors } from "./figure-spec";
import { heatmapFigure } from "./heatmap-figure";
import { plotFigure } from "./plot-figure";

export type FigureOutcome =
  | { kind: "figure"; spec: FigureSpec }
  /** A payload of another contract version: show the static SVG that travels with it. */
  | { kind: "other-version"; message: string }
  /** Not a valid payload: show the message and every problem the validator found. */
  | { kind: "invalid"; message: string; problems: string[] };

export function figureFromData(mimeType: string, data: unknown, theme: ThemeColors): FigureOutcome {
  // Older versions are drawn (each version only adds to the one before); a newer one needs a
  // newer extension, so it falls back to the static picture rather than being called broken.
  const version = payloadVersion(data);
  if (version !== null && version > FIGURE_CONTRACT_VERSION) {
    return {
      kind: "other-version",
      message:
        `This d2l-ts figure has payload version ${version}; this extension (jupyterlab-d2l-ts) ` +
        `draws versions up to ${FIGURE_CONTRACT_VERSION}. Showing the static picture instead; ` +
        "update jupyterlab-d2l-ts to the release of your d2l-ts for the interactive figure.",
    };
  }
  const problems = figurePayloadProblems(mimeType, data);
  if (problems.length > 0) {
    return {
      kind: "invalid",
      message: `Cannot draw this d2l-ts figure: the ${mimeType} data is not a valid payload.`,
      problems,
    };
  }
  if (mimeType === HEATMAP_MIME_TYPE) {
    return { kind: "figure", spec: heatmapFigure(data as HeatmapPayload, theme) };
  }
  if (mimeType === PLOT_MIME_TYPE) {
    return { kind: "figure", spec: plotFigure(data as PlotPayload, theme) };
  }
  // figurePayloadProblems reports unknown MIME types, so this is unreachable.
  throw new Error(`unexpected MIME type ${mimeType}`);
}
