// The GRU step's gate arithmetic (OP_GRU_CELL, OP_GRU_CELL_GRAD: one per step of a GRU layer,
// issued by src/fast/recurrent.ts) as native code with AVX-512 (16 lanes) or AVX2 (8 lanes), run
// by the native module's `run` (matmul.c) on the same shared memory and job fields as the
// WebAssembly kernels (wasm/elementwise.c) and bit-identical to them: the same Cephes exp, tanh
// and sigmoid, each operation in the same order, nothing fused (FP_CONTRACT OFF below), min and
// max with WebAssembly's NaN semantics. The arithmetic itself is gru-lanes.h, compiled once per
// instruction set.
#pragma STDC FP_CONTRACT OFF
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "../wasm/gru-job.h"
#include "gru.h"

// The vector operations gru-lanes.h uses. V_MAX(a, b) and V_MIN(a, b) are x86's maxps and minps:
// a > b ? a : b and a < b ? a : b, so their second operand when either is NaN (WebAssembly's
// pmax(x, lo) is V_MAX(lo, x), and its max(x, lo), which keeps a NaN x, is V_MAX(lo, x) too).
// Masks M_* are ordered compares (false for NaN) except M_NE; V_SEL(m, a, b) is m ? a : b.
// TM: which lanes V_LOAD_FIRST / V_STORE_FIRST touch (the other lanes load 0).

// ---- AVX2: 8 lanes ----
#define LANES 8
#define FN(name) name##_avx2
#define V __m256
#define VM __m256
#define TM __m256i
#define V_SPLAT _mm256_set1_ps
#define V_ADD _mm256_add_ps
#define V_SUB _mm256_sub_ps
#define V_MUL _mm256_mul_ps
#define V_DIV _mm256_div_ps
#define V_MAX _mm256_max_ps
#define V_MIN _mm256_min_ps
#define V_FLOOR(a) _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
#define V_AND_BITS(a, bits) _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(bits)))
#define V_XOR_BITS(a, bits) _mm256_xor_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(bits)))
#define V_OR _mm256_or_ps
#define V_POW2_FROM_BITS(a) \
  _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(a), _mm256_set1_epi32(127 - 0x4B400000)), 23))
#define M_LT(a, b) _mm256_cmp_ps(a, b, _CMP_LT_OQ)
#define M_GT(a, b) _mm256_cmp_ps(a, b, _CMP_GT_OQ)
#define M_GE(a, b) _mm256_cmp_ps(a, b, _CMP_GE_OQ)
#define M_NE(a, b) _mm256_cmp_ps(a, b, _CMP_NEQ_UQ)
#define M_OR _mm256_or_ps
#define M_ANY(m) (_mm256_movemask_ps(m) != 0)
#define V_SEL(m, a, b) _mm256_blendv_ps(b, a, m)
#define V_LOAD _mm256_loadu_ps
#define V_STORE _mm256_storeu_ps
#define V_LOAD_FIRST(p, t) _mm256_maskload_ps(p, t)
#define V_STORE_FIRST(p, t, v) _mm256_maskstore_ps(p, t, v)
#define TM_FIRST(n) _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))

#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#include "gru-lanes.h"
#pragma clang attribute pop

#undef LANES
#undef FN
#undef V
#undef VM
#undef TM
#undef V_SPLAT
#undef V_ADD
#undef V_SUB
#undef V_MUL
#undef V_DIV
#undef V_MAX
#undef V_MIN
#undef V_FLOOR
#undef V_AND_BITS
#undef V_XOR_BITS
#undef V_OR
#undef V_POW2_FROM_BITS
#undef M_LT
#undef M_GT
#undef M_GE
#undef M_NE
#undef M_OR
#undef M_ANY
#undef V_SEL
#undef V_LOAD
#undef V_STORE
#undef V_LOAD_FIRST
#undef V_STORE_FIRST
#undef TM_FIRST

// ---- AVX-512 (AVX512F only): 16 lanes, compares into mask registers ----
#define LANES 16
#define FN(name) name##_avx512
#define V __m512
#define VM __mmask16
#define TM __mmask16
#define V_SPLAT _mm512_set1_ps
#define V_ADD _mm512_add_ps
#define V_SUB _mm512_sub_ps
#define V_MUL _mm512_mul_ps
#define V_DIV _mm512_div_ps
#define V_MAX _mm512_max_ps
#define V_MIN _mm512_min_ps
#define V_FLOOR(a) _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
#define V_AND_BITS(a, bits) _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(bits)))
#define V_XOR_BITS(a, bits) _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(bits)))
#define V_OR(a, b) _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)))
#define V_POW2_FROM_BITS(a) \
  _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_castps_si512(a), _mm512_set1_epi32(127 - 0x4B400000)), 23))
#define M_LT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)
#define M_GT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ)
#define M_GE(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ)
#define M_NE(a, b) _mm512_cmp_ps_mask(a, b, _CMP_NEQ_UQ)
#define M_OR(a, b) ((__mmask16)((a) | (b)))
#define M_ANY(m) ((m) != 0)
#define V_SEL(m, a, b) _mm512_mask_blend_ps(m, b, a)
#define V_LOAD _mm512_loadu_ps
#define V_STORE _mm512_storeu_ps
#define V_LOAD_FIRST(p, t) _mm512_maskz_loadu_ps(t, p)
#define V_STORE_FIRST(p, t, v) _mm512_mask_storeu_ps(p, t, v)
#define TM_FIRST(n) ((__mmask16)((1u << (n)) - 1u))

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#include "gru-lanes.h"
#pragma clang attribute pop

int run_gru(int avx512, uint8_t *base, int32_t *job) {
  switch (job[J_OP]) {
    case OP_GRU_CELL:
      if (avx512) run_cell_avx512(base, job);
      else run_cell_avx2(base, job);
      return 1;
    case OP_GRU_CELL_GRAD:
      if (avx512) run_cell_grad_avx512(base, job);
      else run_cell_grad_avx2(base, job);
      return 1;
    default:
      return 0;
  }
}
