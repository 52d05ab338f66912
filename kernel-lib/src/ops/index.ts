// Public exports of the ops folder (helpers, randomness, masked softmax, masks, backends).
export { D2lArgumentError, checkShape, checkLen } from "./check";
export { seed, nextSeed, rand, randn, normal, arange } from "./random";
export { AttentionMask, causalMask, paddingMask, type ValidLens } from "./masks";
export { maskedSoftmax, type MaskedSoftmaxOptions } from "./masked-softmax";
export { useBackend, type BackendName } from "./backend";
export { crossEntropy, type CrossEntropyReduction } from "./cross-entropy";
export { squaredLoss } from "./squared-loss";
export {
  gruLayer,
  lstmLayer,
  gruLayerHost,
  lstmLayerHost,
  setRecurrentKernels,
  getRecurrentKernels,
  type GruLayerWeights,
  type LstmLayerWeights,
  type GruLayerResult,
  type LstmLayerResult,
  type GruLayerKernel,
  type LstmLayerKernel,
  type RecurrentKernels,
} from "./recurrent";
