// Public exports of the layers folder.
export { Layer } from "./layer";
