/**
 * Adam's update as one WebAssembly kernel (kernel-lib/src/fast/adam.ts, hook `setAdamKernel`)
 * against the host loop it replaces (training/adam.ts, PyTorch's rule in double precision, which
 * the parity suite checks against torch.optim.Adam): after three steps with new gradients each
 * time, every parameter entry agrees within 1e-6·(1 + |reference|) (the kernel computes in
 * float32, as torch's tensor ops do).
 */
import { afterAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { useFastKernels } from "../../kernel-lib/src/fast";

const tf = d2l.tf;

afterAll(() => useFastKernels(true));

/** Deterministic values of a tensor: a sine pattern that `salt` changes, times `scale`. */
function pattern(shape: number[], salt: number, scale: number): d2l.tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: size }, (_, i) => scale * Math.sin(0.731 * i + 1.913 * salt + 0.37));
  return tf.tensor(values, shape, "float32");
}

/** Parameters of the given shapes after `steps` Adam steps from fixed values and gradients. */
function train(shapes: number[][], steps: number, options: d2l.AdamOptions): Float32Array[] {
  const params = shapes.map((shape, i) => tf.variable(pattern(shape, 11 + i, 1)));
  const adam = new d2l.Adam(params, 0.05, options);
  for (let t = 0; t < steps; t++) {
    const grads = Object.fromEntries(params.map((p, i) => [p.name, pattern(p.shape, 100 * t + i, 1 + t)]));
    adam.step(grads);
    tf.dispose(Object.values(grads));
  }
  const values = params.map((p) => (p.dataSync() as Float32Array).slice());
  tf.dispose(params);
  return values;
}

describe("Adam's update, fused", () => {
  it.each([
    [{}],
    [{ betas: [0.5, 0.9] as [number, number], eps: 1e-3 }],
  ])("equals the host loop over 3 steps for parameters of odd sizes and one larger than a task (%j)", (options) => {
    const shapes = [[7], [3, 5], [1], [200, 257], [40000]];
    useFastKernels(false);
    const reference = train(shapes, 3, options);
    useFastKernels(true);
    const fused = train(shapes, 3, options);
    fused.forEach((values, i) => {
      expect(values.length).toBe(reference[i].length);
      let worst = 0;
      reference[i].forEach((e, j) => {
        worst = Math.max(worst, Math.abs(values[j] - e) / (1 + Math.abs(e)));
      });
      expect(worst, `parameter ${i}`).toBeLessThanOrEqual(1e-6);
    });
  });

  it("moves every parameter (the kernel's result is the parameter's new value)", () => {
    useFastKernels(true);
    const p = tf.variable(tf.zeros([9]));
    const adam = new d2l.Adam([p], 0.1);
    const g = tf.ones([9]);
    adam.step({ [p.name]: g });
    // The first step of Adam moves by lr · g / (|g| + eps) = −0.1 (within eps).
    for (const v of p.dataSync()) expect(v).toBeCloseTo(-0.1, 5);
    tf.dispose([p, g]);
  });
});
