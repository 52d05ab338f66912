// The worked models of section 11.2: the parametric Nadaraya-Watson regression and its data.
// A room of its own because it combines pooling (the attention computation) with training
// (Module, DataModule), and neither of those may import the other.
export { NWKernelRegression } from "./nw-kernel-regression";
export { NonlinearData } from "./nonlinear-data";
