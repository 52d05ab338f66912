/**
 * The kernels of Nadaraya-Watson regression (section 11.2): elementwise functions of the
 * distance between a query and a key, float32 in and out.
 */
import { tf } from "../tf";
import { describe, expectTensor, fail } from "../ops/check";

/** A kernel of section 11.2: maps distances elementwise to non-negative similarities. */
export type Kernel = (x: tf.Tensor) => tf.Tensor;

/** Accepts any numeric tensor and computes in float32, as the book's kernels return floats. */
function asFloat(fn: string, x: tf.Tensor): tf.Tensor {
  const t = expectTensor(fn, "x", x);
  if (t.dtype === "string") fail(fn, "x", "a numeric tensor", "a string tensor");
  return t.dtype === "float32" ? t : t.cast("float32");
}

/** Section 11.2: the Gaussian kernel `exp(-x²/2)`, without the normalising constant, like the book. */
export function gaussian(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.exp(tf.neg(tf.square(asFloat("gaussian", x))).div(2)));
}

/** Section 11.2: the boxcar kernel, 1 where `|x| < 1` and 0 elsewhere (as float32). */
export function boxcar(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.less(tf.abs(asFloat("boxcar", x)), 1).cast("float32"));
}

/** Section 11.2: the constant kernel `1 + 0·x` (so NaN stays NaN, as in the book): plain averaging. */
export function constant(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => asFloat("constant", x).mul(0).add(1));
}

/** Section 11.2: the Epanechikov kernel `max(1 - |x|, 0)`. */
export function epanechikov(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.maximum(tf.sub(1, tf.abs(asFloat("epanechikov", x))), 0));
}

/**
 * Section 11.2: the Gaussian kernel of width `sigma`, `exp(-x²/(2σ²))`, for comparing widths.
 * Returns the kernel; `sigma` must be a finite number > 0.
 */
export function gaussianWithWidth(sigma: number): Kernel {
  if (typeof sigma !== "number" || !Number.isFinite(sigma) || !(sigma > 0)) {
    fail("gaussianWithWidth", "sigma", "a finite number > 0", describe(sigma));
  }
  const twoSigmaSquared = 2 * sigma ** 2;
  return (x: tf.Tensor) =>
    tf.tidy(() => tf.exp(tf.neg(tf.square(asFloat("gaussianWithWidth", x))).div(twoSigmaSquared)));
}
