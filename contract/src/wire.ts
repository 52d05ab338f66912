/**
 * Numbers JSON cannot hold. A matrix or a series may contain NaN or ±Infinity (a model that went
 * NaN, a loss that overflowed); JSON has no such numbers, so since payload version 2 they travel
 * as the strings JavaScript's `String(x)` gives (`Number(s)` and Python's `float(s)` read them
 * back), and in the byte encoding of large heatmaps as codes of a second byte map.
 */

/** The spellings of the non-finite numbers on the wire. */
export const NON_FINITE_TOKENS = ["NaN", "Infinity", "-Infinity"] as const;

export type NonFiniteToken = (typeof NON_FINITE_TOKENS)[number];

/** A coordinate or cell value as it travels: a finite JSON number or a `NonFiniteToken`. */
export type WireNumber = number | NonFiniteToken;

/**
 * Codes of the `nonFinite` byte map of `uint8-base64` heatmap values: one byte per cell.
 * `0` is a finite cell (its value is in `data`).
 */
export const NON_FINITE_CODES: Readonly<Record<NonFiniteToken, number>> = { NaN: 1, Infinity: 2, "-Infinity": 3 };

/** How people read a non-finite value (hover texts, summaries): `NaN`, `+Infinity`, `-Infinity`. */
export const NON_FINITE_LABELS: Readonly<Record<NonFiniteToken, string>> = {
  NaN: "NaN",
  Infinity: "+Infinity",
  "-Infinity": "-Infinity",
};

/** `v` for the wire: itself when finite, else its token. */
export function toWireNumber(v: number): WireNumber {
  return Number.isFinite(v) ? v : (String(v) as NonFiniteToken);
}

/** A wire value back as a number (tokens become NaN, Infinity, -Infinity). */
export function fromWireNumber(w: WireNumber): number {
  return typeof w === "number" ? w : Number(w);
}

/** The token of a non-finite number, or null for a finite one. */
export function nonFiniteToken(v: number): NonFiniteToken | null {
  return Number.isFinite(v) ? null : (String(v) as NonFiniteToken);
}

/** The token of a `nonFinite` byte-map code, or null for 0 (finite) and unknown codes. */
export function tokenOfCode(code: number): NonFiniteToken | null {
  return NON_FINITE_TOKENS[code - 1] ?? null;
}

/** Counts of the non-finite values among `values` (zero counts included). */
export function countNonFinite(values: Iterable<number>): Record<NonFiniteToken, number> {
  const counts: Record<NonFiniteToken, number> = { NaN: 0, Infinity: 0, "-Infinity": 0 };
  for (const v of values) {
    const token = nonFiniteToken(v);
    if (token !== null) counts[token] += 1;
  }
  return counts;
}

/**
 * A short phrase for non-finite counts, e.g. `2 NaN, 1 +Infinity`, or the empty string when all
 * counts are 0. Shared by the text summaries of the library and the messages of the renderer.
 */
export function describeNonFinite(counts: Record<NonFiniteToken, number>): string {
  return NON_FINITE_TOKENS.filter((t) => counts[t] > 0)
    .map((t) => `${counts[t]} ${NON_FINITE_LABELS[t]}`)
    .join(", ");
}
