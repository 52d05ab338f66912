// Shared declarations of the fast kernels (kernels.c, elementwise.c, movement.c), compiled to
// WebAssembly with SIMD128 by scripts/build-wasm.mjs.
#ifndef D2L_KERNELS_H
#define D2L_KERNELS_H
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

#include "job.h"
#include "gru-job.h"

// OP_BINARY: out = a (kind) b over J_ROWS elements (a in J_X, b in J_Y) with broadcasting
// strides (see run_binary). The gradient kinds take a = the forward's output y (or input x for
// Relu) and b = the upstream gradient dy.
enum { J_BIN_KIND = 15, J_BIN_RANK = 18, J_BIN_TABLE = 19 };
enum {
  BIN_ADD = 0, BIN_SUB = 1, BIN_MUL = 2, BIN_DIV = 3, BIN_MAX = 4, BIN_MIN = 5,
  BIN_SIGMOID_GRAD = 6, BIN_RELU_GRAD = 7, BIN_TANH_GRAD = 8,
};

// OP_UNARY: out = f(x) over J_ROWS elements (J_X in, J_OUT out), J_ROWS_PER_TASK_R per task.
enum { J_UNARY_KIND = 15 };
enum {
  UN_RELU = 0, UN_SIGMOID = 1, UN_EXP = 2, UN_LOG = 3, UN_SQRT = 4, UN_RSQRT = 5, UN_SQUARE = 6,
  UN_ABS = 7, UN_NEG = 8, UN_TANH = 9,
};

// OP_ROW_REDUCE: one float (max, sum) or int32 (argmax) per row of J_COLS floats; sums divide by
// J_SCALE (float bits) first when it is not 0.
enum { J_REDUCE_KIND = 15 };
enum { RED_MAX = 0, RED_ARGMAX = 1, RED_SUM = 2 };

// OP_COPY: a strided copy of J_COPY_RANK dimensions from J_X to J_OUT; J_COPY_TABLE is the byte
// offset of int32 [dims | source strides | destination strides | rank zeros for the odometer]
// (strides in elements, possibly negative); elements of J_ELEM_BYTES (1 or 4) bytes.
enum { J_COPY_RANK = 8, J_COPY_TABLE = 9, J_ELEM_BYTES = 16 };

// OP_GATHER: x (outer, J_AXIS_DIM, inner) at J_X, J_COUNT int32 indices at J_Y → (outer, count,
// inner) at J_OUT; elements of J_ELEM_BYTES bytes.
enum { J_OUTER = 8, J_AXIS_DIM = 9, J_INNER = 13, J_COUNT = 14 };

// OP_SEGMENT_SUM: x (J_ROWS, J_INNER) floats at J_X, one int32 segment per row at J_Y → sums of
// the rows of each of J_SEGMENTS segments at J_OUT (ids outside [0, J_SEGMENTS) ignored), summed
// in double precision in row order in thread 0's scratch.
enum { J_SEGMENTS = 14 };

// Register tile of the matmul micro-kernel: MR rows of A by NR columns of B.
#define MR 4
#define NR 8
// Block of the inner dimension the matmul packs at a time (KC x n floats of B per thread).
#define KC 256

#define FMA(acc, x, y) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(x, y))

// Cephes' expf in two steps: n = round(x / ln 2), then e^(x − n·ln 2) by its polynomial (for
// |x − n·ln 2| <= ln 2 / 2); the caller scales by 2^n.
static inline v128_t exp_round(v128_t x) {
  return wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)),
                                         wasm_f32x4_splat(0.5f)));
}

static inline v128_t exp_reduced(v128_t x, v128_t fx) {
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, wasm_f32x4_splat(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t z = wasm_f32x4_mul(x, x);
  v128_t y = wasm_f32x4_splat(1.9875691500e-4f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.3981999507e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(8.3334519073e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(4.1665795894e-2f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.6666665459e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(5.0000001201e-1f));
  return wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(y, z), x), wasm_f32x4_splat(1.0f));
}

// 2^n for integer-valued floats n in [-126, 127], from its exponent bits. Adding 1.5·2^23 puts
// n in the low bits of the float (cheaper than a saturating conversion to integers).
static inline v128_t pow2(v128_t n) {
  v128_t bits = wasm_f32x4_add(n, wasm_f32x4_splat(12582912.0f));
  return wasm_i32x4_shl(wasm_i32x4_add(bits, wasm_i32x4_splat(127 - 0x4B400000)), 23);
}

// exp(x) for x <= 0 (the softmax subtracts the row maximum first), with results below ~1e-38
// flushed to zero (as exp of the book's -1e6 mask is).
static inline v128_t exp_nonpositive(v128_t x) {
  const v128_t lo = wasm_f32x4_splat(-87.33654f);
  // Lanes to keep: not underflowing, or NaN (which must propagate, as in tfjs).
  v128_t keep = wasm_v128_or(wasm_f32x4_ge(x, lo), wasm_f32x4_ne(x, x));
  x = wasm_f32x4_max(x, lo);
  v128_t fx = exp_round(x);  // >= -126 after the clamp
  return wasm_v128_and(wasm_f32x4_mul(exp_reduced(x, fx), pow2(fx)), keep);
}

// Cephes' tanhf: an odd polynomial below |x| = 0.625 (no cancellation near 0), otherwise
// tanh from exp(-2|x|) <= 1 so nothing overflows.
static inline v128_t tanh4(v128_t x) {
  v128_t ax = wasm_f32x4_abs(x);
  v128_t z = wasm_f32x4_mul(x, x);
  v128_t p = wasm_f32x4_splat(-5.70498872745e-3f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(2.06390887954e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(-5.37397155531e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(1.33314422036e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(-3.33332819422e-1f));
  v128_t small = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, z), x), x);
  v128_t e = exp_nonpositive(wasm_f32x4_mul(ax, wasm_f32x4_splat(-2.0f)));
  // 1 - 2e/(1+e) rather than (1-e)/(1+e): rounds like tanh itself just below 1.
  v128_t big = wasm_f32x4_sub(wasm_f32x4_splat(1.0f),
                              wasm_f32x4_div(wasm_f32x4_add(e, e), wasm_f32x4_add(wasm_f32x4_splat(1.0f), e)));
  v128_t magnitude = wasm_f32x4_abs(wasm_v128_bitselect(small, big, wasm_f32x4_lt(ax, wasm_f32x4_splat(0.625f))));
  // tanh is odd: the sign of x (this also keeps tanh(-0) = -0).
  return wasm_v128_or(magnitude, wasm_v128_and(x, wasm_i32x4_splat((int32_t)0x80000000)));
}

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

static inline float hmax(v128_t v) {
  float a = wasm_f32x4_extract_lane(v, 0), b = wasm_f32x4_extract_lane(v, 1);
  float c = wasm_f32x4_extract_lane(v, 2), d = wasm_f32x4_extract_lane(v, 3);
  float ab = a > b ? a : b, cd = c > d ? c : d;
  return ab > cd ? ab : cd;
}

// The largest of n floats by pseudo-max (a NaN is skipped where it is the second operand; the
// softmax's and cross-entropy's arithmetic then propagates it), -inf for n = 0.
static inline float row_pmax(const float *x, int32_t n) {
  int32_t j = 0;
  float mx = -__builtin_inff();
  if (n >= 4) {
    v128_t vm = wasm_v128_load(x);
    for (j = 4; j + 4 <= n; j += 4) vm = wasm_f32x4_pmax(vm, wasm_v128_load(x + j));
    mx = hmax(vm);
  }
  for (; j < n; j++) mx = x[j] > mx ? x[j] : mx;
  return mx;
}

void run_binary(int32_t *job, uint8_t *scratch);
void run_unary(int32_t *job);
void run_row_reduce(int32_t *job);
void run_copy(int32_t *job);
void run_gather(int32_t *job);
void run_segment_sum(int32_t *job);
void run_nw_pool(int32_t *job);
void run_nw_pool_grad(int32_t *job, uint8_t *scratch);
void run_layer_norm(int32_t *job);
void run_layer_norm_grad(int32_t *job);
void run_select(int32_t *job);
void run_gru_cell(int32_t *job);
void run_gru_cell_grad(int32_t *job);
void run_adam(int32_t *job);
void run_dropout(int32_t *job);
void run_cross_entropy(int32_t *job);
void run_cross_entropy_grad(int32_t *job);
void run_column_sum(int32_t *job);
void run_axis_sum(int32_t *job);
void run_additive_scores(int32_t *job);
void run_additive_scores_grad(int32_t *job);

// OP_GRU_CELL, OP_GRU_CELL_GRAD: see gru-job.h.

// OP_ADAM: PyTorch's Adam update of J_ROWS parameters: parameters at J_X, gradients at J_Y, first
// and second moments at J_ADAM_M and J_ADAM_V → the new parameters at J_OUT and moments at
// J_ADAM_M_OUT and J_ADAM_V_OUT (which may be the inputs); float bits of beta1, beta2, the step
// size lr / (1 − beta1^t), √(1 − beta2^t) and eps.
enum { J_ADAM_M = 20, J_ADAM_V = 21, J_ADAM_B1 = 22, J_ADAM_B2 = 23, J_ADAM_STEP = 24, J_ADAM_BC2 = 25, J_ADAM_EPS = 26,
       J_ADAM_M_OUT = 27, J_ADAM_V_OUT = 28 };

// Shared by several kernels (kernels.c).
float dot_f32(const float *a, const float *b, int32_t k);
void softmax_row(const float *x, float *y, int32_t n);

// OP_NW_POOL (section 11.2's parametric attention pooling): J_ROWS queries at J_X, J_COLS keys at
// J_Y, the width at J_W, values at J_V → weights (rows × cols) at J_OUT and predictions at J_YHAT.
// OP_NW_POOL_GRAD: the same inputs with the weights at J_OUT and the upstream gradients J_DY (of
// the predictions) and J_DWEIGHTS (of the weights; 0 when none) → J_DQ, J_DK, J_DWIDTH, J_DV.
enum {
  J_W = 20, J_V = 21, J_YHAT = 22, J_DY = 23, J_DWEIGHTS = 24, J_DQ = 25, J_DK = 26, J_DWIDTH = 27, J_DV = 28,
};

// OP_LAYER_NORM: J_ROWS rows of J_COLS at J_X, weight J_W and bias J_V (J_COLS each), epsilon
// (float bits) in J_EPS → J_OUT, and per row J_MEAN and J_RSTD. OP_LAYER_NORM_GRAD: J_X, J_W,
// J_MEAN, J_RSTD and the upstream gradient J_DY → dx at J_OUT, the weight's gradient at J_DQ, the
// bias's at J_DK (2 · J_COLS doubles of scratch).
enum { J_EPS = 29, J_MEAN = 30, J_RSTD = 31 };

// OP_SELECT: J_ROWS elements of J_ELEM_BYTES bytes, J_OUT = condition (uint8 at J_MASK) ? J_X : J_Y.



// OP_DROPOUT: out = x · (keep ? scale : 0) over J_ROWS elements, where element i is dropped when
// its hash u = fmix32((i · 0x9E3779B9) ^ seed) (murmur3's finaliser) is below J_DROP_THRESHOLD
// (both unsigned); J_DROP_SCALE: float bits of 1 / (1 − p). src/ops/random.ts draws the same mask
// on the host (dropoutMaskFromSeed); the gradient is the same op on dy with the same seed.
enum { J_DROP_SEED = 20, J_DROP_THRESHOLD = 21, J_DROP_SCALE = 22 };
// OP_CROSS_ENTROPY: per row of J_ROWS × J_COLS logits (J_X) and its int32 label (J_Y), the loss
// max + log Σ exp(z − max) − z[label] (J_OUT, one per row). OP_CROSS_ENTROPY_GRAD: with the
// upstream gradient per row (J_XENT_DY), the logits' gradient (softmax(z) − onehot(label))·dy at
// J_OUT. J_ROWS_PER_TASK_R rows per task.
enum { J_XENT_DY = 20 };
// OP_COLUMN_SUM: the sums of the J_COLS columns of J_ROWS × J_COLS floats (J_X) at J_OUT, in float32
// row by row (a bias gradient); tasks are blocks of COLUMN_SUM_BLOCK columns.
#define COLUMN_SUM_BLOCK 64
// OP_AXIS_SUM: Sum (or Mean) over axes that are not all innermost, as tfjs's Sum: each output
// accumulates in double precision from 0 in the input's row-major order and is rounded once;
// elements are divided by J_SCALE (float bits) first when it is not 0. The output is J_ROWS ×
// J_COLS floats at J_OUT; output (r, c) sums x[row_at[r] + c·J_SUM_COL_STRIDE + term_at[k] +
// i·J_SUM_INNER_STRIDE] over k < J_SUM_TERMS (outer), i < J_SUM_INNER (inner), where J_Y is the
// byte offset of int32 [row_at (J_ROWS) | term_at (J_SUM_TERMS)] (element offsets into J_X).
// A task is J_ROWS_PER_TASK_R rows by J_SUM_COLS_PER_TASK columns (a multiple of 16).
enum { J_SUM_TERMS = 14, J_SUM_INNER = 15, J_SUM_INNER_STRIDE = 16, J_SUM_COL_STRIDE = 17, J_SUM_COLS_PER_TASK = 19 };
// OP_ADDITIVE_SCORES (section 11.3's additive attention scores, attention.c): queries J_X
// (J_ROWS = batch · queries rows of J_COLS = h), keys J_Y (batch, J_ATT_KEYS, h), w_v J_ATT_WV (h)
// → scores J_OUT (J_ROWS, keys), s[b,i,j] = Σ_h w_v[h] · tanh(q[b,i,h] + k[b,j,h]), and the
// features tanh(q[b,i,h] + k[b,j,h]) J_ATT_FEATURES (J_ROWS, keys, h); tasks are blocks of
// J_ROWS_PER_TASK_R rows. OP_ADDITIVE_SCORES_GRAD: w_v, the features and the scores' gradient
// J_ATT_DS → dq J_ATT_DQ (J_ROWS, h), dk J_ATT_DK (batch, keys, h) and per batch the terms of
// dw_v, J_ATT_DWV (batch, h), summed by an OP_COLUMN_SUM job; a task is one batch.
enum { J_ATT_QUERIES = 20, J_ATT_KEYS = 21, J_ATT_WV = 22, J_ATT_DS = 23, J_ATT_DQ = 24, J_ATT_DK = 25, J_ATT_DWV = 26,
       J_ATT_FEATURES = 27 };
#endif
