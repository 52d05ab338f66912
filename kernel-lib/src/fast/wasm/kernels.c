// Fast CPU kernels of d2l-ts for WebAssembly with SIMD128, built by scripts/build-wasm.mjs with
// Debian's clang (--target=wasm32 -msimd128 -matomics, shared memory, no libc).
//
// Every instance (the main thread and each worker thread) shares one linear memory. JavaScript
// writes a job (an array of int32 fields, layout in src/fast/job-layout.ts) and the operands into
// that memory, then every thread calls `run(job, threadId)`; the threads take tasks from an atomic
// counter in the job until none are left. The kernels use no shadow stack (no address-taken
// locals), so the instances need no per-thread stack.
#include "kernels.h"

// ---------------------------------------------------------------------------------------------
// Matrix multiplication C[b] = A[b] · B[b], with arbitrary element strides (so transposes cost
// nothing) and per-batch offsets (so broadcast batch dimensions cost nothing).

// Copies MR rows of A (rows i0.., all k) into panel[k][MR], zero-padding missing rows.
static void pack_a(const float *a, int32_t rs, int32_t cs, int32_t rows, int32_t k, float *panel) {
  if (rows == MR && cs == 1) {
    const float *r0 = a, *r1 = a + rs, *r2 = a + 2 * rs, *r3 = a + 3 * rs;
    for (int32_t p = 0; p < k; p++) {
      panel[0] = r0[p]; panel[1] = r1[p]; panel[2] = r2[p]; panel[3] = r3[p];
      panel += MR;
    }
    return;
  }
  if (rows == MR && rs == 1) {
    for (int32_t p = 0; p < k; p++) {
      wasm_v128_store(panel, wasm_v128_load(a + p * cs));
      panel += MR;
    }
    return;
  }
  for (int32_t p = 0; p < k; p++) {
    for (int32_t r = 0; r < MR; r++) panel[r] = r < rows ? a[r * rs + p * cs] : 0.0f;
    panel += MR;
  }
}

// Copies all of B (k by n) into panels [n / NR][k][NR], zero-padding the last panel.
static void pack_b(const float *b, int32_t rs, int32_t cs, int32_t k, int32_t n, float *packed) {
  for (int32_t j0 = 0; j0 < n; j0 += NR) {
    int32_t cols = n - j0 < NR ? n - j0 : NR;
    const float *src = b + j0 * cs;
    if (cols == NR && cs == 1) {
      for (int32_t p = 0; p < k; p++) {
        wasm_v128_store(packed, wasm_v128_load(src + p * rs));
        wasm_v128_store(packed + 4, wasm_v128_load(src + p * rs + 4));
        packed += NR;
      }
    } else if (cols == NR && rs == 1) {
      // B transposed (stored n by k, as x·Wᵀ's weight): each column is contiguous along k, so
      // 4 × 4 blocks are loaded along k and transposed in registers.
      int32_t p = 0;
      for (; p + 4 <= k; p += 4) {
        for (int32_t half = 0; half < 2; half++) {
          const float *col = src + half * 4 * cs + p;
          v128_t r0 = wasm_v128_load(col), r1 = wasm_v128_load(col + cs);
          v128_t r2 = wasm_v128_load(col + 2 * cs), r3 = wasm_v128_load(col + 3 * cs);
          v128_t a01 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), a23 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
          v128_t b01 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), b23 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
          float *dst = packed + half * 4;
          wasm_v128_store(dst, wasm_i32x4_shuffle(a01, a23, 0, 1, 4, 5));
          wasm_v128_store(dst + NR, wasm_i32x4_shuffle(a01, a23, 2, 3, 6, 7));
          wasm_v128_store(dst + 2 * NR, wasm_i32x4_shuffle(b01, b23, 0, 1, 4, 5));
          wasm_v128_store(dst + 3 * NR, wasm_i32x4_shuffle(b01, b23, 2, 3, 6, 7));
        }
        packed += 4 * NR;
      }
      for (; p < k; p++) {
        for (int32_t c = 0; c < NR; c++) packed[c] = src[p + c * cs];
        packed += NR;
      }
    } else {
      for (int32_t p = 0; p < k; p++) {
        for (int32_t c = 0; c < NR; c++) packed[c] = c < cols ? src[p * rs + c * cs] : 0.0f;
        packed += NR;
      }
    }
  }
}

// One MR x NR tile of C from a packed A panel and a packed B panel. Full tiles are stored
// straight into C; edge tiles go through `tile` and only the valid part is copied. With
// `accumulate` the sums continue from C's values (a later block of the inner dimension), in the
// same order as one pass over the whole inner dimension.
static void micro_kernel(int32_t k, const float *pa, const float *pb, float *c, int32_t ldc,
                         int32_t rows, int32_t cols, float *tile, int32_t accumulate) {
  int32_t full = rows == MR && cols == NR;
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  if (accumulate) {
    const float *src = c;
    int32_t ld = ldc;
    if (!full) {
      for (int32_t r = 0; r < MR; r++)
        for (int32_t j = 0; j < NR; j++) tile[r * NR + j] = r < rows && j < cols ? c[r * ldc + j] : 0.0f;
      src = tile;
      ld = NR;
    }
    c00 = wasm_v128_load(src); c01 = wasm_v128_load(src + 4);
    c10 = wasm_v128_load(src + ld); c11 = wasm_v128_load(src + ld + 4);
    c20 = wasm_v128_load(src + 2 * ld); c21 = wasm_v128_load(src + 2 * ld + 4);
    c30 = wasm_v128_load(src + 3 * ld); c31 = wasm_v128_load(src + 3 * ld + 4);
  }
  for (int32_t p = 0; p < k; p++) {
    v128_t b0 = wasm_v128_load(pb), b1 = wasm_v128_load(pb + 4);
    v128_t a0 = wasm_v128_load32_splat(pa), a1 = wasm_v128_load32_splat(pa + 1);
    FMA(c00, a0, b0); FMA(c01, a0, b1);
    FMA(c10, a1, b0); FMA(c11, a1, b1);
    v128_t a2 = wasm_v128_load32_splat(pa + 2), a3 = wasm_v128_load32_splat(pa + 3);
    FMA(c20, a2, b0); FMA(c21, a2, b1);
    FMA(c30, a3, b0); FMA(c31, a3, b1);
    pa += MR;
    pb += NR;
  }
  float *dst = full ? c : tile;
  int32_t ld = full ? ldc : NR;
  wasm_v128_store(dst, c00); wasm_v128_store(dst + 4, c01);
  wasm_v128_store(dst + ld, c10); wasm_v128_store(dst + ld + 4, c11);
  wasm_v128_store(dst + 2 * ld, c20); wasm_v128_store(dst + 2 * ld + 4, c21);
  wasm_v128_store(dst + 3 * ld, c30); wasm_v128_store(dst + 3 * ld + 4, c31);
  if (!full) {
    for (int32_t r = 0; r < rows; r++)
      for (int32_t j = 0; j < cols; j++) c[r * ldc + j] = tile[r * NR + j];
  }
}

// Matrix-vector product (n == 1): each row of A dotted with the column of B.
// a · b over k floats: two 4-lane accumulators, then the remainder in order.
float dot_f32(const float *a, const float *b, int32_t k) {
  v128_t acc0 = wasm_f32x4_splat(0), acc1 = acc0;
  int32_t p = 0;
  for (; p + 8 <= k; p += 8) {
    FMA(acc0, wasm_v128_load(a + p), wasm_v128_load(b + p));
    FMA(acc1, wasm_v128_load(a + p + 4), wasm_v128_load(b + p + 4));
  }
  float sum = hsum(wasm_f32x4_add(acc0, acc1));
  for (; p < k; p++) sum += a[p] * b[p];
  return sum;
}

static void gemv_rows(const float *a, int32_t rs, int32_t cs, const float *b, int32_t bs,
                      int32_t k, int32_t i0, int32_t i1, float *c) {
  if (rs == 1 && cs != 1) {
    // A is stored transposed (rows of A are columns in memory): accumulate c += A[:, p] * b[p]
    // along contiguous memory instead of striding through all of it once per row.
    for (int32_t i = i0; i < i1; i++) c[i] = 0.0f;
    for (int32_t p = 0; p < k; p++) {
      const float *col = a + p * cs;
      const float bp = b[p * bs];
      const v128_t vb = wasm_f32x4_splat(bp);
      int32_t i = i0;
      for (; i + 4 <= i1; i += 4) {
        wasm_v128_store(c + i, wasm_f32x4_add(wasm_v128_load(c + i), wasm_f32x4_mul(wasm_v128_load(col + i), vb)));
      }
      for (; i < i1; i++) c[i] += col[i] * bp;
    }
    return;
  }
  for (int32_t i = i0; i < i1; i++) {
    const float *row = a + i * rs;
    if (cs == 1 && bs == 1) {
      c[i] = dot_f32(row, b, k);
    } else {
      float sum = 0.0f;
      for (int32_t p = 0; p < k; p++) sum += row[p * cs] * b[p * bs];
      c[i] = sum;
    }
  }
}

static void run_matmul(int32_t *job, uint8_t *scratch) {
  const int32_t n = job[J_N];
  const float *a = (const float *)job[J_A];
  const float *b = (const float *)job[J_B];
  float *c = (float *)job[J_C];
  const int32_t ars = job[J_A_ROW], acs = job[J_A_COL], brs = job[J_B_ROW], bcs = job[J_B_COL];
  const int32_t *a_off = (const int32_t *)job[J_A_BATCH];
  const int32_t *b_off = (const int32_t *)job[J_B_BATCH];
  const int32_t *m_lim = (const int32_t *)job[J_M_LIMITS];
  const int32_t *n_lim = (const int32_t *)job[J_N_LIMITS];
  const int32_t *k_lim = (const int32_t *)job[J_K_LIMITS];
  const int32_t num_tasks = job[J_NUM_TASKS];

  // Scratch of this thread: [tile MR*NR][A panel KC*MR][packed B KC*n_padded].
  float *tile = (float *)scratch;
  float *panel_a = tile + MR * NR;
  float *packed_b = panel_a + KC * MR;
  // Which B is in packed_b: its element offset, its first column, the columns and depth packed.
  int32_t packed_b_offset = -1, packed_j = -1, packed_n = -1, packed_k = -1;

  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    int32_t bi, i_begin, i_stop, j_begin, j_stop, kb;
    float *cb;
    if (!matmul_task(job, t, m_lim, n_lim, k_lim, c, &bi, &cb, &i_begin, &i_stop, &j_begin, &j_stop, &kb)) continue;
    const float *ab = a + a_off[bi];
    if (n == 1) {
      gemv_rows(ab, ars, acs, b + b_off[bi], brs, kb, i_begin, i_stop, cb);
      continue;
    }
    const int32_t nb = j_stop - j_begin;
    // Blocks of KC of the inner dimension, so that the packed B stays in the cache.
    for (int32_t k0 = 0; k0 < kb; k0 += KC) {
      const int32_t kc = kb - k0 < KC ? kb - k0 : KC;
      if (packed_b_offset != b_off[bi] || packed_j != j_begin || packed_n != nb || packed_k != k0 + kc) {
        pack_b(b + b_off[bi] + k0 * brs + j_begin * bcs, brs, bcs, kc, nb, packed_b);
        packed_b_offset = b_off[bi];
        packed_j = j_begin;
        packed_n = nb;
        packed_k = k0 + kc;
      }
      for (int32_t i0 = i_begin; i0 < i_stop; i0 += MR) {
        const int32_t rows = i_stop - i0 < MR ? i_stop - i0 : MR;
        pack_a(ab + i0 * ars + k0 * acs, ars, acs, rows, kc, panel_a);
        const float *pb = packed_b;
        for (int32_t j0 = j_begin; j0 < j_stop; j0 += NR) {
          const int32_t cols = j_stop - j0 < NR ? j_stop - j0 : NR;
          micro_kernel(kc, panel_a, pb, cb + i0 * n + j0, n, rows, cols, tile, k0 > 0);
          pb += kc * NR;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Softmax over the last axis and its gradient.

void softmax_row(const float *x, float *y, int32_t n) {
  int32_t j = 0;
  const float mx = row_pmax(x, n);
  // A row of -inf (or NaN) has no finite maximum: let the arithmetic propagate like tfjs does.
  const v128_t vmx = wasm_f32x4_splat(mx);
  v128_t vs = wasm_f32x4_splat(0);
  float sum = 0.0f;
  for (j = 0; j + 4 <= n; j += 4) {
    v128_t e = exp_nonpositive(wasm_f32x4_sub(wasm_v128_load(x + j), vmx));
    wasm_v128_store(y + j, e);
    vs = wasm_f32x4_add(vs, e);
  }
  for (; j < n; j++) {
    float e = wasm_f32x4_extract_lane(exp_nonpositive(wasm_f32x4_splat(x[j] - mx)), 0);
    y[j] = e;
    sum += e;
  }
  sum += hsum(vs);
  const float inv = 1.0f / sum;
  const v128_t vinv = wasm_f32x4_splat(inv);
  for (j = 0; j + 4 <= n; j += 4) wasm_v128_store(y + j, wasm_f32x4_mul(wasm_v128_load(y + j), vinv));
  for (; j < n; j++) y[j] *= inv;
}

// dx = y * (dy - sum(dy * y)) along the row.
static void softmax_grad_row(const float *y, const float *dy, float *dx, int32_t n) {
  int32_t j = 0;
  v128_t vs = wasm_f32x4_splat(0);
  for (; j + 4 <= n; j += 4) FMA(vs, wasm_v128_load(y + j), wasm_v128_load(dy + j));
  float dot = hsum(vs);
  for (; j < n; j++) dot += y[j] * dy[j];
  const v128_t vdot = wasm_f32x4_splat(dot);
  for (j = 0; j + 4 <= n; j += 4) {
    v128_t g = wasm_f32x4_sub(wasm_v128_load(dy + j), vdot);
    wasm_v128_store(dx + j, wasm_f32x4_mul(wasm_v128_load(y + j), g));
  }
  for (; j < n; j++) dx[j] = y[j] * (dy[j] - dot);
}

// Divides n floats by s in place (the attention's 1/√d), skipped when s is 0.
static void divide_row(float *x, int32_t n, float s) {
  if (s == 0.0f) return;
  const v128_t vs = wasm_f32x4_splat(s);
  int32_t j = 0;
  for (; j + 4 <= n; j += 4) wasm_v128_store(x + j, wasm_f32x4_div(wasm_v128_load(x + j), vs));
  for (; j < n; j++) x[j] /= s;
}

static void run_rows(int32_t *job, int32_t op) {
  const int32_t rows = job[J_ROWS], n = job[J_COLS], per_task = job[J_ROWS_PER_TASK_R];
  const int32_t num_tasks = job[J_NUM_TASKS];
  const float *x = (const float *)job[J_X];
  const float *y = (const float *)job[J_Y];
  float *out = (float *)job[J_OUT];
  const uint8_t *keep = (const uint8_t *)job[J_MASK];
  const int32_t *lens = (const int32_t *)job[J_ROW_LENS];
  const float scale = *(const float *)&job[J_SCALE];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    for (int32_t r = t * per_task; r < r1; r++) {
      int32_t o = r * n;
      if (op == OP_SOFTMAX) {
        if (keep || lens || scale != 0.0f) {
          // Scaled, then the book's masking, then the softmax in place.
          const int32_t len = lens ? lens[r] : n;
          for (int32_t j = 0; j < len; j++) out[o + j] = x[o + j];
          divide_row(out + o, len, scale);
          for (int32_t j = len; j < n; j++) out[o + j] = -1e6f;
          if (keep) {
            for (int32_t j = 0; j < n; j++) out[o + j] = keep[o + j] ? out[o + j] : -1e6f;
          }
          softmax_row(out + o, out + o, n);
        } else {
          softmax_row(x + o, out + o, n);
        }
      } else {
        softmax_grad_row(x + o, y + o, out + o, n);
        if (keep) {
          for (int32_t j = 0; j < n; j++) out[o + j] = keep[o + j] ? out[o + j] : 0.0f;
        } else if (lens) {
          for (int32_t j = lens[r]; j < n; j++) out[o + j] = 0.0f;
        }
        divide_row(out + o, lens ? lens[r] : n, scale);
      }
    }
  }
}

EXPORT("run") void run(int32_t *job, int32_t thread_id) {
  uint8_t *scratch = (uint8_t *)(job[J_SCRATCH] + thread_id * job[J_SCRATCH_BYTES]);
  switch (job[J_OP]) {
    case OP_MATMUL: run_matmul(job, scratch); break;
    case OP_SOFTMAX:
    case OP_SOFTMAX_GRAD: run_rows(job, job[J_OP]); break;
    case OP_BINARY: run_binary(job, scratch); break;
    case OP_UNARY: run_unary(job); break;
    case OP_ROW_REDUCE: run_row_reduce(job); break;
    case OP_COPY: run_copy(job); break;
    case OP_GATHER: run_gather(job); break;
    case OP_SEGMENT_SUM: run_segment_sum(job); break;
    case OP_NW_POOL: run_nw_pool(job); break;
    case OP_NW_POOL_GRAD: run_nw_pool_grad(job, scratch); break;
    case OP_LAYER_NORM: run_layer_norm(job); break;
    case OP_LAYER_NORM_GRAD: run_layer_norm_grad(job); break;
    case OP_SELECT: run_select(job); break;
    case OP_GRU_CELL: run_gru_cell(job); break;
    case OP_GRU_CELL_GRAD: run_gru_cell_grad(job); break;
    case OP_ADAM: run_adam(job); break;
    case OP_DROPOUT: run_dropout(job); break;
    case OP_CROSS_ENTROPY: run_cross_entropy(job); break;
    case OP_CROSS_ENTROPY_GRAD: run_cross_entropy_grad(job); break;
    case OP_COLUMN_SUM: run_column_sum(job); break;
    case OP_AXIS_SUM: run_axis_sum(job); break;
    case OP_ADDITIVE_SCORES: run_additive_scores(job); break;
    case OP_ADDITIVE_SCORES_GRAD: run_additive_scores_grad(job); break;
    default: break;
  }
}
