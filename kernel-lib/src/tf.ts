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
// The three are loaded for their side effects with `require`, not `import "…"`: TypeScript keeps a
// side-effect import in the emitted declarations, so every cell tslab type-checks after
// `import * as d2l from "d2l-ts"` would also load the declarations of the cpu backend and
// tfjs-layers (118 files) and type-check the generated JavaScript (tslab checks .js with checkJs):
// about half of that cell's time (docs/benchmarks.md, notebook latency).
require("@tensorflow/tfjs-backend-cpu");
require("@tensorflow/tfjs-layers");
require("../generated/chained-ops");
// Types of the chained methods (module augmentation of tfjs-core's Tensor).
export type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";

/**
 * tfjs's cpu backend prints a banner ("looks like you are running TensorFlow.js in Node.js…") to
 * stderr on its first tensor, and a notebook treats stderr as an error. The banner goes through
 * tfjs's `warn`, which is silent while the PROD flag is set; so the first tensor is made here with
 * PROD set for that one call only, leaving every later tfjs warning as it was.
 */
function consumeCpuBanner(): void {
  const env = tf.env();
  const prod = env.getBool("PROD");
  env.set("PROD", true);
  try {
    // tf.backend() picks and keeps the default backend (cpu, the only one registered at load).
    const backend = tf.backend();
    if (tf.getBackend() === "cpu") backend.disposeData(backend.write(new Float32Array(0), [0], "float32"));
  } finally {
    env.set("PROD", prod);
  }
}
consumeCpuBanner();

export { tf };
