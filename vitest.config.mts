import { defineConfig } from "vitest/config";

// Unit, parity and notebook-execution suites. Browser tests have their own config
// (test/browser/vitest.config.mts) because they need a running JupyterLab.
export default defineConfig({
  test: {
    include: [
      "test/unit/**/*.test.ts",
      "test/parity/**/*.test.ts",
      "test/notebooks/**/*.test.ts",
      "test/install/**/*.test.ts",
      "kernel-lib/src/**/*.test.ts",
      "contract/src/**/*.test.ts",
      "extension/src/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
