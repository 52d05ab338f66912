/**
 * Puts the fast kernels in place of tfjs's CPU kernels (and back) through tfjs's kernel registry,
 * so user code and the library's own ops do not change: `tf.matMul`, `tf.softmax`, `tf.add`…
 * simply run faster on the "cpu" backend. Other backends are untouched.
 */
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { makeBatchMatMul } from "./matmul";
import { makeBinary, makeNeg } from "./binary";
import { makeSoftmax, maskedSoftmaxBackwardFast, maskedSoftmaxForwardFast, softmaxGrad, SOFTMAX_GRAD_KERNEL } from "./softmax";
import { setMaskedSoftmaxKernels } from "../ops/masked-softmax";
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
      tf.registerKernel({ kernelName: SOFTMAX_GRAD_KERNEL, backendName: BACKEND, kernelFunc: softmaxGrad });
      referenceSoftmaxGrad = tf.getGradient("Softmax") ?? null;
      tf.registerKernel({ kernelName: TANH_GRAD_KERNEL, backendName: BACKEND, kernelFunc: tanhGrad });
      referenceTanhGrad = tf.getGradient("Tanh") ?? null;
    }
    for (const [name, make] of REPLACEMENTS) {
      const ref = reference.get(name)!;
      swapKernel({ ...ref, kernelFunc: make(ref.kernelFunc) });
    }
    if (referenceSoftmaxGrad) tf.registerGradient(fastSoftmaxGrad(referenceSoftmaxGrad));
    if (referenceTanhGrad) tf.registerGradient(fastTanhGrad(referenceTanhGrad));
    setMaskedSoftmaxKernels({ forward: maskedSoftmaxForwardFast, backward: maskedSoftmaxBackwardFast });
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
