// The built package as plain Node and notebooks load it: `require("d2l-ts")` from the notebooks
// folder, through package.json's `main`, with nothing on stderr (a notebook treats stderr as an
// error, and tfjs's cpu backend prints a banner there unless d2l-ts keeps it quiet).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuiltPackageIsCurrent, root } from "./built-package";

const notebooks = join(root, "notebooks");

function runNode(script: string): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(process.execPath, ["-e", script], { cwd: notebooks, encoding: "utf8", timeout: 60_000 });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

beforeAll(() => assertBuiltPackageIsCurrent());

describe("the built d2l-ts package in plain Node", () => {
  it("declares CommonJS main and types that exist", () => {
    const pkg = JSON.parse(readFileSync(join(root, "kernel-lib", "package.json"), "utf8"));
    expect(pkg.main).toBe("dist/index.js");
    expect(pkg.types).toBe("dist/index.d.ts");
    const resolved = runNode(`console.log(require.resolve("d2l-ts"))`);
    expect(resolved.stdout.trim()).toBe(join(root, "kernel-lib", "dist", "index.js"));
  });

  it("loads with require, computes the book's example and gradients, and keeps stderr empty", () => {
    const { stdout, stderr, status } = runNode(`
      const d2l = require("d2l-ts");
      const tf = d2l.tf;
      d2l.seed(0);
      const y = d2l.maskedSoftmax(d2l.rand([2, 2, 4]), [2, 3]);
      const row = y.arraySync()[0][0];
      const g = tf.grad((x) => x.square().sum())(tf.tensor1d([1, -2]));
      const mha = new d2l.MultiHeadAttention(8, 2, 0.1);
      const out = mha.forward(tf.ones([2, 3, 8]), tf.ones([2, 5, 8]), tf.ones([2, 5, 8]), [2, 4]);
      console.log(JSON.stringify({ zeros: row.slice(2), sum: row[0] + row[1], grad: Array.from(g.dataSync()),
        out: out.shape, backend: tf.getBackend() }));
    `);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.zeros).toEqual([0, 0]);
    expect(result.sum).toBeCloseTo(1, 6);
    expect(result.grad).toEqual([2, -4]);
    expect(result.out).toEqual([2, 3, 8]);
    expect(result.backend).toBe("cpu");
  });

  it("keeps stderr empty after switching to the wasm backend too", () => {
    const { stdout, stderr, status } = runNode(`
      const d2l = require("d2l-ts");
      d2l.useBackend("wasm").then(() => {
        const s = d2l.tf.tensor1d([3, 4]).square().sum().dataSync()[0];
        console.log(d2l.tf.getBackend(), s);
      });
    `);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(stdout.trim()).toBe("wasm 25");
  });

  it("finds the corpus it ships, data/fra-eng/fra.txt in the package, from its built code", () => {
    const pkg = JSON.parse(readFileSync(join(root, "kernel-lib", "package.json"), "utf8"));
    expect(pkg.files).toContain("data");
    const { stdout, stderr, status } = runNode(`console.log(require("d2l-ts").SHIPPED_CORPUS)`);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(stdout.trim()).toBe(join(root, "kernel-lib", "data", "fra-eng", "fra.txt"));
  });

  it("control: plain tfjs-core with the cpu backend does print the Node banner to stderr", () => {
    const { stderr, status } = runNode(`
      const tf = require("@tensorflow/tfjs-core");
      require("@tensorflow/tfjs-backend-cpu");
      tf.ones([2]).dataSync();
    `);
    expect(status).toBe(0);
    expect(stderr).toMatch(/looks like you are running TensorFlow\.js in Node\.js/);
  });
});
