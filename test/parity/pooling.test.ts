/**
 * Parity of section 11.2 with the book's PyTorch code: the kernels, Nadaraya–Watson regression,
 * diff / attentionPool, and NWKernelRegression's forward, loss and gradient with respect to w,
 * on the CPU and WebAssembly backends.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { BACKENDS, ParityCase, expectAllOutputsChecked, useBackend } from "./fixture";

const tf = d2l.tf;

type Kernel = (x: d2l.tf.Tensor) => d2l.tf.Tensor;

/** The fixture's kernel names (generate.py) → d2l-ts's kernels. */
const KERNELS: Record<string, Kernel> = {
  gaussian: d2l.gaussian,
  boxcar: d2l.boxcar,
  constant: d2l.constant,
  epanechikov: d2l.epanechikov,
  "gaussianWithWidth(0.1)": d2l.gaussianWithWidth(0.1),
  "gaussianWithWidth(0.2)": d2l.gaussianWithWidth(0.2),
  "gaussianWithWidth(0.5)": d2l.gaussianWithWidth(0.5),
  "gaussianWithWidth(1.0)": d2l.gaussianWithWidth(1.0),
};

describe.each(BACKENDS)("attention pooling (11.2) matches the book on %s", (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe.each(["x", "xSine"])("kernels on input %s", (inputName) => {
    it.each(Object.keys(KERNELS))("%s", (kernelName) => {
      const c = new ParityCase("kernels");
      tf.tidy(() => c.check(`${kernelName}(${inputName})`, KERNELS[kernelName]!(c.input(inputName))));
    });
  });

  describe("nadarayaWatson", () => {
    const c = new ParityCase("nadarayaWatson");
    it.each(c.arg<string[]>("kernels"))("with kernel %s: yHat and attentionWeights (nTrain, nVal)", (kernelName) => {
      const kernel = KERNELS[kernelName];
      if (!kernel) throw new Error(`no d2l-ts kernel for the fixture's "${kernelName}"`);
      tf.tidy(() => {
        const { yHat, attentionWeights } = d2l.nadarayaWatson(c.input("xTrain"), c.input("yTrain"), c.input("xVal"), kernel);
        c.check(`${kernelName}.yHat`, yHat);
        c.check(`${kernelName}.attentionWeights`, attentionWeights);
      });
    });
  });

  it("diff and attentionPool", () => {
    const c = new ParityCase("attentionPool");
    tf.tidy(() => {
      const diffs = d2l.diff(c.input("queries"), c.input("keys"));
      c.check("diff", diffs);
      const { yHat, attentionWeights } = d2l.attentionPool(diffs, c.input("values"));
      c.check("yHat", yHat);
      c.check("attentionWeights", attentionWeights);
    });
  });

  describe.each(["w=1", "w=1.7"])("NWKernelRegression at %s", (caseName) => {
    it("forward, attentionWeights, loss and the gradient of the loss with respect to w", () => {
      const c = new ParityCase(`NWKernelRegression/${caseName}`);
      const model = new d2l.NWKernelRegression(c.input("keys"), c.input("values"), 1);
      model.w.assign(tf.tensor1d([c.arg<number>("w")]));
      const queries = c.input("queries");
      const y = c.input("y");
      tf.tidy(() => {
        const yHat = model.forward(queries);
        c.check("yHat", yHat);
        c.check("attentionWeights", model.attentionWeights);
        c.check("loss", [model.loss(yHat, y).dataSync()[0]!]);
      });
      const { value, grads } = tf.variableGrads(() => model.loss(model.forward(queries), y) as d2l.tf.Scalar, [model.w]);
      c.check("loss", [value.dataSync()[0]!]);
      c.check("dLoss/dw", grads[model.w.name]!);
      tf.dispose([value, grads]);
    });
  });
});

afterAll(() => {
  expectAllOutputsChecked(["kernels", "nadarayaWatson", "attentionPool", "NWKernelRegression"]);
});
