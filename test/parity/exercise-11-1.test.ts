/**
 * Section 11.1, exercise 2: with α(q, k) = qᵀk and values equal to the keys, the gradient
 * (Jacobian) of f(q) = Σᵢ softmax(qᵀk)ᵢ kᵢ with respect to q is the covariance of the keys under
 * p(kᵢ; q) = softmax(qᵀk)ᵢ. The fixture holds both sides computed with torch; here the Jacobian is
 * computed again with tfjs autograd, row by row, and through d2l-ts's DotProductAttention.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { expectClose } from "./expect-close";
import { BACKENDS, ParityCase, expectAllOutputsChecked, useBackend } from "./fixture";

const tf = d2l.tf;

/** d f / d q as a (dim, dim) tensor, one tf.grad per row a: the gradient of f(q)[a]. */
function jacobianByRows(f: (q: d2l.tf.Tensor1D) => d2l.tf.Tensor1D, q: d2l.tf.Tensor1D): d2l.tf.Tensor2D {
  const dim = q.shape[0];
  const rows: d2l.tf.Tensor[] = [];
  for (let a = 0; a < dim; a++) {
    rows.push(tf.grad((x: d2l.tf.Tensor) => tf.sum(tf.mul(f(x as d2l.tf.Tensor1D), tf.oneHot(a, dim).toFloat())))(q));
  }
  return tf.stack(rows) as d2l.tf.Tensor2D;
}

/** The covariance Σᵢ pᵢ (kᵢ − μ)(kᵢ − μ)ᵀ with μ = Σᵢ pᵢ kᵢ, computed directly. */
function covariance(p: d2l.tf.Tensor1D, keys: d2l.tf.Tensor2D): d2l.tf.Tensor2D {
  const mean = tf.matMul(p.expandDims(0), keys); // (1, dim)
  const centred = tf.sub(keys, mean);
  return tf.matMul(tf.mul(centred, p.expandDims(1)), centred, true, false) as d2l.tf.Tensor2D;
}

const c = new ParityCase("exercise_11_1_2");

it("the fixture's autograd Jacobian equals its covariance (float64: to 1e-12)", () => {
  const jacobian = c.expected("float64", "jacobian");
  expectClose(jacobian.values, c.expected("float64", "covariance").values, { abs: 1e-12, rel: 0 }, "torch float64: Jacobian vs covariance", jacobian.shape);
});

describe.each(BACKENDS)("exercise 11.1.2 on %s", (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it("tfjs autograd Jacobian of f(q) = softmax(K q)ᵀ K equals the covariance of the keys", () => {
    tf.tidy(() => {
      const q = c.input("q") as d2l.tf.Tensor1D;
      const keys = c.input("keys") as d2l.tf.Tensor2D;
      const f = (x: d2l.tf.Tensor1D) => tf.matMul(tf.softmax(tf.matMul(keys, x.expandDims(1)).squeeze([1])).expandDims(0), keys).squeeze([0]) as d2l.tf.Tensor1D;
      const p = tf.softmax(tf.matMul(keys, q.expandDims(1)).squeeze([1])) as d2l.tf.Tensor1D;
      c.check("p", p);
      c.check("f", f(q));
      const jacobian = jacobianByRows(f, q);
      const cov = covariance(p, keys);
      c.check("jacobian", jacobian);
      c.check("covariance", cov);
      // The identity itself, in tfjs alone: 1e-5 absolute on entries of size ~0.1.
      expectClose(jacobian.dataSync(), cov.dataSync(), { abs: 1e-5, rel: 0 }, `${backend}: Jacobian vs covariance`, [4, 4]);
      expect(jacobian.shape).toEqual([4, 4]);
    });
  });

  it("through d2l-ts: DotProductAttention with queries √d·q, keys = values = K has the same Jacobian", () => {
    const attention = new d2l.DotProductAttention(0);
    attention.eval();
    tf.tidy(() => {
      const q = c.input("q") as d2l.tf.Tensor1D;
      const keys = c.input("keys") as d2l.tf.Tensor2D;
      const dim = q.shape[0];
      // The layer divides qᵀk by √d; scaling the query by √d gives the exercise's α(q, k) = qᵀk.
      const f = (x: d2l.tf.Tensor1D) => {
        const queries = tf.mul(x, Math.sqrt(dim)).reshape([1, 1, dim]);
        const kv = keys.expandDims(0);
        return (attention.forward(queries, kv, kv) as d2l.tf.Tensor).reshape([dim]) as d2l.tf.Tensor1D;
      };
      c.check("jacobian", jacobianByRows(f, q));
    });
  });
});

afterAll(() => {
  expectAllOutputsChecked(["exercise_11_1_2"]);
});
