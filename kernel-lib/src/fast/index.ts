// Public exports of the fast CPU kernels (WebAssembly SIMD + worker threads, registered in tfjs).
export { useFastKernels, fastKernelsEnabled, fastKernelThreads } from "./register";
