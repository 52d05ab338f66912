import { describe, expect, it } from "vitest";
import { tf } from "../tf";
import { Layer, parameter, replaceKept } from "./layer";

class Leaf extends Layer {
  w = parameter(() => tf.ones([2]));
  frozen = tf.tidy(() => tf.variable(tf.zeros([1]), false));
  forward(x: tf.Tensor): tf.Tensor {
    return x.mul(this.w);
  }
}

class Tree extends Layer {
  first = new Leaf();
  b = parameter(() => tf.zeros([3]));
  rest = [new Leaf(), new Leaf()];
  shared: Leaf;
  kept: tf.Tensor | null = null;
  constructor() {
    super();
    this.shared = this.first; // the same sub-layer twice: its parameters are listed once
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.first.forward(x);
  }
}

describe("Layer", () => {
  it("collects trainable variables of itself and children in field order, each once", () => {
    const t = new Tree();
    const params = t.parameters();
    expect(params).toEqual([t.first.w, t.b, t.rest[0].w, t.rest[1].w]);
    expect(t.children()).toEqual([t.first, t.rest[0], t.rest[1], t.first]);
    t.dispose();
  });

  it("propagates train() and eval() to children", () => {
    const t = new Tree();
    expect(t.training && t.first.training).toBe(true);
    expect(t.eval()).toBe(t);
    expect([t.training, t.first.training, t.rest[1].training]).toEqual([false, false, false]);
    t.train();
    expect([t.training, t.first.training, t.rest[1].training]).toEqual([true, true, true]);
    t.dispose();
  });

  it("dispose frees every tensor held in fields, recursively", () => {
    const before = tf.memory().numTensors;
    const t = new Tree();
    t.kept = tf.tidy(() => replaceKept(null, tf.ones([2]).add(1)));
    expect(tf.memory().numTensors).toBe(before + 8);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("visits a layer reachable from itself once", () => {
    const t = new Tree();
    (t.first as unknown as { parent: Tree }).parent = t; // a cycle through a field
    expect(t.parameters()).toHaveLength(4);
    t.eval();
    expect(t.first.training).toBe(false);
    t.dispose();
    expect(t.b.isDisposed && t.first.w.isDisposed).toBe(true);
  });

  it("replaceKept keeps the new tensor past tidy and frees the old one", () => {
    const first = tf.tidy(() => replaceKept(null, tf.ones([2]).mul(2)));
    const second = tf.tidy(() => replaceKept(first, tf.ones([2]).mul(3)));
    expect(first.isDisposed).toBe(true);
    expect(Array.from(second.dataSync())).toEqual([3, 3]);
    second.dispose();
  });
});
