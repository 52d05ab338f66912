// Kernel adapter: publish a bundle to tslab, Deno's Jupyter kernel, or plain Node.
export { detectKernel, displaysSettled, publishDisplay, setNodeDisplayHandler, KernelDisplayError, type KernelKind, type NodeDisplayHandler, type PublishOptions } from "./publish";
export { cellStderrWriter, lateErrorWriter, type LateErrorWriter } from "./late-errors";
