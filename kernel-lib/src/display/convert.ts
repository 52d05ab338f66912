/**
 * Tensors and nested arrays → plain numbers for the figure builders, with the book's rules for
 * what counts as one series, and argument errors that name the argument and the shape.
 */
import type { Matrix } from "../figures";
import { countOf, D2lArgumentError, describe, fail, formatShape, nestedShape } from "../ops/check";
import { tf } from "../tf";

/** One series: a 1-D tensor or array of numbers. */
export type NumberSeries = tf.Tensor | ArrayLike<number>;

/** What `plot` takes for X and Y: one series, a 2-D tensor (one series per row), or a list of series. */
export type SeriesData = NumberSeries | ReadonlyArray<NumberSeries>;

/** The book's 4-D `matrices` `(rows, cols, queries, keys)`: a tensor or nested arrays. */
export type MatrixGrid = tf.Tensor | ReadonlyArray<ReadonlyArray<ReadonlyArray<ArrayLike<number>>>>;

/** Values of a tensor or a (nested) number array, row-major, and its shape. */
function valuesAndShape(fn: string, arg: string, value: unknown): { values: Float64Array; shape: number[] } {
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) fail(fn, arg, "a live tensor", "a disposed tensor");
    return { values: Float64Array.from(value.dataSync() as ArrayLike<number>), shape: value.shape.slice() };
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const typed = value as unknown as ArrayLike<number>;
    return { values: Float64Array.from(typed), shape: [typed.length] };
  }
  const shape = nestedShape(value);
  if (shape === null) fail(fn, arg, "a tensor or a rectangular array of numbers", describe(value));
  return { values: Float64Array.from((value as unknown[]).flat(Infinity) as number[]), shape };
}

/** The book's 4-D `matrices` `(rows, cols, queries, keys)` as a grid of matrices. NaN and
 * ±Infinity are kept: the figure shows them as missing cells and names them. */
export function toMatrixGrid(fn: string, arg: string, value: unknown): Matrix[][] {
  const { values, shape } = valuesAndShape(fn, arg, value);
  if (shape.length !== 4) {
    fail(fn, arg, "4-D (rows, cols, queries, keys); reshape a single matrix to [1, 1, queries, keys]", `shape ${formatShape(shape)}`);
  }
  if (shape.some((d) => d === 0)) fail(fn, arg, "non-empty in every dimension", `shape ${formatShape(shape)}`);
  const [rows, cols, height, width] = shape;
  const n = height * width;
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => ({ height, width, values: values.slice((r * cols + c) * n, (r * cols + c + 1) * n) })),
  );
}

/**
 * The book's `has_one_axis`: a 1-D tensor or flat number array is one series; a 2-D tensor or
 * an array of series is several (each element flattened). NaN and ±Infinity are kept (the plot
 * breaks its line there and marks infinities at the panel's edge).
 */
export function toSeriesList(fn: string, arg: string, value: unknown): Float64Array[] {
  const isSeriesList = Array.isArray(value) && value.length > 0 && (value[0] instanceof tf.Tensor || typeof value[0] === "object");
  if (isSeriesList) {
    return (value as unknown[]).map((v, k) => {
      return valuesAndShape(fn, `${arg}[${k}]`, v).values;
    });
  }
  const { values, shape } = valuesAndShape(fn, arg, value);
  if (shape.length === 1) return [values];
  if (shape.length === 2) {
    return Array.from({ length: shape[0] }, (_, r) => values.slice(r * shape[1], (r + 1) * shape[1]));
  }
  fail(fn, arg, "one series (1-D) or several (2-D, or an array of series)", `shape ${formatShape(shape)}`);
}

/** Requires a `[low, high]` pair of finite numbers. */
export function expectRange(fn: string, arg: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === "number" && Number.isFinite(v)) || value[0] === value[1]) {
    fail(fn, arg, "[low, high] with two different finite numbers", describe(value));
  }
  return [value[0], value[1]];
}

/** Requires a figure size `[width, height]` in inches. */
export function expectFigsize(fn: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === "number" && v > 0 && v <= 100)) {
    fail(fn, "figsize", "[width, height] in inches, each in (0, 100]", Array.isArray(value) && value.length <= 4 ? listed(value) : describe(value));
  }
  return [value[0], value[1]];
}

/** Requires a string (a label). */
export function expectString(fn: string, arg: string, value: unknown): string {
  if (typeof value !== "string") fail(fn, arg, "a string", describe(value));
  return value;
}

/** A short array as its entries, numbers as written (`[-1, 2]`, `[NaN, a float32 tensor of shape [2]]`). */
function listed(value: readonly unknown[]): string {
  return `[${value.map((v) => (typeof v === "number" ? String(v) : typeof v === "string" ? JSON.stringify(v) : describe(v))).join(", ")}]`;
}

/** Requires `n` strings. */
export function expectStrings(fn: string, arg: string, value: unknown, n: number, what: string): string[] {
  const expected = `${countOf(n, "string")} (${what})`;
  if (!Array.isArray(value)) fail(fn, arg, expected, describe(value));
  if (value.length !== n) fail(fn, arg, expected, countOf(value.length, "entry", "entries"));
  const i = value.findIndex((v) => typeof v !== "string");
  if (i >= 0) fail(fn, arg, expected, `${describe(value[i])} at position ${i}`);
  return value as string[];
}

/** Requires `linear` or `log`. */
export function expectScale(fn: string, arg: string, value: unknown): "linear" | "log" {
  if (value !== "linear" && value !== "log") fail(fn, arg, "'linear' or 'log'", JSON.stringify(value) ?? String(value));
  return value;
}

/** Runs a figure builder, turning its errors about options into argument errors of `fn`. */
export function asArgumentError<T>(fn: string, arg: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof D2lArgumentError) throw e;
    throw new D2lArgumentError(`${fn}: ${arg}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
