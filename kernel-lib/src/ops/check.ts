/**
 * Argument checks shared by every public function of d2l-ts.
 *
 * Every message has one form, `fn: arg must be <expectation>; got <what was seen>`, so that a
 * reader sees which function refused which argument, the shape it saw and what it wanted.
 */
import { tf } from "../tf";

/**
 * The error every argument check throws, where the book's code (e.g. `d2l.check_shape`, section
 * 11.3) asserts: its message names the function, the argument, the shape or value seen and the
 * expectation.
 */
export class D2lArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "D2lArgumentError";
  }
}

/** `[2,2,4]`: the one way shapes are printed in messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** Throws `fn: arg must be <expected>; got <got>`. */
export function fail(fn: string, arg: string, expected: string, got: string): never {
  throw new D2lArgumentError(`${fn}: ${arg} must be ${expected}; got ${got}`);
}

/** `n` and the noun in the right number: "1 entry", "3 entries", "2 strings". */
export function countOf(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** A value the way messages print it: tensors and arrays by shape (an array of tensors entry by entry), numbers as written. */
export function describe(value: unknown): string {
  if (value instanceof tf.Tensor) return `a ${value.dtype} tensor of shape ${formatShape(value.shape)}`;
  if (Array.isArray(value)) {
    const shape = nestedShape(value);
    if (shape) return `an array of shape ${formatShape(shape)}`;
    if (value.every((v) => typeof v === "number" || Array.isArray(v))) return "a ragged array";
    // tensors or other things in an array (e.g. an RNN encoder's [outputs, state]): say each
    const shown = value.slice(0, 4).map(describe).join(", ");
    return `an array of ${countOf(value.length, "entry", "entries")} (${shown}${value.length > 4 ? ", …" : ""})`;
  }
  if (ArrayBuffer.isView(value) && "length" in value) {
    return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  }
  if (typeof value === "number") return String(value);
  if (value === null) return "null";
  return typeof value;
}

/** Shape of a nested number array, or null when it is ragged or holds non-numbers. */
export function nestedShape(value: unknown): number[] | null {
  if (typeof value === "number") return [];
  if (!Array.isArray(value)) return null;
  if (value.length === 0) return [0];
  const inner = nestedShape(value[0]);
  if (inner === null) return null;
  for (let i = 1; i < value.length; i++) {
    const other = nestedShape(value[i]);
    if (other === null || other.length !== inner.length || other.some((d, k) => d !== inner[k])) {
      return null;
    }
  }
  return [value.length, ...inner];
}

/** Requires a tf.Tensor (not an array, not a disposed tensor). */
export function expectTensor(fn: string, arg: string, value: unknown): tf.Tensor {
  if (!(value instanceof tf.Tensor)) fail(fn, arg, "a tf.Tensor", describe(value));
  if (value.isDisposed) fail(fn, arg, "a live tf.Tensor", "a disposed tensor");
  return value;
}

/** Requires a float32 tensor of the given rank; `dims` names the axes, e.g. `(batch, queries, d)`. */
export function expectRank(
  fn: string,
  arg: string,
  value: unknown,
  rank: number,
  dims: string,
): tf.Tensor {
  const t = expectTensor(fn, arg, value);
  if (t.rank !== rank) fail(fn, arg, `${rank}-D ${dims}`, `shape ${formatShape(t.shape)}`);
  if (t.dtype !== "float32") fail(fn, arg, `a float32 tensor ${dims}`, `dtype ${t.dtype}`);
  return t;
}

/** Requires a float32 tensor of rank at least `minRank`. */
export function expectMinRank(
  fn: string,
  arg: string,
  value: unknown,
  minRank: number,
  dims: string,
): tf.Tensor {
  const t = expectTensor(fn, arg, value);
  if (t.rank < minRank) fail(fn, arg, `at least ${minRank}-D ${dims}`, `shape ${formatShape(t.shape)}`);
  if (t.dtype !== "float32") fail(fn, arg, `a float32 tensor ${dims}`, `dtype ${t.dtype}`);
  return t;
}

/** Requires `a.shape[axisA] === b.shape[axisB]`, describing the pair in the message. */
export function expectSameDim(
  fn: string,
  argA: string,
  a: tf.Tensor,
  axisA: number,
  argB: string,
  b: tf.Tensor,
  axisB: number,
  what: string,
): void {
  const da = a.shape[axisA < 0 ? a.rank + axisA : axisA];
  const db = b.shape[axisB < 0 ? b.rank + axisB : axisB];
  if (da !== db) {
    fail(
      fn,
      argB,
      `of ${what} = ${da}, as ${argA} of shape ${formatShape(a.shape)}`,
      `shape ${formatShape(b.shape)}`,
    );
  }
}

/** Requires an integer ≥ `min` (a size such as numHiddens). */
export function expectInteger(fn: string, arg: string, value: unknown, min = 1): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    fail(fn, arg, `an integer >= ${min}`, describe(value));
  }
  return value;
}

/** Requires a dropout probability in [0, 1). */
export function expectProbability(fn: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    fail(fn, arg, "a probability in [0, 1)", describe(value));
  }
  return value;
}

/** Requires a finite number. */
export function expectFinite(fn: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) fail(fn, arg, "a finite number", describe(value));
  return value;
}

/** Requires a shape: an array of integers ≥ 0. */
export function expectShape(fn: string, arg: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 0)) {
    fail(fn, arg, "a shape (an array of integers >= 0)", Array.isArray(value) ? `[${value.join(",")}]` : describe(value));
  }
  return value as number[];
}

/**
 * The book's `d2l.check_shape` (used from section 11.3 on): throws unless `t` has exactly `shape`.
 */
export function checkShape(t: tf.Tensor, shape: readonly number[]): void {
  const tensor = expectTensor("checkShape", "t", t);
  expectShape("checkShape", "shape", shape);
  const same = tensor.rank === shape.length && tensor.shape.every((d, i) => d === shape[i]);
  if (!same) fail("checkShape", "t", `of shape ${formatShape(shape)}`, `shape ${formatShape(tensor.shape)}`);
}

/**
 * The book's `d2l.check_len` (chapter 11): throws unless `a` has length `n` (a tensor's length
 * is its first dimension).
 */
export function checkLen(a: { length: number } | tf.Tensor, n: number): void {
  expectInteger("checkLen", "n", n, 0);
  let length: number;
  if (a instanceof tf.Tensor) {
    if (a.rank === 0) fail("checkLen", "a", `of length ${n}`, "a scalar tensor (it has no length)");
    length = a.shape[0];
  } else if (a !== null && typeof a === "object" && typeof a.length === "number") {
    length = a.length;
  } else {
    fail("checkLen", "a", `of length ${n}`, describe(a));
  }
  if (length !== n) fail("checkLen", "a", `of length ${n}`, `length ${length}`);
}
