/**
 * `expectClose`: element-wise comparison with an absolute plus a relative tolerance,
 * |actual − expected| ≤ abs + rel·|expected|, that names the worst element on failure.
 */

export interface Tolerance {
  /** Absolute part: a number, or one per flat index (e.g. growing with a sine's argument). */
  abs: number | ((index: number) => number);
  /** Relative part, a multiple of |expected|. */
  rel: number;
}

/** Row-major multi-index of a flat index, for messages: `[1,0,3]`. */
export function multiIndex(flat: number, shape: readonly number[] | undefined): string {
  if (!shape || shape.length === 0) return `[${flat}]`;
  const index: number[] = [];
  let rest = flat;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis]!;
    index.unshift(rest % size);
    rest = Math.floor(rest / size);
  }
  return `[${index.join(",")}]`;
}

/**
 * Throws unless every `actual[i]` is within `abs + rel·|expected[i]|` of `expected[i]` (NaN is
 * never close). The message names `label`, how many elements failed, and the worst one (largest
 * excess over its allowance) with its index, both values, the difference and the allowance.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
  label: string,
  shape?: readonly number[],
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: ${actual.length} values, expected ${expected.length}`);
  }
  const absAt = typeof tolerance.abs === "number" ? () => tolerance.abs as number : tolerance.abs;
  let failures = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const allowed = absAt(i) + tolerance.rel * Math.abs(e);
    const difference = Math.abs(a - e);
    const excess = Number.isNaN(difference) ? Infinity : difference - allowed;
    if (excess > 0) failures++;
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (failures > 0) {
    const a = actual[worst]!;
    const e = expected[worst]!;
    const allowed = absAt(worst) + tolerance.rel * Math.abs(e);
    throw new Error(
      `${label}: ${failures} of ${expected.length} values differ by more than ` +
        `abs + rel·|expected| (rel ${tolerance.rel}); worst at ${multiIndex(worst, shape)}: ` +
        `got ${a}, expected ${e}, |difference| ${Math.abs(a - e)} > allowed ${allowed}`,
    );
  }
}
