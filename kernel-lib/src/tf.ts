/**
 * TensorFlow.js as d2l-ts uses it, re-exported to notebooks as `d2l.tf`.
 *
 * In Node, tfjs-core's CommonJS bundle registers neither gradients nor chained tensor methods.
 * The leanest set that really has both (checked by test/unit/tf-setup.test.ts):
 * - `@tensorflow/tfjs-backend-cpu`: the default backend;
 * - `@tensorflow/tfjs-layers`: its CommonJS bundle registers every gradient of tfjs-core on load;
 * - `generated/chained-ops.js`: tfjs-core's own chained-method registrations compiled to CommonJS
 *   at build time (scripts/build-chained-ops.mjs).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-layers";
import "../generated/chained-ops";
// Types of the chained methods (module augmentation of tfjs-core's Tensor).
export type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";

export { tf };
