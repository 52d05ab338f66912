/**
 * Tensor storage in the fast kernels' WebAssembly memory (kernel-lib/src/fast/heap.ts): results
 * live in heap blocks that tfjs owns through its reference counts, blocks are reused after
 * `dispose`, arrays handed to users never change afterwards, and views made by tfjs's own
 * kernels (Slice's `subarray`) keep their block alive.
 */
import { describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { Heap, HeapExhausted, sizeClass } from "../../kernel-lib/src/fast/heap";
import { getRuntime } from "../../kernel-lib/src/fast/runtime";
import type { KernelModule } from "../../kernel-lib/src/fast/wasm-module";

const tf = d2l.tf;

/** The values tfjs's CPU backend keeps for `t` (not a copy). */
function backendValues(t: d2l.tf.Tensor): unknown {
  const backend = tf.backend() as unknown as { data: { get(id: object): { values: unknown } } };
  return backend.data.get(t.dataId).values;
}

describe("the fast kernels' heap", () => {
  const heap = getRuntime().heap;

  it("keeps a fast kernel's result in WebAssembly memory and frees it on dispose", () => {
    d2l.useFastKernels(true);
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const before = heap.stats().blocks;
    const c = tf.matMul(a, a);
    expect(heap.owns(backendValues(c))).toBe(true);
    expect(heap.stats().blocks).toBe(before + 1);
    c.dispose();
    expect(heap.stats().blocks).toBe(before);
    a.dispose();
  });

  it("gives dataSync a copy, which a later kernel reusing the block does not change", () => {
    const x = tf.tensor1d([1, 2, 3, 4]);
    const kept = tf.tidy(() => tf.mul(x, 2).dataSync());
    expect(heap.owns(kept)).toBe(false);
    // The freed block (same size class) is reused by the next result.
    const y = tf.mul(x, -1);
    expect(Array.from(kept)).toEqual([2, 4, 6, 8]);
    expect(Array.from(y.dataSync())).toEqual([-1, -2, -3, -4]);
    tf.dispose([x, y]);
  });

  it("keeps a block while a contiguous slice (a view) of it lives, after its source is disposed", () => {
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    const doubled = tf.mul(x, 2); // in the heap
    const row = tf.slice(doubled, [1, 0], [1, 3]); // a subarray of doubled's values
    expect(heap.owns(backendValues(row))).toBe(true);
    doubled.dispose();
    const other = tf.mul(x, 100); // would take doubled's block if it had been freed
    expect(Array.from(row.dataSync())).toEqual([8, 10, 12]);
    const blocks = heap.stats().blocks;
    row.dispose();
    expect(heap.stats().blocks).toBe(blocks - 1);
    tf.dispose([x, other]);
  });

  it("leaves no blocks behind after a tidy of fast kernels and their gradients", () => {
    const x = d2l.randn([5, 7]);
    const before = heap.stats().blocks;
    tf.tidy(() => {
      tf.grad((v: d2l.tf.Tensor) => tf.sum(tf.tanh(tf.matMul(v, v, false, true)).mul(v.sum())))(x);
    });
    expect(heap.stats().blocks).toBe(before);
    x.dispose();
  });

  it("moves its tensors out when the fast kernels are turned off, for tfjs's kernels (and their views)", () => {
    const x = tf.tensor1d([1, -2, 3, 4]);
    const y = tf.mul(x, 3); // heap
    const before = heap.stats().blocks;
    d2l.useFastKernels(false);
    expect(heap.owns(backendValues(y))).toBe(false);
    expect(heap.stats().blocks).toBe(before - 1);
    const part = tf.slice(y, [1], [2]); // tfjs: a subarray, now of an ordinary array
    const z = tf.abs(y);
    y.dispose();
    expect(Array.from(part.dataSync())).toEqual([-6, 9]);
    expect(Array.from(z.dataSync())).toEqual([3, 6, 9, 12]);
    d2l.useFastKernels(true);
    expect(Array.from(tf.mul(part, 2).dataSync())).toEqual([-12, 18]);
    tf.dispose([x, part, z]);
  });
});

describe("Heap (allocator)", () => {
  /** A heap on a memory of its own, of at most `limit` bytes. */
  function smallHeap(limit: number): Heap {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const wasm = { memory, heapStart: 0 } as unknown as KernelModule;
    return new Heap(wasm, limit);
  }

  it("rounds requests to size classes of at most 12.5% slack", () => {
    expect(sizeClass(1)).toBe(64);
    expect(sizeClass(65)).toBe(128);
    expect(sizeClass(512)).toBe(512);
    for (const bytes of [513, 1000, 4097, 100_000, 12_345_678]) {
      expect(sizeClass(bytes)).toBeGreaterThanOrEqual(bytes);
      expect(sizeClass(bytes)).toBeLessThanOrEqual(bytes * 1.125 + 64);
    }
  });

  it("reuses freed blocks of the same class, and grows the memory for new ones", () => {
    const heap = smallHeap(1 << 20);
    const a = heap.alloc(100_000);
    const b = heap.alloc(100_000);
    expect(b).toBeGreaterThanOrEqual(a + 100_000);
    heap.free(a);
    expect(heap.alloc(99_000)).toBe(a);
    expect(heap.stats().blocks).toBe(2);
  });

  it("takes a larger free block when the memory is full, and throws HeapExhausted after that", () => {
    const heap = smallHeap(320_000);
    const big = heap.alloc(200_000);
    heap.free(big);
    heap.alloc(90_000); // grows the memory by a new block of its own class
    expect(heap.alloc(150_000)).toBe(big); // no room to grow: the free larger block
    expect(() => heap.alloc(150_000)).toThrow(HeapExhausted);
  });

  it("counts the tensors viewing a block, including views into its middle", () => {
    const heap = smallHeap(1 << 20);
    const at = heap.alloc(4096);
    const whole = heap.view("float32", at, 1024);
    const part = (whole as Float32Array).subarray(100, 200);
    heap.retain(whole);
    heap.retain(part);
    heap.release(whole);
    expect(heap.stats().blocks).toBe(1);
    heap.release(part);
    expect(heap.stats().blocks).toBe(0);
  });
});
