// The fast kernels' matrix product as native code (a Node-API module built by
// scripts/build-native.mjs with Debian's clang), for x86-64 CPUs with AVX2 and FMA or AVX-512.
//
// WebAssembly's SIMD128 has 4-lane vectors and no fused multiply-add; on the CPUs this project
// runs on, native AVX2 or AVX-512 code does 3-4x more multiply-adds per cycle in tf.matMul
// (docs/benchmarks.md), and matrix products are most of a training step. This module runs
// OP_MATMUL jobs exactly as the WebAssembly kernel does (wasm/kernels.c: same job fields, strides,
// batch offsets, per-batch limits, tasks taken from the job's atomic counter, the inner dimension
// summed in the same order of blocks), on the same shared memory: each thread of the pool calls
// `run(memoryView, job)` with a view of the WebAssembly memory, whose start is the base of the
// job's byte offsets. Scratch (packed panels) is per thread, on the native heap.
#include <node_api.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../wasm/job.h"
#include "gru.h"

// Blocks of the inner dimension, as the WebAssembly kernel (its KC).
#define KC 256

typedef struct {
  float *packed_b; // KC x (columns of the task rounded up to NR)
  size_t packed_b_floats;
  float *tile;     // 16 x 32 (any MR x NR), for edge tiles
} Scratch;

static _Thread_local Scratch scratch;

// This thread's scratch for a product of `kc` <= KC terms per block and `cols` columns per task:
// 0 when memory is short (nothing is kept half-allocated).
static int ensure_scratch(int32_t kc, int32_t nr, int32_t cols) {
  const size_t need = (size_t)kc * (size_t)((cols + nr - 1) / nr) * (size_t)nr;
  if (scratch.tile == NULL) {
    // The largest edge tile of both instruction sets (AVX-512: 8 x 32, AVX2: 6 x 16).
    scratch.tile = aligned_alloc(64, 16 * 32 * sizeof(float));
    if (scratch.tile == NULL) return 0;
  }
  if (need > scratch.packed_b_floats) {
    free(scratch.packed_b);
    scratch.packed_b = aligned_alloc(64, ((need * sizeof(float) + 63) / 64) * 64);
    scratch.packed_b_floats = scratch.packed_b ? need : 0;
    if (scratch.packed_b == NULL) return 0;
  }
  return 1;
}

// Copies B (kc by n) into panels [n / nr][kc][nr], zero-padding the last panel. B's rows or its
// columns are contiguous (row-major B, or a transposed one such as a weight W used as Wᵀ): the
// copy reads along whichever is.
static void pack_b(const float *b, int32_t rs, int32_t cs, int32_t kc, int32_t n, int32_t nr, float *packed) {
  for (int32_t j0 = 0; j0 < n; j0 += nr) {
    const int32_t cols = n - j0 < nr ? n - j0 : nr;
    const float *src = b + (size_t)j0 * cs;
    if (cs == 1) {
      for (int32_t p = 0; p < kc; p++) {
        memcpy(packed + (size_t)p * nr, src + (size_t)p * rs, (size_t)cols * sizeof(float));
        for (int32_t c = cols; c < nr; c++) packed[(size_t)p * nr + c] = 0.0f;
      }
    } else {
      for (int32_t c = 0; c < nr; c++) {
        if (c < cols) {
          const float *col = src + (size_t)c * cs;
          for (int32_t p = 0; p < kc; p++) packed[(size_t)p * nr + c] = col[(size_t)p * rs];
        } else {
          for (int32_t p = 0; p < kc; p++) packed[(size_t)p * nr + c] = 0.0f;
        }
      }
    }
    packed += (size_t)kc * nr;
  }
}

// a · b over k floats, in 8 partial sums (the compiler keeps them in a vector register).
static float dot(const float *a, const float *b, int32_t k) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int32_t p = 0;
  for (; p + 8 <= k; p += 8)
    for (int32_t l = 0; l < 8; l++) s[l] += a[p + l] * b[p + l];
  float sum = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; p < k; p++) sum += a[p] * b[p];
  return sum;
}

// Matrix-vector product (n == 1): rows i0..i1 of A against the column of B.
static void gemv_rows(const float *a, int32_t rs, int32_t cs, const float *b, int32_t bs, int32_t k, int32_t i0,
                      int32_t i1, float *c) {
  if (rs == 1 && cs != 1) {
    // A stored transposed (e.g. a weight gradient featuresᵀ · dScores): accumulate its columns,
    // which are contiguous, instead of striding through all of it once per row.
    for (int32_t i = i0; i < i1; i++) c[i] = 0.0f;
    for (int32_t p = 0; p < k; p++) {
      const float *col = a + (size_t)p * cs;
      const float bp = b[(size_t)p * bs];
      for (int32_t i = i0; i < i1; i++) c[i] += col[i] * bp;
    }
    return;
  }
  for (int32_t i = i0; i < i1; i++) {
    const float *row = a + (size_t)i * rs;
    if (cs == 1 && bs == 1) {
      c[i] = dot(row, b, k);
    } else {
      float sum = 0.0f;
      for (int32_t p = 0; p < k; p++) sum += row[(size_t)p * cs] * b[(size_t)p * bs];
      c[i] = sum;
    }
  }
}

// Products too small for a register tile to pay off (e.g. one query against nine keys, in each
// of 128 batches): rows i0..i1 and columns j0..j1 of C straight from the operands, no packing.
static void small_product(const float *a, int32_t ars, int32_t acs, const float *b, int32_t brs, int32_t bcs,
                          int32_t k, int32_t i0, int32_t i1, int32_t j0, int32_t j1, float *c, int32_t ldc) {
  for (int32_t i = i0; i < i1; i++) {
    const float *row = a + (size_t)i * ars;
    float *out = c + (size_t)i * ldc;
    if (acs == 1 && brs == 1) {
      for (int32_t j = j0; j < j1; j++) out[j] = dot(row, b + (size_t)j * bcs, k);
    } else if (bcs == 1) {
      for (int32_t j = j0; j < j1; j++) out[j] = 0.0f;
      for (int32_t p = 0; p < k; p++) {
        const float ap = row[(size_t)p * acs];
        const float *brow = b + (size_t)p * brs;
        for (int32_t j = j0; j < j1; j++) out[j] += ap * brow[j];
      }
    } else {
      for (int32_t j = j0; j < j1; j++) {
        float sum = 0.0f;
        for (int32_t p = 0; p < k; p++) sum += row[(size_t)p * acs] * b[(size_t)p * brs + (size_t)j * bcs];
        out[j] = sum;
      }
    }
  }
}

// Below this many multiply-adds per task a product runs as `small_product`.
#define SMALL_PRODUCT 32768

// One instruction set's micro-kernel: an MR x (2 vectors) tile of C from A read in place (rows
// `ars` apart, terms `acs` apart: any layout, no packing) and a packed panel of B; edge tiles go
// through `tile` (rows past `rows` repeat the first one and are not stored). With `accumulate`
// the sums continue from C (a later block of k).
#define DEFINE_MICRO_KERNEL(NAME, TARGET, VEC, VW, MR, LOAD, STORE, SPLAT, FMADD, ZERO)                   \
  __attribute__((target(TARGET))) static void NAME(int32_t k, const float *a, int32_t ars, int32_t acs,   \
                                                   const float *pb, float *c, int32_t ldc, int32_t rows,  \
                                                   int32_t cols, float *tile, int32_t accumulate) {       \
    enum { NR = 2 * VW };                                                                                \
    const int32_t full = rows == MR && cols == NR;                                                       \
    float *dst = full ? c : tile;                                                                        \
    const int32_t ld = full ? ldc : NR;                                                                  \
    if (accumulate && !full) {                                                                           \
      for (int32_t r = 0; r < MR; r++)                                                                   \
        for (int32_t j = 0; j < NR; j++) tile[r * NR + j] = r < rows && j < cols ? c[(size_t)r * ldc + j] : 0.0f; \
    }                                                                                                    \
    const float *ar[MR];                                                                                 \
    for (int32_t r = 0; r < MR; r++) ar[r] = a + (size_t)(r < rows ? r : 0) * (size_t)ars;               \
    VEC c0[MR], c1[MR];                                                                                  \
    for (int32_t r = 0; r < MR; r++) {                                                                   \
      c0[r] = accumulate ? LOAD(dst + (size_t)r * ld) : ZERO();                                          \
      c1[r] = accumulate ? LOAD(dst + (size_t)r * ld + VW) : ZERO();                                     \
    }                                                                                                    \
    size_t at = 0;                                                                                       \
    for (int32_t p = 0; p < k; p++) {                                                                    \
      const VEC b0 = LOAD(pb), b1 = LOAD(pb + VW);                                                       \
      for (int32_t r = 0; r < MR; r++) {                                                                 \
        const VEC s = SPLAT(ar[r][at]);                                                                  \
        c0[r] = FMADD(s, b0, c0[r]);                                                                     \
        c1[r] = FMADD(s, b1, c1[r]);                                                                     \
      }                                                                                                  \
      at += (size_t)acs;                                                                                 \
      pb += NR;                                                                                          \
    }                                                                                                    \
    for (int32_t r = 0; r < MR; r++) {                                                                   \
      STORE(dst + (size_t)r * ld, c0[r]);                                                                \
      STORE(dst + (size_t)r * ld + VW, c1[r]);                                                           \
    }                                                                                                    \
    if (!full) {                                                                                         \
      for (int32_t r = 0; r < rows; r++)                                                                 \
        for (int32_t j = 0; j < cols; j++) c[(size_t)r * ldc + j] = tile[r * NR + j];                    \
    }                                                                                                    \
  }

DEFINE_MICRO_KERNEL(micro_avx2, "avx2,fma", __m256, 8, 6, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps,
                    _mm256_fmadd_ps, _mm256_setzero_ps)
DEFINE_MICRO_KERNEL(micro_avx512, "avx512f", __m512, 16, 8, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps,
                    _mm512_fmadd_ps, _mm512_setzero_ps)

typedef void (*MicroKernel)(int32_t, const float *, int32_t, int32_t, const float *, float *, int32_t, int32_t,
                            int32_t, float *, int32_t);

typedef struct {
  const char *name;
  MicroKernel kernel;
  int32_t mr, nr;
} Isa;

static const Isa AVX512 = {"AVX-512", micro_avx512, 8, 32};
static const Isa AVX2 = {"AVX2-FMA", micro_avx2, 6, 16};

// The instruction set of this CPU, or NULL (the WebAssembly kernel then runs instead).
static const Isa *isa_of_cpu(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return &AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &AVX2;
  return NULL;
}

// OP_MATMUL on memory starting at `base`: this thread's share of the job's tasks.
static int run_matmul(const Isa *isa, uint8_t *base, int32_t *job) {
  const int32_t n = job[J_N];
  const float *a = (const float *)(base + (uint32_t)job[J_A]);
  const float *b = (const float *)(base + (uint32_t)job[J_B]);
  float *c = (float *)(base + (uint32_t)job[J_C]);
  const int32_t ars = job[J_A_ROW], acs = job[J_A_COL], brs = job[J_B_ROW], bcs = job[J_B_COL];
  const int32_t *a_off = (const int32_t *)(base + (uint32_t)job[J_A_BATCH]);
  const int32_t *b_off = (const int32_t *)(base + (uint32_t)job[J_B_BATCH]);
  const int32_t *m_lim = job[J_M_LIMITS] ? (const int32_t *)(base + (uint32_t)job[J_M_LIMITS]) : NULL;
  const int32_t *n_lim = job[J_N_LIMITS] ? (const int32_t *)(base + (uint32_t)job[J_N_LIMITS]) : NULL;
  const int32_t *k_lim = job[J_K_LIMITS] ? (const int32_t *)(base + (uint32_t)job[J_K_LIMITS]) : NULL;
  const int32_t num_tasks = job[J_NUM_TASKS];
  const int32_t mr = isa->mr, nr = isa->nr;
  const int32_t task_cols = job[J_COLS_PER_TASK] > 0 && job[J_COLS_PER_TASK] < n ? job[J_COLS_PER_TASK] : n;
  // B is packed KC terms at a time (fewer when k is smaller: an outer product needs little).
  if (!ensure_scratch(job[J_K] < KC ? job[J_K] : KC, nr, task_cols)) return 0;
  // Which B is packed: its element offset, its first column, the columns and the depth packed.
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
    if ((int64_t)(i_stop - i_begin) * nb * kb < SMALL_PRODUCT) {
      small_product(ab, ars, acs, b + b_off[bi], brs, bcs, kb, i_begin, i_stop, j_begin, j_stop, cb, n);
      continue;
    }
    for (int32_t k0 = 0; k0 < kb; k0 += KC) {
      const int32_t kc = kb - k0 < KC ? kb - k0 : KC;
      if (packed_b_offset != b_off[bi] || packed_j != j_begin || packed_n != nb || packed_k != k0 + kc) {
        pack_b(b + b_off[bi] + (size_t)k0 * brs + (size_t)j_begin * bcs, brs, bcs, kc, nb, nr, scratch.packed_b);
        packed_b_offset = b_off[bi];
        packed_j = j_begin;
        packed_n = nb;
        packed_k = k0 + kc;
      }
      for (int32_t i0 = i_begin; i0 < i_stop; i0 += mr) {
        const int32_t rows = i_stop - i0 < mr ? i_stop - i0 : mr;
        const float *a_block = ab + (size_t)i0 * ars + (size_t)k0 * acs;
        const float *pb = scratch.packed_b;
        for (int32_t j0 = j_begin; j0 < j_stop; j0 += nr) {
          const int32_t cols = j_stop - j0 < nr ? j_stop - j0 : nr;
          isa->kernel(kc, a_block, ars, acs, pb, cb + (size_t)i0 * n + j0, n, rows, cols, scratch.tile, k0 > 0);
          pb += (size_t)kc * nr;
        }
      }
    }
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Node-API: `isa()` → the instruction set's name or null; `run(view, job)` → true, or
// false when the job is neither a matmul nor a GRU step (gru.c) or scratch could not be allocated
// (the caller then fails).

static const Isa *cpu_isa;

static napi_value js_isa(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  if (cpu_isa) napi_create_string_utf8(env, cpu_isa->name, NAPI_AUTO_LENGTH, &out);
  else napi_get_null(env, &out);
  return out;
}

static napi_value js_run(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int ok = 0;
  napi_typedarray_type type;
  size_t length, offset;
  void *data = NULL;
  napi_value buffer;
  int32_t job_at = 0;
  if (argc == 2 && cpu_isa && napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) == napi_ok &&
      data != NULL && napi_get_value_int32(env, argv[1], &job_at) == napi_ok) {
    uint8_t *base = (uint8_t *)data - offset;
    int32_t *job = (int32_t *)(base + (uint32_t)job_at);
    if (job[J_OP] == OP_MATMUL) ok = run_matmul(cpu_isa, base, job);
    else ok = run_gru(cpu_isa == &AVX512, base, job);
  }
  napi_value out;
  napi_get_boolean(env, ok, &out);
  return out;
}

NAPI_MODULE_INIT() {
  cpu_isa = isa_of_cpu();
  // For tests only: D2L_NATIVE_ISA=avx2 runs the AVX2 kernels on a CPU with AVX-512 too.
  const char *force = getenv("D2L_NATIVE_ISA");
  if (cpu_isa == &AVX512 && force != NULL && strcmp(force, "avx2") == 0) cpu_isa = &AVX2;
  napi_value fn;
  napi_create_function(env, "isa", NAPI_AUTO_LENGTH, js_isa, NULL, &fn);
  napi_set_named_property(env, exports, "isa", fn);
  napi_create_function(env, "run", NAPI_AUTO_LENGTH, js_run, NULL, &fn);
  napi_set_named_property(env, exports, "run", fn);
  return exports;
}
