/**
 * d2l-ts: the attention chapter of Dive into Deep Learning (chapter 11) on TensorFlow.js.
 * `import * as d2l from "d2l-ts"` gives the book's API in camelCase; `d2l.tf` is TensorFlow.js.
 */
export { tf } from "./tf";
export * from "./ops";
export * from "./layers";
export * from "./pooling";
export * from "./training";
export * from "./models";
export * from "./data";
export * from "./seq2seq";
export * from "./display";
export * from "./fast";
