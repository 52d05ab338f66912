/**
 * Puts the fast kernels in place of tfjs's CPU kernels (and back) through tfjs's kernel registry,
 * so user code and the library's own ops do not change: `tf.matMul`, `tf.softmax`, `tf.add`…
 * simply run faster on the "cpu" backend. Other backends are untouched.
 */
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { makeBatchMatMul } from "./matmul";
import { gradientKernel, makeBinary } from "./binary";
import {
  makeCast,
  makeConcat,
  makeGatherV2,
  makeOneHot,
  makePack,
  makePadV2,
  makeReverse,
  makeSelect,
  makeSlice,
  makeSplitV,
  makeStridedSlice,
  makeTile,
  makeUnpack,
  makeUnsortedSegmentSum,
} from "./movement";
import { fastMaskedSoftmaxKernels, makeSoftmax, MASKED_SOFTMAX_KERNEL, maskedSoftmaxKernel, softmaxGrad, SOFTMAX_GRAD_KERNEL } from "./softmax";
import { setMaskedSoftmaxKernels } from "../ops/masked-softmax";
import { setParametricAttentionPoolKernel } from "../pooling/parametric-pool";
import { setLayerNormKernel } from "../layers/layer-norm";
import { setAdditiveAttentionKernels, setDotProductAttentionKernels } from "../layers/attention";
import {
  ADDITIVE_SCORES_GRAD_KERNEL,
  ADDITIVE_SCORES_KERNEL,
  additiveScoresGradient,
  additiveScoresGradKernel,
  additiveScoresKernel,
  fastAdditiveAttention,
} from "./additive-attention";
import {
  ATTENTION_VALUES_GRAD_KERNEL,
  ATTENTION_VALUES_KERNEL,
  ATTENTION_WEIGHTS_GRAD_KERNEL,
  ATTENTION_WEIGHTS_KERNEL,
  attentionGradients,
  attentionValuesGradKernel,
  attentionValuesKernel,
  attentionWeightsGradKernel,
  attentionWeightsKernel,
  fastDotProductAttention,
} from "./attention";
import { fastLayerNorm, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNormGradient, layerNormGradKernel, layerNormKernel } from "./norm";
import {
  fastParametricAttentionPool,
  PARAMETRIC_POOL_GRAD_KERNEL,
  PARAMETRIC_POOL_KERNEL,
  parametricPoolGradient,
  parametricPoolGradKernel,
  parametricPoolKernel,
} from "./pooling";
import { fastGruLayer, GRU_LAYER_GRAD_KERNEL, GRU_LAYER_KERNEL, gruLayerGradient, gruLayerGradKernel, gruLayerKernel } from "./recurrent";
import { setRecurrentKernels } from "../ops/recurrent";
import { setAdamKernel } from "../training/adam";
import { fastAdamUpdate } from "./adam";
import { setDropoutKernel } from "../layers/dropout";
import { DROPOUT_KERNEL, dropoutGradient, dropoutKernel, fastDropout } from "./dropout";
import { setCrossEntropyKernel } from "../ops/cross-entropy";
import { setSquaredLossKernel } from "../ops/squared-loss";
import {
  SQUARED_LOSS_GRAD_KERNEL,
  SQUARED_LOSS_KERNEL,
  fastSquaredLoss,
  squaredLossGradient,
  squaredLossGradKernel,
  squaredLossKernel,
} from "./squared-loss";
import {
  CROSS_ENTROPY_GRAD_KERNEL,
  CROSS_ENTROPY_KERNEL,
  crossEntropyGradient,
  crossEntropyGradKernel,
  crossEntropyKernel,
  fastCrossEntropy,
} from "./cross-entropy";
import { HeapExhausted, moveOutOfHeap, trackBackend } from "./heap";
import { getRuntime } from "./runtime";
import { activeNativeMatMul } from "./native";
import { makeArgMax, makeMax, makeSumOrMean } from "./reduce";
import { makeTranspose } from "./transpose";
import { makeUnary } from "./unary";

const BACKEND = "cpu";

/** Each replaced kernel and how to build its fast version around tfjs's (the fallback). */
const REPLACEMENTS: ReadonlyArray<[string, (reference: KernelFunc) => KernelFunc]> = [
  ["BatchMatMul", makeBatchMatMul],
  ["Softmax", makeSoftmax],
  ["Add", (f) => makeBinary("add", f)],
  ["Sub", (f) => makeBinary("sub", f)],
  ["Multiply", (f) => makeBinary("mul", f)],
  ["RealDiv", (f) => makeBinary("div", f)],
  ["Maximum", (f) => makeBinary("max", f)],
  ["Minimum", (f) => makeBinary("min", f)],
  ["Neg", (f) => makeUnary("neg", f)],
  ["Relu", (f) => makeUnary("relu", f)],
  ["Sigmoid", (f) => makeUnary("sigmoid", f)],
  ["Tanh", (f) => makeUnary("tanh", f)],
  ["Exp", (f) => makeUnary("exp", f)],
  ["Log", (f) => makeUnary("log", f)],
  ["Sqrt", (f) => makeUnary("sqrt", f)],
  ["Rsqrt", (f) => makeUnary("rsqrt", f)],
  ["Square", (f) => makeUnary("square", f)],
  ["Abs", (f) => makeUnary("abs", f)],
  ["Sum", (f) => makeSumOrMean("sum", f)],
  ["Mean", (f) => makeSumOrMean("mean", f)],
  ["Max", makeMax],
  ["ArgMax", makeArgMax],
  ["Transpose", makeTranspose],
  ["Slice", makeSlice],
  ["StridedSlice", makeStridedSlice],
  ["SplitV", makeSplitV],
  ["Concat", makeConcat],
  ["Pack", makePack],
  ["Unpack", makeUnpack],
  ["Tile", makeTile],
  ["Reverse", makeReverse],
  ["PadV2", makePadV2],
  ["GatherV2", makeGatherV2],
  ["UnsortedSegmentSum", makeUnsortedSegmentSum],
  ["OneHot", makeOneHot],
  ["Select", makeSelect],
  ["Cast", makeCast],
];

const SIGMOID_GRAD_KERNEL = "D2lSigmoidGrad";
const RELU_GRAD_KERNEL = "D2lReluGrad";
const TANH_GRAD_KERNEL = "D2lTanhGrad";

/** d2l-ts's own kernels (no tfjs counterpart), registered once. */
const OWN_KERNELS: ReadonlyArray<[string, KernelFunc]> = [
  [SOFTMAX_GRAD_KERNEL, softmaxGrad],
  [MASKED_SOFTMAX_KERNEL, maskedSoftmaxKernel],
  [SIGMOID_GRAD_KERNEL, gradientKernel("sigmoidGrad")],
  [RELU_GRAD_KERNEL, gradientKernel("reluGrad")],
  [TANH_GRAD_KERNEL, gradientKernel("tanhGrad")],
  [PARAMETRIC_POOL_KERNEL, parametricPoolKernel],
  [PARAMETRIC_POOL_GRAD_KERNEL, parametricPoolGradKernel],
  [LAYER_NORM_KERNEL, layerNormKernel],
  [LAYER_NORM_GRAD_KERNEL, layerNormGradKernel],
  [ATTENTION_WEIGHTS_KERNEL, attentionWeightsKernel],
  [ATTENTION_WEIGHTS_GRAD_KERNEL, attentionWeightsGradKernel],
  [ATTENTION_VALUES_KERNEL, attentionValuesKernel],
  [ATTENTION_VALUES_GRAD_KERNEL, attentionValuesGradKernel],
  [GRU_LAYER_KERNEL, gruLayerKernel],
  [GRU_LAYER_GRAD_KERNEL, gruLayerGradKernel],
  [DROPOUT_KERNEL, dropoutKernel],
  [CROSS_ENTROPY_KERNEL, crossEntropyKernel],
  [CROSS_ENTROPY_GRAD_KERNEL, crossEntropyGradKernel],
  [SQUARED_LOSS_KERNEL, squaredLossKernel],
  [SQUARED_LOSS_GRAD_KERNEL, squaredLossGradKernel],
  [ADDITIVE_SCORES_KERNEL, additiveScoresKernel],
  [ADDITIVE_SCORES_GRAD_KERNEL, additiveScoresGradKernel],
];

/**
 * Gradients computed by one fused kernel instead of tfjs's chain of ops: the op's name, the
 * input the gradient is for, and the kernel with its inputs (`saved` as tfjs saves it: the
 * output for Softmax, Sigmoid and Tanh, the input for Relu).
 */
const FUSED_GRADIENTS: ReadonlyArray<{ op: string; input: string; kernel: string; inputs: (saved: Tensor, dy: Tensor) => tf.NamedTensorMap; lastAxisOnly?: boolean }> = [
  { op: "Softmax", input: "logits", kernel: SOFTMAX_GRAD_KERNEL, inputs: (y, dy) => ({ y, dy }), lastAxisOnly: true },
  { op: "Sigmoid", input: "x", kernel: SIGMOID_GRAD_KERNEL, inputs: (y, dy) => ({ a: y, dy }) },
  { op: "Relu", input: "x", kernel: RELU_GRAD_KERNEL, inputs: (x, dy) => ({ a: x, dy }) },
  { op: "Tanh", input: "x", kernel: TANH_GRAD_KERNEL, inputs: (y, dy) => ({ a: y, dy }) },
];

let reference: Map<string, KernelConfig> | null = null;
const referenceGradients = new Map<string, GradConfig>();
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

/** `original` with its gradient computed by one fused kernel when the fast kernels run. */
function fusedGradient(original: GradConfig, fused: (typeof FUSED_GRADIENTS)[number]): GradConfig {
  return {
    ...original,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [s] = saved;
      const upstream = dy as Tensor;
      const dim = (attrs as { dim?: number } | undefined)?.dim;
      const axisOk = !fused.lastAxisOnly || dim === undefined || dim === -1 || dim === s.rank - 1;
      if (!enabled || tf.getBackend() !== BACKEND || !axisOk || s.dtype !== "float32" || upstream.dtype !== "float32") {
        return original.gradFunc(dy, saved, attrs);
      }
      return { [fused.input]: () => tf.engine().runKernel(fused.kernel, fused.inputs(s, upstream), {}) as Tensor };
    },
  };
}

/**
 * Turns the fast CPU kernels on (the default) or off (tfjs's reference kernels), e.g. to compare
 * both in tests. Replaced: BatchMatMul (so every `matMul` and its gradients); Softmax, Sigmoid,
 * Relu and Tanh with their gradients; broadcasting float32 Add, Sub, Multiply, RealDiv, Maximum,
 * Minimum; Neg, Exp, Log, Sqrt, Rsqrt, Square, Abs; Sum, Mean, Max, ArgMax; the data movement of
 * Transpose, Slice, StridedSlice, SplitV, Concat, Pack, Unpack, Tile, Reverse, PadV2, GatherV2,
 * UnsortedSegmentSum, OneHot, Select, Cast; the masked softmax's computations (its hook
 * `setMaskedSoftmaxKernels`), section 11.2's parametric attention pooling (its hook
 * `setParametricAttentionPoolKernel`), LayerNorm (its hook `setLayerNormKernel`) and the scaled
 * dot-product attention (its hooks `setDotProductAttentionKernels`), the additive attention's
 * scores (its hook `setAdditiveAttentionKernels`) and a whole GRU layer forward
 * and backward (its hook `setRecurrentKernels`) Adam's update (its hook `setAdamKernel`),
 * dropout in training (its hook `setDropoutKernel`), softmax cross-entropy (its hook
 * `setCrossEntropyKernel`) and the squared loss (its hook `setSquaredLossKernel`). Throws if the
 * WebAssembly module was not built.
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
      tf.registerGradient(parametricPoolGradient);
      tf.registerGradient(layerNormGradient);
      tf.registerGradient(gruLayerGradient);
      tf.registerGradient(dropoutGradient);
      tf.registerGradient(crossEntropyGradient);
      tf.registerGradient(squaredLossGradient);
      tf.registerGradient(additiveScoresGradient);
      for (const gradient of attentionGradients) tf.registerGradient(gradient);
      for (const { op } of FUSED_GRADIENTS) {
        const original = tf.getGradient(op);
        if (original) referenceGradients.set(op, original);
      }
    }
    const backend = tf.findBackend(BACKEND);
    if (backend) trackBackend(backend, getRuntime().heap);
    for (const [name, make] of REPLACEMENTS) {
      const ref = reference.get(name)!;
      swapKernel({ ...ref, kernelFunc: guarded(make(ref.kernelFunc), ref.kernelFunc) });
    }
    for (const fused of FUSED_GRADIENTS) {
      const original = referenceGradients.get(fused.op);
      if (original) tf.registerGradient(fusedGradient(original, fused));
    }
    setMaskedSoftmaxKernels(fastMaskedSoftmaxKernels);
    setParametricAttentionPoolKernel(fastParametricAttentionPool);
    setLayerNormKernel(fastLayerNorm);
    setDotProductAttentionKernels(fastDotProductAttention);
    setAdditiveAttentionKernels(fastAdditiveAttention);
    setRecurrentKernels({ gru: fastGruLayer });
    setAdamKernel(fastAdamUpdate);
    setDropoutKernel(fastDropout);
    setCrossEntropyKernel(fastCrossEntropy);
    setSquaredLossKernel(fastSquaredLoss);
  } else if (reference) {
    const backend = tf.findBackend(BACKEND);
    if (backend) moveOutOfHeap(backend, getRuntime().heap);
    for (const config of reference.values()) swapKernel(config);
    for (const original of referenceGradients.values()) tf.registerGradient(original);
    setMaskedSoftmaxKernels(null);
    setParametricAttentionPoolKernel(null);
    setLayerNormKernel(null);
    setDotProductAttentionKernels(null);
    setAdditiveAttentionKernels(null);
    setRecurrentKernels(null);
    setAdamKernel(null);
    setDropoutKernel(null);
    setCrossEntropyKernel(null);
    setSquaredLossKernel(null);
  }
  enabled = enable;
}

/** Whether the fast kernels are in place of tfjs's CPU kernels. */
export function fastKernelsEnabled(): boolean {
  return enabled;
}

/**
 * What the fast kernels' matrix products run on: "AVX-512" or "AVX2-FMA" (the native module,
 * native.ts) or "WebAssembly SIMD128" (then `nativeMatMulUnavailableReason()` says why).
 */
export function fastMatMulIsa(): string {
  return activeNativeMatMul()?.isa ?? "WebAssembly SIMD128";
}

/** Worker threads plus the calling thread the fast kernels use (D2L_THREADS overrides). */
export function fastKernelThreads(): number {
  return getRuntime().pool.threads;
}
