/**
 * Strided walks: the dimensions of a row-major tensor visited in some order while offsets move by
 * per-dimension strides, with dimensions merged where the walk is contiguous (Sum's offset
 * tables; the strided copies and broadcasting walks of the WebAssembly kernels).
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

/** Row-major strides (in elements) of `shape`. */
export function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** A walk over `dims` that moves two offsets, by strides `a` and `b` per dimension. */
export interface PairedWalk {
  dims: number[];
  a: number[];
  b: number[];
}

/**
 * Drops size-1 dimensions of `shape` and merges neighbours that both operands step through as
 * one run (outer stride = inner stride × inner size in each), so the innermost run is as long
 * as it can be. A walk over nothing but size-1 dimensions is one element.
 */
export function mergePairedDims(shape: readonly number[], a: readonly number[], b: readonly number[]): PairedWalk {
  const walk: PairedWalk = { dims: [], a: [], b: [] };
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = walk.dims.length - 1;
    if (last >= 0 && walk.a[last] === a[d] * shape[d] && walk.b[last] === b[d] * shape[d]) {
      walk.dims[last] *= shape[d];
      walk.a[last] = a[d];
      walk.b[last] = b[d];
    } else {
      walk.dims.push(shape[d]);
      walk.a.push(a[d]);
      walk.b.push(b[d]);
    }
  }
  return walk.dims.length === 0 ? { dims: [1], a: [0], b: [0] } : walk;
}
