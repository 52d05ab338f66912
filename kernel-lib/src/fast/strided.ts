/**
 * Strided walks shared by the Sum and Transpose kernels: both visit a row-major tensor in some
 * order of its dimensions while a second offset moves by per-dimension strides.
 */

/** Dimensions and strides of a strided walk, after merging. */
export interface StridedWalk {
  dims: number[];
  strides: number[];
}

/**
 * Dimensions of `shape` in `order` with their `strides`, dropping size-1 dimensions and merging
 * neighbours that form one contiguous run (outer stride = inner stride × inner size), so the
 * walk's inner loop is as long as it can be.
 */
export function mergeDims(shape: readonly number[], strides: readonly number[], order: Iterable<number>): StridedWalk {
  const walk: StridedWalk = { dims: [], strides: [] };
  for (const d of order) {
    if (shape[d] === 1) continue;
    const last = walk.dims.length - 1;
    if (last >= 0 && walk.strides[last] === strides[d] * shape[d]) {
      walk.dims[last] *= shape[d];
      walk.strides[last] = strides[d];
    } else {
      walk.dims.push(shape[d]);
      walk.strides.push(strides[d]);
    }
  }
  return walk;
}
