import { defineConfig } from "vitest/config";

// Browser tests: a real JupyterLab (jupyterlab-app, served by Debian's jupyter_server) with the
// tslab kernel, driven by Debian's Chromium through playwright-core. One file at a time: they
// share one server and the machine's two cores.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
