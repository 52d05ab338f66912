/**
 * The kernels of Nadaraya-Watson regression (section 11.2): elementwise functions of the
 * distance between a query and a key, float32 in and out.
 *
 * Besides being a function, a kernel may say two things that make pooling with it robust:
 * its logarithm (`logKernel`, for the exponential family: pooling then takes a softmax of it,
 * which stays exact where `exp` underflows to 0 for far queries), and the reach of a bounded
 * kernel (`support`: it is 0 unless |x| < support), so that a query no key reaches is named.
 */
import { tf } from "../tf";
import { describe, expectTensor, fail } from "../ops/check";

/** A kernel of section 11.2: maps distances elementwise to non-negative similarities. */
export interface Kernel {
  (x: tf.Tensor): tf.Tensor;
  /** The kernel's name in messages (`gaussian`, `boxcar`, …). */
  readonly kernelName?: string;
  /** log of the kernel (same shape), when it has a finite one everywhere (e.g. `-x²/2`). */
  readonly logKernel?: (x: tf.Tensor) => tf.Tensor;
  /** For a kernel that is 0 unless |x| < support: that support (1 for `boxcar`, `epanechikov`). */
  readonly support?: number;
}

/** `fn` as a kernel with what it knows about itself. */
function kernel(fn: (x: tf.Tensor) => tf.Tensor, about: { kernelName: string; logKernel?: (x: tf.Tensor) => tf.Tensor; support?: number }): Kernel {
  return Object.assign(fn, about);
}

/** Accepts any numeric tensor and computes in float32, as the book's kernels return floats. */
function asFloat(fn: string, x: tf.Tensor): tf.Tensor {
  const t = expectTensor(fn, "x", x);
  if (t.dtype === "string") fail(fn, "x", "a numeric tensor", "a string tensor");
  return t.dtype === "float32" ? t : t.cast("float32");
}

/** `-x² / twoSigmaSquared`: the log of a Gaussian kernel. */
function gaussianLog(fn: string, twoSigmaSquared: number): (x: tf.Tensor) => tf.Tensor {
  return (x) => tf.tidy(() => tf.neg(tf.square(asFloat(fn, x))).div(twoSigmaSquared));
}

/**
 * Section 11.2: the Gaussian kernel `exp(-x²/2)`, without the normalising constant, like the
 * book. Its `logKernel` is `-x²/2`: `nadarayaWatson` pools with a softmax of it, so a query
 * far from every key still gets weights (all on the nearest key) instead of 0/0.
 */
export const gaussian: Kernel = kernel(
  (x: tf.Tensor) => tf.tidy(() => tf.exp(gaussianLog("gaussian", 2)(x))),
  { kernelName: "gaussian", logKernel: gaussianLog("gaussian", 2) },
);

/** Section 11.2: the boxcar kernel, 1 where `|x| < 1` and 0 elsewhere (as float32); `support` 1. */
export const boxcar: Kernel = kernel(
  (x: tf.Tensor) => tf.tidy(() => tf.less(tf.abs(asFloat("boxcar", x)), 1).cast("float32")),
  { kernelName: "boxcar", support: 1 },
);

/** Section 11.2: the constant kernel `1 + 0·x` (so NaN stays NaN, as in the book): plain averaging. */
export const constant: Kernel = kernel(
  (x: tf.Tensor) => tf.tidy(() => asFloat("constant", x).mul(0).add(1)),
  { kernelName: "constant" },
);

/** Section 11.2: the Epanechikov kernel `max(1 - |x|, 0)`; `support` 1. */
export const epanechikov: Kernel = kernel(
  (x: tf.Tensor) => tf.tidy(() => tf.maximum(tf.sub(1, tf.abs(asFloat("epanechikov", x))), 0)),
  { kernelName: "epanechikov", support: 1 },
);

/** Requires a finite width > 0. */
function expectWidth(fn: string, arg: string, width: unknown): number {
  if (typeof width !== "number" || !Number.isFinite(width) || !(width > 0)) fail(fn, arg, "a finite number > 0", describe(width));
  return width;
}

/**
 * Section 11.2: the Gaussian kernel of width `sigma`, `exp(-x²/(2σ²))`, for comparing widths.
 * Returns the kernel (with its `logKernel`); `sigma` must be a finite number > 0.
 */
export function gaussianWithWidth(sigma: number): Kernel {
  const twoSigmaSquared = 2 * expectWidth("gaussianWithWidth", "sigma", sigma) ** 2;
  const log = gaussianLog("gaussianWithWidth", twoSigmaSquared);
  return kernel((x: tf.Tensor) => tf.tidy(() => tf.exp(log(x))), { kernelName: `gaussianWithWidth(${sigma})`, logKernel: log });
}

/**
 * Section 11.2 (widths, exercise 11.2.3): `kernel` stretched to `width`, `x ↦ kernel(x / width)`,
 * keeping what the kernel knows about itself (its log, its support times `width`). E.g.
 * `withWidth(boxcar, 3)` averages the keys within 3 of a query; `withWidth(gaussian, σ)` equals
 * `gaussianWithWidth(σ)`.
 */
export function withWidth(base: Kernel, width: number): Kernel {
  if (typeof base !== "function") fail("withWidth", "kernel", "a kernel (a function of a tensor)", describe(base));
  const w = expectWidth("withWidth", "width", width);
  const scaled = (f: (x: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) => tf.tidy(() => f(asFloat("withWidth", x).div(w)));
  return kernel(scaled(base), {
    kernelName: `withWidth(${base.kernelName ?? "kernel"}, ${width})`,
    ...(base.logKernel === undefined ? {} : { logKernel: scaled(base.logKernel) }),
    ...(base.support === undefined ? {} : { support: base.support * w }),
  });
}
