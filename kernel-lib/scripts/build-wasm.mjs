// Compiles the fast CPU kernels (src/fast/wasm/*.c) to WebAssembly with SIMD128 and shared memory,
// using Debian's clang and lld (packages `clang` and `lld`): no SDK, no download.
// Output: generated/fast-kernels.wasm (git-ignored, shipped in the npm package via "files").
//
// The module imports one shared memory (so the main thread and worker threads run on the same
// data) and exports `run(job, threadId)` and `__heap_base` (where JavaScript may start placing data).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const sources = join(root, "src", "fast", "wasm");
const outfile = join(root, "generated", "fast-kernels.wasm");

// Must match MAX_PAGES in src/fast/wasm-module.ts: an imported shared memory's maximum has to
// equal (or stay within) the maximum the module declares.
const MAX_MEMORY_BYTES = 2 * 1024 * 1024 * 1024;

const clang = process.env.CLANG ?? "clang";
const files = readdirSync(sources)
  .filter((f) => f.endsWith(".c"))
  .map((f) => join(sources, f));

try {
  execFileSync(clang, ["--version"], { stdio: "ignore" });
} catch {
  console.error(
    `build-wasm: '${clang}' not found. Install Debian's clang and lld ` +
      "(apt-get install -y --no-install-recommends clang lld) or set CLANG to a clang that targets wasm32.",
  );
  process.exit(1);
}

mkdirSync(dirname(outfile), { recursive: true });
const args = [
  "--target=wasm32",
  "-O3",
  "-msimd128",
  "-matomics",
  "-mbulk-memory",
  "-nostdlib",
  "-ffreestanding",
  "-Wall",
  "-Wextra",
  "-Werror",
  "-Wl,--no-entry",
  "-Wl,--import-memory",
  "-Wl,--shared-memory",
  `-Wl,--max-memory=${MAX_MEMORY_BYTES}`,
  "-Wl,--export=__heap_base",
  "-Wl,-z,stack-size=65536",
  "-o",
  outfile,
  ...files,
];
try {
  execFileSync(clang, args, { stdio: "inherit" });
} catch {
  console.error("build-wasm: clang failed (see above)");
  process.exit(1);
}
// The threads share one memory but each instance has its own stack pointer (a global) starting at
// the same address: the kernels must not use the shadow stack at all (no address-taken locals,
// no local arrays). Checked with llvm-objdump where it is installed (Debian's clang brings it).
const objdump = ["llvm-objdump", "llvm-objdump-14"].find((tool) => {
  try {
    execFileSync(tool, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
});
if (objdump) {
  const code = execFileSync(objdump, ["-d", outfile], { encoding: "utf8", maxBuffer: 1 << 26 });
  const uses = code.split("\n").filter((line) => /\bglobal\.(get|set)\b/.test(line));
  if (uses.length > 0) {
    console.error(`build-wasm: the kernels use the shadow stack (${uses.length} global.get/set), which the threads would share:`);
    console.error(uses.slice(0, 5).join("\n"));
    process.exit(1);
  }
}
console.log(`fast kernels (wasm32 + SIMD128): ${outfile} (${statSync(outfile).size} bytes)${objdump ? ", no shadow stack" : ""}`);
