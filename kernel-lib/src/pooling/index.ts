// Public exports of the pooling folder (section 11.2).
export { gaussian, boxcar, constant, epanechikov, gaussianWithWidth, withWidth, type Kernel } from "./kernels";
export { nadarayaWatson, NoKeyInReachError, type PoolingResult } from "./nadaraya-watson";
export { diff, attentionPool } from "./attention-pool";
