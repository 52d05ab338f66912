/**
 * Colour maps by the names matplotlib uses (the book's `Reds`, `Blues`), from
 * d3-scale-chromatic, whose sequential maps are the same ColorBrewer schemes as matplotlib's.
 */
import type { ColorMap } from "d2l-ts-figure-contract";
import * as deps from "../../generated/figure-deps";

const INTERPOLATORS: Record<string, (t: number) => string> = {
  Reds: deps.interpolateReds,
  Blues: deps.interpolateBlues,
  Greens: deps.interpolateGreens,
  Greys: deps.interpolateGreys,
  Oranges: deps.interpolateOranges,
  Purples: deps.interpolatePurples,
  YlOrRd: deps.interpolateYlOrRd,
  RdBu: deps.interpolateRdBu,
  viridis: deps.interpolateViridis,
  magma: deps.interpolateMagma,
  inferno: deps.interpolateInferno,
  plasma: deps.interpolatePlasma,
  cividis: deps.interpolateCividis,
};

/** Names accepted as `cmap`. */
export const COLORMAP_NAMES: readonly string[] = Object.keys(INTERPOLATORS);

/** Number of evenly spaced stops a payload carries (plotly interpolates linearly between them). */
const PAYLOAD_STOPS = 17;

/** Palette size of rasters and colour bars: a byte per cell, as matplotlib's 256-entry maps. */
export const LEVELS = 256;

export interface ResolvedColorMap {
  name: string;
  /** `LEVELS` colours as `[r, g, b]`, index 0 at the low end. */
  palette: number[][];
  /** The same map as payload stops. */
  payload: ColorMap;
}

export function hexColor(cssColor: string): string {
  return deps.rgb(cssColor).formatHex();
}

/** The colour map `name`, or null when there is none of that name. */
export function resolveColorMap(name: string): ResolvedColorMap | null {
  const interpolate = INTERPOLATORS[name];
  if (interpolate === undefined) return null;
  const palette: number[][] = [];
  for (let k = 0; k < LEVELS; k++) {
    const c = deps.rgb(interpolate(k / (LEVELS - 1)));
    palette.push([Math.round(c.r), Math.round(c.g), Math.round(c.b)]);
  }
  const stops: Array<[number, string]> = [];
  for (let k = 0; k < PAYLOAD_STOPS; k++) {
    const t = k / (PAYLOAD_STOPS - 1);
    stops.push([t, hexColor(interpolate(t))]);
  }
  return { name, palette, payload: { name, stops } };
}
