/**
 * Puts the fast kernels in place of tfjs's CPU kernels (and back) through tfjs's kernel registry,
 * so user code and the library's own ops do not change: `tf.matMul`, `tf.softmax`, `tf.add`…
 * simply run faster on the "cpu" backend. Other backends are untouched.
 */
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { makeBatchMatMul } from "./matmul";
import { makeBinary, makeNeg } from "./binary";
import {
  fastMaskedSoftmaxKernels,
  makeSoftmax,
  MASKED_SOFTMAX_KERNEL,
  maskedSoftmaxKernel,
  softmaxGrad,
  SOFTMAX_GRAD_KERNEL,
} from "./softmax";
import { setMaskedSoftmaxKernels } from "../ops/masked-softmax";
import { HeapExhausted, trackBackend } from "./heap";
import { getRuntime } from "./runtime";
import { makeSum } from "./sum";
import { makeTanh, tanhGrad, TANH_GRAD_KERNEL } from "./tanh";
import { makeTranspose } from "./transpose";

const BACKEND = "cpu";

/** Each replaced kernel and how to build its fast version around tfjs's (the fallback). */
const REPLACEMENTS: ReadonlyArray<[string, (reference: KernelFunc) => KernelFunc]> = [
  ["BatchMatMul", makeBatchMatMul],
  ["Softmax", makeSoftmax],
  ["Add", (f) => makeBinary("add", f)],
  ["Sub", (f) => makeBinary("sub", f)],
  ["Multiply", (f) => makeBinary("mul", f)],
  ["RealDiv", (f) => makeBinary("div", f)],
  ["Neg", makeNeg],
  ["Sum", makeSum],
  ["Transpose", makeTranspose],
  ["Tanh", makeTanh],
];

let reference: Map<string, KernelConfig> | null = null;
let referenceSoftmaxGrad: GradConfig | null = null;
let referenceTanhGrad: GradConfig | null = null;
let enabled = false;

function swapKernel(config: KernelConfig): void {
  tf.unregisterKernel(config.kernelName, BACKEND);
  tf.registerKernel(config);
}

/**
 * A fast kernel as registered: the backend counts references to heap blocks before the kernel
 * hands it one (heap.ts), and a call that does not fit in the WebAssembly memory goes to
 * `fallback` (tfjs's kernel, or an error for d2l-ts's own kernels).
 */
function guarded(kernel: KernelFunc, fallback?: KernelFunc): KernelFunc {
  const { heap } = getRuntime();
  return (args) => {
    trackBackend(args.backend, heap);
    try {
      return kernel(args);
    } catch (error) {
      if (error instanceof HeapExhausted && fallback) return fallback(args);
      throw error;
    }
  };
}

/** d2l-ts's own kernels (no tfjs counterpart), registered once. */
const OWN_KERNELS: ReadonlyArray<[string, KernelFunc]> = [
  [SOFTMAX_GRAD_KERNEL, softmaxGrad],
  [TANH_GRAD_KERNEL, tanhGrad],
  [MASKED_SOFTMAX_KERNEL, maskedSoftmaxKernel],
];

/** Softmax's gradient through the fused kernel when the fast kernels run on the CPU backend. */
function fastSoftmaxGrad(original: GradConfig): GradConfig {
  return {
    ...original,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [y] = saved;
      const dim = (attrs as { dim?: number }).dim;
      const lastAxis = dim === undefined || dim === -1 || dim === y.rank - 1;
      const upstream = dy as Tensor;
      if (!enabled || tf.getBackend() !== BACKEND || !lastAxis || y.dtype !== "float32" || upstream.dtype !== "float32") {
        return original.gradFunc(dy, saved, attrs);
      }
      return { logits: () => tf.engine().runKernel(SOFTMAX_GRAD_KERNEL, { y, dy: upstream }, {}) as Tensor };
    },
  };
}

/** Tanh's gradient dy·(1 − y²) as one pass instead of three tfjs ops. */
function fastTanhGrad(original: GradConfig): GradConfig {
  return {
    ...original,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [y] = saved;
      const upstream = dy as Tensor;
      if (!enabled || tf.getBackend() !== BACKEND || y.dtype !== "float32" || upstream.dtype !== "float32") {
        return original.gradFunc(dy, saved, attrs);
      }
      return { x: () => tf.engine().runKernel(TANH_GRAD_KERNEL, { y, dy: upstream }, {}) as Tensor };
    },
  };
}

/**
 * Turns the fast CPU kernels on (the default) or off (tfjs's reference kernels), e.g. to compare
 * both in tests. Replaced: BatchMatMul (so every `matMul` and its gradients), Softmax and Tanh
 * and their gradients, broadcasting float32 Add, Sub, Multiply, RealDiv, Neg, Sum over any axes, Transpose, Tanh,
 * and the host loops of `maskedSoftmax` (forward and gradient). Throws if the WebAssembly module was not built.
 */
export function useFastKernels(enable = true): void {
  if (enable === enabled) return;
  if (enable) {
    getRuntime(); // loads the module (or throws) and starts the worker threads
    if (!reference) {
      reference = new Map();
      for (const [name] of REPLACEMENTS) {
        const config = tf.getKernel(name, BACKEND);
        if (!config) throw new Error(`d2l-ts fast kernels: tfjs has no '${name}' kernel for the cpu backend`);
        reference.set(name, config);
      }
      for (const [kernelName, kernelFunc] of OWN_KERNELS) {
        tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: guarded(kernelFunc) });
      }
      referenceSoftmaxGrad = tf.getGradient("Softmax") ?? null;
      referenceTanhGrad = tf.getGradient("Tanh") ?? null;
    }
    const backend = tf.findBackend(BACKEND);
    if (backend) trackBackend(backend, getRuntime().heap);
    for (const [name, make] of REPLACEMENTS) {
      const ref = reference.get(name)!;
      swapKernel({ ...ref, kernelFunc: guarded(make(ref.kernelFunc), ref.kernelFunc) });
    }
    if (referenceSoftmaxGrad) tf.registerGradient(fastSoftmaxGrad(referenceSoftmaxGrad));
    if (referenceTanhGrad) tf.registerGradient(fastTanhGrad(referenceTanhGrad));
    setMaskedSoftmaxKernels(fastMaskedSoftmaxKernels);
  } else if (reference) {
    for (const config of reference.values()) swapKernel(config);
    if (referenceSoftmaxGrad) tf.registerGradient(referenceSoftmaxGrad);
    if (referenceTanhGrad) tf.registerGradient(referenceTanhGrad);
    setMaskedSoftmaxKernels(null);
  }
  enabled = enable;
}

/** Whether the fast kernels are in place of tfjs's CPU kernels. */
export function fastKernelsEnabled(): boolean {
  return enabled;
}

/** Worker threads plus the calling thread the fast kernels use (D2L_THREADS overrides). */
export function fastKernelThreads(): number {
  return getRuntime().pool.threads;
}
