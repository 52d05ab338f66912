// Builds the native matrix product and GRU step kernels (src/fast/native/matmul.c, gru.c) as a
// Node-API module with Debian's clang: generated/fast-matmul-<platform>-<arch>.node (git-ignored,
// shipped in the npm package via "files"). Optional: where it cannot be built (no clang, no Node
// headers, not x86-64) the fast kernels use their WebAssembly ones, and this script says why and
// exits 0.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
// matmul.c is the module (its Node-API entry points); gru.c adds the GRU step's kernels.
const sources = ["matmul.c", "gru.c"].map((file) => join(root, "src", "fast", "native", file));
// Must match NATIVE_PATH in src/fast/native.ts.
const outfile = join(root, "generated", `fast-matmul-${process.platform}-${process.arch}.node`);

function skip(reason) {
  rmSync(outfile, { force: true });
  console.log(`native matmul and GRU step: not built (${reason}); the fast kernels use their WebAssembly ones`);
  process.exit(0);
}

if (process.env.D2L_NATIVE === "0") skip("D2L_NATIVE=0");
if (process.arch !== "x64") skip(`the native matmul is written for x86-64, this is ${process.arch}`);
// Node's headers: next to the node binary (/usr/bin/node -> /usr/include/node), as Node installs them.
const include = [join(dirname(process.execPath), "..", "include", "node"), "/usr/include/node"].find((dir) =>
  existsSync(join(dir, "node_api.h")),
);
if (!include) skip("Node's headers (node_api.h) are not installed");
const clang = process.env.CLANG ?? "clang";
try {
  execFileSync(clang, ["--version"], { stdio: "ignore" });
} catch {
  skip(`'${clang}' not found`);
}

mkdirSync(dirname(outfile), { recursive: true });
try {
  execFileSync(
    clang,
    ["-O3", "-shared", "-fPIC", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden", `-I${include}`, "-o", outfile, ...sources],
    { stdio: "inherit" },
  );
} catch {
  console.error("build-native: clang failed (see above)");
  process.exit(1);
}
console.log(`native matmul and GRU step (AVX2-FMA / AVX-512, chosen at run time): ${outfile} (${statSync(outfile).size} bytes)`);
