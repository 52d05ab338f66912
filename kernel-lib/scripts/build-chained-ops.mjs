// tfjs-core's CommonJS bundle (what Node loads) does not register the chained tensor methods
// (`x.square()`, `x.matMul(y)`); only its ES-module files do, and Node cannot load those. This
// script compiles tfjs-core's own `register_all_chained_ops.js` to CommonJS, pointing each of its
// imports at the public `@tensorflow/tfjs-core` API, so the code that runs is exactly tfjs's.
import { build } from "esbuild";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const coreDist = dirname(require.resolve("@tensorflow/tfjs-core/package.json")) + "/dist";
const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, "..", "generated", "chained-ops.js");

// Internal modules the chained-op files import, and what stands for them in the public API.
const shims = {
  tensor: "export const getGlobalTensorClass = () => tf.Tensor;\nexport const Tensor = tf.Tensor;",
  util: "export const { assert } = tf.util;",
};

const toPublicApi = {
  name: "tfjs-core-public-api",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/\.\.\// }, (args) => ({
      path: args.path.replace(/^\.\.\/\.\.\//, ""),
      namespace: "tfjs-public",
    }));
    b.onLoad({ filter: /.*/, namespace: "tfjs-public" }, (args) => {
      const shim = shims[args.path];
      const body = shim ?? "export * from '@tensorflow/tfjs-core';";
      return { contents: `import * as tf from '@tensorflow/tfjs-core';\n${body}`, resolveDir: here };
    });
  },
};

await build({
  entryPoints: [join(coreDist, "public/chained_ops/register_all_chained_ops.js")],
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["@tensorflow/tfjs-core"],
  plugins: [toPublicApi],
  outfile,
  legalComments: "none",
  logLevel: "warning",
});
console.log(`chained tensor methods: ${outfile}`);
