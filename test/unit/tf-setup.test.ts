// Proves that d2l-ts's lean tfjs set (core + cpu backend + tfjs-layers + generated chained ops)
// registers what the union package @tensorflow/tfjs would: every gradient tfjs-core ships and
// every chained tensor method; and that the wasm backend can be switched to.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src/index";

const tf = d2l.tf;
type Tensor = d2l.tf.Tensor;
type Scalar = d2l.tf.Scalar;
const require = createRequire(__filename);
const coreDist = join(dirname(require.resolve("@tensorflow/tfjs-core/package.json")), "dist");

/** Kernel names whose gradients tfjs-core's own register_all_gradients registers. */
function gradientKernelNames(): string[] {
  const source = readFileSync(join(coreDist, "register_all_gradients.js"), "utf8");
  return [...source.matchAll(/from '\.\/gradients\/(\w+)_grad'/g)].map((m) => m[1]);
}

/** Method names tfjs-core's own register_all_chained_ops puts on Tensor.prototype. */
function chainedMethodNames(): string[] {
  const dir = join(coreDist, "public", "chained_ops");
  const index = readFileSync(join(dir, "register_all_chained_ops.js"), "utf8");
  const files = [...index.matchAll(/^import '\.\/(\w+)';/gm)].map((m) => m[1]);
  return files.flatMap((file) => {
    const source = readFileSync(join(dir, `${file}.js`), "utf8");
    return [...source.matchAll(/prototype\.(\w+) =\s*function/g)].map((m) => m[1]);
  });
}

describe("tfjs set-up of d2l-ts", () => {
  it("registers a gradient for every kernel tfjs-core's register_all_gradients lists", () => {
    const names = gradientKernelNames();
    expect(names.length).toBeGreaterThan(90);
    const missing = names.filter((name) => tf.getGradient(name) === undefined);
    expect(missing).toEqual([]);
  });

  it("computes gradients through matMul, softmax, where, tanh and broadcasting", () => {
    const x = tf.tensor2d([[0.5, -1], [2, 0.25]]);
    const w = tf.tensor2d([[1, 2], [3, 4]]);
    const f = (t: Tensor) => tf.softmax(tf.tanh(tf.matMul(t, w)).add(tf.scalar(1))).mul(tf.tensor1d([1, -1])).sum();
    const g = tf.grad(f)(x).dataSync();
    const h = 1e-2;
    const base = x.dataSync();
    for (let i = 0; i < 4; i++) {
      const p = Float32Array.from(base);
      const m = Float32Array.from(base);
      p[i] += h;
      m[i] -= h;
      const numeric = (f(tf.tensor2d(p, [2, 2])).dataSync()[0] - f(tf.tensor2d(m, [2, 2])).dataSync()[0]) / (2 * h);
      expect(Math.abs(numeric - g[i])).toBeLessThan(2e-3);
    }
    const v = tf.variable(tf.tensor1d([3, -2]));
    const { value, grads } = tf.variableGrads(() => v.square().sum() as Scalar);
    expect(value.dataSync()[0]).toBe(13);
    expect(Array.from(grads[v.name].dataSync())).toEqual([6, -4]);
    v.dispose();
  });

  it("has every chained tensor method tfjs-core defines", () => {
    const names = chainedMethodNames();
    expect(names.length).toBeGreaterThan(130);
    const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
    expect(names.filter((name) => typeof proto[name] !== "function")).toEqual([]);
  });

  it("computes with chained methods as with the functions", () => {
    const x = tf.tensor2d([[1, -2], [3, 4]]);
    expect(x.square().arraySync()).toEqual([[1, 4], [9, 16]]);
    expect(x.matMul(x).arraySync()).toEqual(tf.matMul(x, x).arraySync());
    expect(x.transpose().reshape([4]).arraySync()).toEqual([1, 3, -2, 4]);
    expect(x.abs().sum(1).arraySync()).toEqual([3, 7]);
    expect(x.softmax().arraySync()).toEqual(tf.softmax(x).arraySync());
    expect(x.expandDims(0).shape).toEqual([1, 2, 2]);
    expect(x.greater(0).cast("float32").mean().arraySync()).toBe(0.75);
  });

  describe("useBackend", () => {
    afterAll(async () => {
      await d2l.useBackend("cpu");
    });

    it("switches to wasm, computes the same numbers and gradients there, and back to cpu", async () => {
      d2l.seed(0);
      const X = d2l.rand([2, 3, 4]);
      const W = d2l.randn([2, 3, 4]);
      const run = () => {
        const y = d2l.maskedSoftmax(X, [2, 3]).arraySync();
        const g = tf.grad((x: Tensor) => tf.tanh(x).matMul(x, false, true).mul(W.slice([0, 0, 0], [2, 3, 3])).sum())(X);
        return { y, g: Array.from(g.dataSync()) };
      };
      const onCpu = run();
      await d2l.useBackend("wasm");
      expect(tf.getBackend()).toBe("wasm");
      const onWasm = run();
      onWasm.g.forEach((v, i) => expect(v).toBeCloseTo(onCpu.g[i], 5));
      onWasm.y.flat(2).forEach((v, i) => expect(v).toBeCloseTo(onCpu.y.flat(2)[i], 6));
      await d2l.useBackend("cpu");
      expect(tf.getBackend()).toBe("cpu");
    });

    it("refuses other backend names", async () => {
      await expect(d2l.useBackend("webgl" as "cpu")).rejects.toThrow(
        'useBackend: name must be "cpu" or "wasm"; got string',
      );
    });
  });
});
