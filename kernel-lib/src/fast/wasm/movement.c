// Data movement: strided copies (slices, concatenation, stacking, tiling, padding, reversal),
// gathers of rows (embedding lookups) and sums of rows by segment (their gradient). Contiguous
// runs move with memory.copy; nothing converts indices element by element.
#include "kernels.h"

// Copies `bytes` bytes: memory.copy for long runs; below a few kilobytes a SIMD loop, since V8
// calls out of the generated code for every memory.copy on shared memory (~0.1 µs each).
static inline void copy_bytes(uint8_t *dst, const uint8_t *src, uint32_t bytes) {
  if (bytes >= 4096) {
    __builtin_memcpy(dst, src, bytes);
    return;
  }
  uint32_t i = 0;
  for (; i + 16 <= bytes; i += 16) wasm_v128_store(dst + i, wasm_v128_load(src + i));
  for (; i < bytes; i++) dst[i] = src[i];
}

// Copies `n` elements of `elem` bytes from `src` (stride `ss` elements) to `dst` (stride `ds`).
static void copy_run(uint8_t *dst, int32_t ds, const uint8_t *src, int32_t ss, int32_t n, int32_t elem) {
  if (ss == 1 && ds == 1) {
    copy_bytes(dst, src, (uint32_t)n * (uint32_t)elem);
  } else if (elem == 4) {
    const int32_t *s = (const int32_t *)src;
    int32_t *d = (int32_t *)dst;
    for (int32_t j = 0; j < n; j++) d[j * ds] = s[j * ss];
  } else {
    for (int32_t j = 0; j < n; j++) dst[j * ds] = src[j * ss];
  }
}

void run_copy(int32_t *job) {
  if (take_task(job) != 0) return;  // one task: memory-bound, one thread is enough
  const int32_t rank = job[J_COPY_RANK], elem = job[J_ELEM_BYTES];
  const int32_t *dims = (const int32_t *)job[J_COPY_TABLE];
  const int32_t *ss = dims + rank, *ds = dims + 2 * rank;
  int32_t *index = (int32_t *)dims + 3 * rank;  // the odometer, zeroed by the caller (no stack)
  const uint8_t *src = (const uint8_t *)job[J_X];
  uint8_t *dst = (uint8_t *)job[J_OUT];
  const int32_t inner = rank - 1;
  for (;;) {
    copy_run(dst, ds[inner], src, ss[inner], dims[inner], elem);
    // Odometer over the outer dimensions, moving both pointers.
    int32_t d = inner - 1;
    for (; d >= 0; d--) {
      src += ss[d] * elem;
      dst += ds[d] * elem;
      if (++index[d] < dims[d]) break;
      src -= ss[d] * dims[d] * elem;
      dst -= ds[d] * dims[d] * elem;
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

void run_gather(int32_t *job) {
  if (take_task(job) != 0) return;
  const int32_t outer = job[J_OUTER], axis = job[J_AXIS_DIM], inner = job[J_INNER];
  const int32_t count = job[J_COUNT], elem = job[J_ELEM_BYTES];
  const uint8_t *x = (const uint8_t *)job[J_X];
  const int32_t *indices = (const int32_t *)job[J_Y];
  uint8_t *out = (uint8_t *)job[J_OUT];
  const uint32_t row = (uint32_t)inner * (uint32_t)elem;
  for (int32_t o = 0; o < outer; o++) {
    const uint8_t *xo = x + (uint32_t)o * (uint32_t)axis * row;
    for (int32_t i = 0; i < count; i++) {
      copy_bytes(out, xo + (uint32_t)indices[i] * row, row);
      out += row;
    }
  }
}

void run_segment_sum(int32_t *job) {
  if (take_task(job) != 0) return;
  const int32_t rows = job[J_ROWS], inner = job[J_INNER], segments = job[J_SEGMENTS];
  const float *x = (const float *)job[J_X];
  const int32_t *ids = (const int32_t *)job[J_Y];
  float *out = (float *)job[J_OUT];
  double *acc = (double *)job[J_SCRATCH];
  const int32_t size = segments * inner;
  __builtin_memset(acc, 0, (uint32_t)size * sizeof(double));
  for (int32_t r = 0; r < rows; r++) {
    const int32_t s = ids[r];
    if (s < 0 || s >= segments) continue;
    double *a = acc + s * inner;
    const float *xr = x + r * inner;
    int32_t j = 0;
    for (; j + 4 <= inner; j += 4) {
      v128_t v = wasm_v128_load(xr + j);
      wasm_v128_store(a + j, wasm_f64x2_add(wasm_v128_load(a + j), wasm_f64x2_promote_low_f32x4(v)));
      wasm_v128_store(a + j + 2, wasm_f64x2_add(wasm_v128_load(a + j + 2),
                                                wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1))));
    }
    for (; j < inner; j++) a[j] += xr[j];
  }
  for (int32_t i = 0; i < size; i++) out[i] = (float)acc[i];
}

void run_select(int32_t *job) {
  if (take_task(job) != 0) return;
  const int32_t n = job[J_ROWS], elem = job[J_ELEM_BYTES];
  const uint8_t *c = (const uint8_t *)job[J_MASK];
  if (elem == 4) {
    const int32_t *a = (const int32_t *)job[J_X], *b = (const int32_t *)job[J_Y];
    int32_t *out = (int32_t *)job[J_OUT];
    for (int32_t i = 0; i < n; i++) out[i] = c[i] == 1 ? a[i] : b[i];
  } else {
    const uint8_t *a = (const uint8_t *)job[J_X], *b = (const uint8_t *)job[J_Y];
    uint8_t *out = (uint8_t *)job[J_OUT];
    for (int32_t i = 0; i < n; i++) out[i] = c[i] == 1 ? a[i] : b[i];
  }
}
