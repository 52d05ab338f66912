// Elementwise kernels: the binary arithmetic ops and fused gradients, unary maths, row reductions.
#include "kernels.h"

// ---------------------------------------------------------------------------------------------
// Elementwise binary ops. Add, sub, mul, div, max and min in single-precision IEEE arithmetic are
// bit-identical to JavaScript's (double arithmetic rounded to float32 is exact for these), and
// so are the gradient kinds, which round after each operation as tfjs's composed ops do.

static inline v128_t binary4(int32_t kind, v128_t a, v128_t b) {
  switch (kind) {
    case BIN_ADD: return wasm_f32x4_add(a, b);
    case BIN_SUB: return wasm_f32x4_sub(a, b);
    case BIN_MUL: return wasm_f32x4_mul(a, b);
    case BIN_DIV: return wasm_f32x4_div(a, b);
    // NaN if either is NaN, max(-0, +0) = +0 and min(-0, +0) = -0, as Math.max / Math.min.
    case BIN_MAX: return wasm_f32x4_max(a, b);
    case BIN_MIN: return wasm_f32x4_min(a, b);
    // dy·(y·(1 − y)) with a = y, b = dy
    case BIN_SIGMOID_GRAD: return wasm_f32x4_mul(b, wasm_f32x4_mul(a, wasm_f32x4_sub(wasm_f32x4_splat(1.0f), a)));
    // dy·step(x) with a = x, b = dy: step is 1 above 0, 0 otherwise, NaN for NaN
    case BIN_RELU_GRAD: {
      v128_t step = wasm_v128_and(wasm_f32x4_gt(a, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(1.0f));
      step = wasm_v128_bitselect(a, step, wasm_f32x4_ne(a, a));
      return wasm_f32x4_mul(b, step);
    }
    // (1 − y²)·dy with a = y, b = dy
    default: return wasm_f32x4_mul(wasm_f32x4_sub(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(a, a)), b);
  }
}

static inline float binary1(int32_t kind, float a, float b) {
  return wasm_f32x4_extract_lane(binary4(kind, wasm_f32x4_splat(a), wasm_f32x4_splat(b)), 0);
}

// One run of `n` outputs, the operands stepping by `sa` and `sb` (0: a repeated number).
static inline void binary_run(int32_t kind, const float *a, int32_t sa, const float *b, int32_t sb, float *out, int32_t n) {
  int32_t j = 0;
  if (sa == 1 && sb == 1) {
    for (; j + 4 <= n; j += 4) wasm_v128_store(out + j, binary4(kind, wasm_v128_load(a + j), wasm_v128_load(b + j)));
    for (; j < n; j++) out[j] = binary1(kind, a[j], b[j]);
  } else if (sa == 1 && sb == 0) {
    const v128_t vb = wasm_f32x4_splat(b[0]);
    for (; j + 4 <= n; j += 4) wasm_v128_store(out + j, binary4(kind, wasm_v128_load(a + j), vb));
    for (; j < n; j++) out[j] = binary1(kind, a[j], b[0]);
  } else if (sa == 0 && sb == 1) {
    const v128_t va = wasm_f32x4_splat(a[0]);
    for (; j + 4 <= n; j += 4) wasm_v128_store(out + j, binary4(kind, va, wasm_v128_load(b + j)));
    for (; j < n; j++) out[j] = binary1(kind, a[0], b[j]);
  } else {
    for (; j < n; j++) out[j] = binary1(kind, a[j * sa], b[j * sb]);
  }
}

// One specialised run loop per kind, so each inner loop is branch-free.
#define BINARY_CASE(KIND) case KIND: binary_run(KIND, a, sa, b, sb, out, n); break;

static void binary_dispatch(int32_t kind, const float *a, int32_t sa, const float *b, int32_t sb, float *out, int32_t n) {
  switch (kind) {
    BINARY_CASE(BIN_ADD)
    BINARY_CASE(BIN_SUB)
    BINARY_CASE(BIN_MUL)
    BINARY_CASE(BIN_DIV)
    BINARY_CASE(BIN_MAX)
    BINARY_CASE(BIN_MIN)
    BINARY_CASE(BIN_SIGMOID_GRAD)
    BINARY_CASE(BIN_RELU_GRAD)
    BINARY_CASE(BIN_TANH_GRAD)
    default: break;
  }
}

// out (contiguous, J_ROWS elements) = a (kind) b, walking J_BIN_RANK broadcast dimensions with
// the strides of J_BIN_TABLE [dims | a strides | b strides] (0 along broadcast dimensions).
// Tasks are ranges of J_ROWS_PER_TASK_R outputs; each thread keeps its odometer in its scratch.
void run_binary(int32_t *job, uint8_t *scratch) {
  const int32_t n = job[J_ROWS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const int32_t kind = job[J_BIN_KIND], rank = job[J_BIN_RANK], inner = rank - 1;
  const int32_t *dims = (const int32_t *)job[J_BIN_TABLE];
  const int32_t *sa = dims + rank, *sb = dims + 2 * rank;
  const float *a = (const float *)job[J_X];
  const float *b = (const float *)job[J_Y];
  float *out = (float *)job[J_OUT];
  int32_t *index = (int32_t *)scratch;
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    int32_t i = t * per_task;
    const int32_t end = i + per_task < n ? i + per_task : n;
    int32_t oa = 0, ob = 0, rest = i;
    for (int32_t d = inner; d >= 0; d--) {
      index[d] = rest % dims[d];
      rest /= dims[d];
      oa += index[d] * sa[d];
      ob += index[d] * sb[d];
    }
    while (i < end) {
      int32_t run = dims[inner] - index[inner];
      if (run > end - i) run = end - i;
      binary_dispatch(kind, a + oa, sa[inner], b + ob, sb[inner], out + i, run);
      i += run;
      index[inner] += run;
      oa += run * sa[inner];
      ob += run * sb[inner];
      for (int32_t d = inner; d > 0 && index[d] == dims[d]; d--) {
        oa += sa[d - 1] - sa[d] * dims[d];
        ob += sb[d - 1] - sb[d] * dims[d];
        index[d] = 0;
        index[d - 1]++;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Unary maths. Sqrt, square, abs, neg and relu are exact (bit-identical to tfjs's Math.* in
// double rounded to float32); rsqrt is computed in double precision like tfjs's 1 / Math.sqrt,
// so it is bit-identical too; exp, log and sigmoid use Cephes' single-precision methods
// and tanh use Cephes' single-precision methods (within 2 ulp of the correctly rounded result).

// exp over the whole float range (Cephes expf): +inf above 88.7228, gradual underflow to the
// denormals below -87.34, 0 below -103.98, NaN passed through.
static inline v128_t exp4(v128_t x) {
  const v128_t hi = wasm_f32x4_splat(88.72283935546875f), lo = wasm_f32x4_splat(-103.97208404541015625f);
  v128_t nan = wasm_f32x4_ne(x, x), over = wasm_f32x4_gt(x, hi);
  v128_t xc = wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), hi);
  v128_t fx = exp_round(xc);
  v128_t y = exp_reduced(xc, fx);
  if (wasm_v128_any_true(wasm_f32x4_lt(fx, wasm_f32x4_splat(-126.0f)))) {
    // Denormal results: 2^fx as two factors 2^n1 · 2^n2 (fx in [-150, 128]).
    v128_t n1 = wasm_f32x4_floor(wasm_f32x4_mul(fx, wasm_f32x4_splat(0.5f)));
    y = wasm_f32x4_mul(wasm_f32x4_mul(y, pow2(n1)), pow2(wasm_f32x4_sub(fx, n1)));
  } else {
    // fx = 128 (x just below the overflow bound) as 2^127 · 2.
    v128_t top = wasm_f32x4_gt(fx, wasm_f32x4_splat(127.0f));
    y = wasm_f32x4_mul(y, pow2(wasm_f32x4_sub(fx, wasm_v128_and(top, wasm_f32x4_splat(1.0f)))));
    y = wasm_v128_bitselect(wasm_f32x4_add(y, y), y, top);
  }
  y = wasm_v128_bitselect(wasm_f32x4_splat(__builtin_inff()), y, over);
  return wasm_v128_bitselect(x, y, nan);
}

// Natural logarithm (Cephes logf): -inf at ±0, NaN below 0 and for NaN, +inf at +inf; denormal
// inputs are scaled into the normal range first.
static inline v128_t log4(v128_t x) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  v128_t special = wasm_v128_or(wasm_f32x4_le(x, zero), wasm_v128_or(wasm_f32x4_ne(x, x),
                                wasm_f32x4_eq(x, wasm_f32x4_splat(__builtin_inff()))));
  // log(±0) = -inf, log(x < 0) = NaN, log(NaN) = NaN, log(+inf) = +inf
  v128_t special_value = wasm_v128_bitselect(
      wasm_f32x4_splat(-__builtin_inff()),
      wasm_v128_bitselect(x, wasm_f32x4_splat(__builtin_nanf("")), wasm_f32x4_gt(x, zero)),
      wasm_f32x4_eq(x, zero));
  v128_t denormal = wasm_f32x4_lt(x, wasm_f32x4_splat(1.17549435e-38f));
  x = wasm_v128_bitselect(wasm_f32x4_mul(x, wasm_f32x4_splat(33554432.0f)), x, denormal);
  v128_t e = wasm_i32x4_sub(wasm_u32x4_shr(x, 23), wasm_i32x4_splat(126));
  e = wasm_i32x4_sub(e, wasm_v128_and(denormal, wasm_i32x4_splat(25)));
  v128_t m = wasm_v128_or(wasm_v128_and(x, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f000000));
  v128_t small = wasm_f32x4_lt(m, wasm_f32x4_splat(0.707106781186547524f));
  e = wasm_i32x4_add(e, small);  // small lanes are -1: one less
  m = wasm_f32x4_sub(wasm_f32x4_add(m, wasm_v128_and(small, m)), wasm_f32x4_splat(1.0f));
  v128_t z = wasm_f32x4_mul(m, m);
  v128_t y = wasm_f32x4_splat(7.0376836292e-2f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-1.1514610310e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(1.1676998740e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-1.2420140846e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(1.4249322787e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-1.6668057665e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(2.0000714765e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-2.4999993993e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(3.3333331174e-1f));
  y = wasm_f32x4_mul(wasm_f32x4_mul(y, m), z);
  v128_t fe = wasm_f32x4_convert_i32x4(e);
  y = wasm_f32x4_add(y, wasm_f32x4_mul(fe, wasm_f32x4_splat(-2.12194440e-4f)));
  y = wasm_f32x4_sub(y, wasm_f32x4_mul(z, wasm_f32x4_splat(0.5f)));
  v128_t result = wasm_f32x4_add(wasm_f32x4_add(m, y), wasm_f32x4_mul(fe, wasm_f32x4_splat(0.693359375f)));
  return wasm_v128_bitselect(special_value, result, special);
}

// 1 / sqrt(x) in double precision, rounded once to float (as tfjs's 1 / Math.sqrt(x)).
static inline v128_t rsqrt4(v128_t x) {
  const v128_t one = wasm_f64x2_splat(1.0);
  v128_t lo = wasm_f64x2_div(one, wasm_f64x2_sqrt(wasm_f64x2_promote_low_f32x4(x)));
  v128_t hi = wasm_f64x2_div(one, wasm_f64x2_sqrt(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x, x, 2, 3, 0, 1))));
  return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5);
}

static inline v128_t unary4(int32_t kind, v128_t x) {
  switch (kind) {
    case UN_RELU: return wasm_f32x4_max(wasm_f32x4_splat(0.0f), x);
    case UN_SIGMOID: {
      // With e = exp(-|x|) <= 1 (no overflow): 1 / (1 + e) for x >= 0, e / (1 + e) below, which
      // also gives the tiny and denormal results where exp(-x) would overflow.
      v128_t one = wasm_f32x4_splat(1.0f);
      v128_t e = exp4(wasm_f32x4_neg(wasm_f32x4_abs(x)));
      v128_t d = wasm_f32x4_add(one, e);
      return wasm_v128_bitselect(wasm_f32x4_div(e, d), wasm_f32x4_div(one, d), wasm_f32x4_lt(x, wasm_f32x4_splat(0.0f)));
    }
    case UN_EXP: return exp4(x);
    case UN_LOG: return log4(x);
    case UN_SQRT: return wasm_f32x4_sqrt(x);
    case UN_RSQRT: return rsqrt4(x);
    case UN_SQUARE: return wasm_f32x4_mul(x, x);
    case UN_ABS: return wasm_f32x4_abs(x);
    case UN_TANH: return tanh4(x);
    default: return wasm_f32x4_neg(x);
  }
}

static inline void unary_range(int32_t kind, const float *x, float *out, int32_t i, int32_t end) {
  for (; i + 4 <= end; i += 4) wasm_v128_store(out + i, unary4(kind, wasm_v128_load(x + i)));
  for (; i < end; i++) out[i] = wasm_f32x4_extract_lane(unary4(kind, wasm_f32x4_splat(x[i])), 0);
}

void run_unary(int32_t *job) {
  const int32_t n = job[J_ROWS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const int32_t kind = job[J_UNARY_KIND];
  const float *x = (const float *)job[J_X];
  float *out = (float *)job[J_OUT];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t i = t * per_task;
    const int32_t end = i + per_task < n ? i + per_task : n;
    switch (kind) {
      case UN_RELU: unary_range(UN_RELU, x, out, i, end); break;
      case UN_SIGMOID: unary_range(UN_SIGMOID, x, out, i, end); break;
      case UN_EXP: unary_range(UN_EXP, x, out, i, end); break;
      case UN_LOG: unary_range(UN_LOG, x, out, i, end); break;
      case UN_SQRT: unary_range(UN_SQRT, x, out, i, end); break;
      case UN_RSQRT: unary_range(UN_RSQRT, x, out, i, end); break;
      case UN_SQUARE: unary_range(UN_SQUARE, x, out, i, end); break;
      case UN_ABS: unary_range(UN_ABS, x, out, i, end); break;
      case UN_TANH: unary_range(UN_TANH, x, out, i, end); break;
      default: unary_range(UN_NEG, x, out, i, end); break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reductions along rows, with tfjs's semantics: max is NaN when the row has a NaN (and keeps the
// first of equal values, which matters for ±0); argmax is the first index of the largest
// non-NaN value, 0 when the row starts with NaN.

static float row_max(const float *x, int32_t n) {
  v128_t vm = wasm_f32x4_splat(x[0]), nan = wasm_i32x4_splat(0);
  int32_t j = 0;
  for (; j + 4 <= n; j += 4) {
    v128_t v = wasm_v128_load(x + j);
    nan = wasm_v128_or(nan, wasm_f32x4_ne(v, v));
    vm = wasm_f32x4_pmax(vm, v);
  }
  float m = hmax(vm);
  int32_t has_nan = wasm_v128_any_true(nan);
  for (; j < n; j++) {
    has_nan |= x[j] != x[j];
    m = x[j] > m ? x[j] : m;
  }
  if (has_nan) return __builtin_nanf("");
  if (m == 0.0f) {
    // ±0: the sign of the first zero that no larger value follows, as tfjs's running maximum.
    m = x[0];
    for (j = 1; j < n; j++) m = x[j] > m ? x[j] : m;
  }
  return m;
}

static int32_t row_argmax(const float *x, int32_t n) {
  if (x[0] != x[0]) return 0;
  v128_t vm = wasm_f32x4_splat(x[0]);
  int32_t j = 0;
  for (; j + 4 <= n; j += 4) vm = wasm_f32x4_pmax(vm, wasm_v128_load(x + j));  // NaN lanes lose
  float m = hmax(vm);
  for (; j < n; j++) m = x[j] > m ? x[j] : m;
  for (j = 0; j < n; j++) if (x[j] == m) return j;
  return 0;
}

static void rows_sum(const float *x, float *out, int32_t r0, int32_t r1, int32_t n, float s);

void run_row_reduce(int32_t *job) {
  const int32_t rows = job[J_ROWS], n = job[J_COLS], per_task = job[J_ROWS_PER_TASK_R];
  const int32_t num_tasks = job[J_NUM_TASKS], kind = job[J_REDUCE_KIND];
  const float *x = (const float *)job[J_X];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    if (kind == RED_SUM) {
      rows_sum(x, (float *)job[J_OUT], t * per_task, r1, n, *(const float *)&job[J_SCALE]);
      continue;
    }
    for (int32_t r = t * per_task; r < r1; r++) {
      if (kind == RED_MAX) ((float *)job[J_OUT])[r] = row_max(x + r * n, n);
      else ((int32_t *)job[J_OUT])[r] = row_argmax(x + r * n, n);
    }
  }
}

// Sums of rows (RED_SUM): each in double precision from 0 in the row's order, rounded once, as
// tfjs's Sum; with J_SCALE each element is first divided by it in float (tfjs's Mean). Four rows
// at a time in two f64x2 accumulators, so that the four dependency chains overlap.
static inline float scaled(float x, float s) { return s != 0.0f ? x / s : x; }

static void rows_sum(const float *x, float *out, int32_t r0, int32_t r1, int32_t n, float s) {
  int32_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const float *x0 = x + r * n, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;
    v128_t a01 = wasm_f64x2_splat(0.0), a23 = a01;
    for (int32_t j = 0; j < n; j++) {
      a01 = wasm_f64x2_add(a01, wasm_f64x2_make(scaled(x0[j], s), scaled(x1[j], s)));
      a23 = wasm_f64x2_add(a23, wasm_f64x2_make(scaled(x2[j], s), scaled(x3[j], s)));
    }
    out[r] = (float)wasm_f64x2_extract_lane(a01, 0);
    out[r + 1] = (float)wasm_f64x2_extract_lane(a01, 1);
    out[r + 2] = (float)wasm_f64x2_extract_lane(a23, 0);
    out[r + 3] = (float)wasm_f64x2_extract_lane(a23, 1);
  }
  for (; r < r1; r++) {
    double sum = 0.0;
    for (int32_t j = 0; j < n; j++) sum += scaled(x[r * n + j], s);
    out[r] = (float)sum;
  }
}

// ---------------------------------------------------------------------------------------------
// One step of PyTorch's GRU layer and its gradient (OP_GRU_CELL, OP_GRU_CELL_GRAD; see
// kernels.h), row blocks of J_ROWS_PER_TASK_R examples per task. The matrix products around
// them (input projections of all steps, W_hh h of each step and the weight gradients) are
// OP_MATMUL jobs issued by src/fast/recurrent.ts.

static inline v128_t sigmoid4(v128_t x) { return unary4(UN_SIGMOID, x); }

static inline void gru_cell4(const float *gi, const float *gh, const float *bih, const float *bhh, const float *hprev,
                             float *h, float *gates, int32_t hidden, int32_t j) {
  const int32_t H = hidden;
  v128_t r = sigmoid4(wasm_f32x4_add(wasm_f32x4_add(wasm_v128_load(gi + j), wasm_v128_load(bih + j)),
                                     wasm_f32x4_add(wasm_v128_load(gh + j), wasm_v128_load(bhh + j))));
  v128_t z = sigmoid4(wasm_f32x4_add(wasm_f32x4_add(wasm_v128_load(gi + H + j), wasm_v128_load(bih + H + j)),
                                     wasm_f32x4_add(wasm_v128_load(gh + H + j), wasm_v128_load(bhh + H + j))));
  v128_t hn = wasm_f32x4_add(wasm_v128_load(gh + 2 * H + j), wasm_v128_load(bhh + 2 * H + j));
  v128_t n = tanh4(wasm_f32x4_add(wasm_f32x4_add(wasm_v128_load(gi + 2 * H + j), wasm_v128_load(bih + 2 * H + j)),
                                  wasm_f32x4_mul(r, hn)));
  v128_t hp = wasm_v128_load(hprev + j);
  // (1 − z)·n + z·h
  wasm_v128_store(h + j, wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sub(wasm_f32x4_splat(1.0f), z), n), wasm_f32x4_mul(z, hp)));
  wasm_v128_store(gates + j, r);
  wasm_v128_store(gates + H + j, z);
  wasm_v128_store(gates + 2 * H + j, n);
  wasm_v128_store(gates + 3 * H + j, hn);
}

void run_gru_cell(int32_t *job) {
  const int32_t rows = job[J_ROWS], H = job[J_COLS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const float *gi = (const float *)job[J_X], *gh = (const float *)job[J_Y];
  const float *bih = (const float *)job[J_GRU_BIH], *bhh = (const float *)job[J_GRU_BHH];
  const float *hprev = (const float *)job[J_GRU_HPREV];
  float *h = (float *)job[J_OUT], *gates = (float *)job[J_GRU_GATES];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    for (int32_t b = t * per_task; b < r1; b++) {
      const float *gib = gi + b * 3 * H, *ghb = gh + b * 3 * H, *hpb = hprev + b * H;
      float *hb = h + b * H, *gb = gates + b * 4 * H;
      int32_t j = 0;
      for (; j + 4 <= H; j += 4) gru_cell4(gib, ghb, bih, bhh, hpb, hb, gb, H, j);
      for (; j < H; j++) {
        // The tail one unit at a time, with the same vector maths on lane 0.
        float r = wasm_f32x4_extract_lane(sigmoid4(wasm_f32x4_splat((gib[j] + bih[j]) + (ghb[j] + bhh[j]))), 0);
        float z = wasm_f32x4_extract_lane(sigmoid4(wasm_f32x4_splat((gib[H + j] + bih[H + j]) + (ghb[H + j] + bhh[H + j]))), 0);
        float hn = ghb[2 * H + j] + bhh[2 * H + j];
        float n = wasm_f32x4_extract_lane(tanh4(wasm_f32x4_splat((gib[2 * H + j] + bih[2 * H + j]) + r * hn)), 0);
        hb[j] = (1.0f - z) * n + z * hpb[j];
        gb[j] = r;
        gb[H + j] = z;
        gb[2 * H + j] = n;
        gb[3 * H + j] = hn;
      }
    }
  }
}

void run_gru_cell_grad(int32_t *job) {
  const int32_t rows = job[J_ROWS], H = job[J_COLS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const float *dy = (const float *)job[J_X], *dh1 = (const float *)job[J_Y], *dh2 = (const float *)job[J_GRU_DH2];
  const float *hprev = (const float *)job[J_GRU_HPREV], *gates = (const float *)job[J_GRU_GATES];
  float *dgi = (float *)job[J_OUT], *dgh = (float *)job[J_GRU_DGH], *dhprev = (float *)job[J_GRU_DHPREV];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    for (int32_t b = t * per_task; b < r1; b++) {
      const float *gb = gates + b * 4 * H;
      float *dgib = dgi + b * 3 * H, *dghb = dgh + b * 3 * H;
      for (int32_t j = 0; j < H; j++) {
        const int32_t k = b * H + j;
        float dh = dy[k];
        if (dh1) dh += dh1[k];
        if (dh2) dh += dh2[k];
        const float r = gb[j], z = gb[H + j], n = gb[2 * H + j], hn = gb[3 * H + j];
        const float dan = dh * (1.0f - z) * (1.0f - n * n);
        const float dar = dan * hn * r * (1.0f - r);
        const float daz = dh * (hprev[k] - n) * z * (1.0f - z);
        dhprev[k] = dh * z;
        dgib[j] = dar;
        dgib[H + j] = daz;
        dgib[2 * H + j] = dan;
        dghb[j] = dar;
        dghb[H + j] = daz;
        dghb[2 * H + j] = dan * r;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PyTorch 1.13's Adam update (torch.optim.Adam, single-tensor path, float32 arithmetic as torch's
// tensor ops), J_ROWS_PER_TASK_R parameters per task:  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
// p ← p − step·m / (√v / √(1 − β₂ᵗ) + eps).

void run_adam(int32_t *job) {
  const int32_t count = job[J_ROWS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const float *p = (const float *)job[J_X], *g = (const float *)job[J_Y];
  const float *m = (const float *)job[J_ADAM_M], *v = (const float *)job[J_ADAM_V];
  float *p_out = (float *)job[J_OUT], *m_out = (float *)job[J_ADAM_M_OUT], *v_out = (float *)job[J_ADAM_V_OUT];
  const float b1 = *(const float *)&job[J_ADAM_B1], b2 = *(const float *)&job[J_ADAM_B2];
  const float step = *(const float *)&job[J_ADAM_STEP], bc2 = *(const float *)&job[J_ADAM_BC2];
  const float eps = *(const float *)&job[J_ADAM_EPS];
  const v128_t vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2), v1b1 = wasm_f32x4_splat(1.0f - b1);
  const v128_t v1b2 = wasm_f32x4_splat(1.0f - b2), vstep = wasm_f32x4_splat(step), vbc2 = wasm_f32x4_splat(bc2);
  const v128_t veps = wasm_f32x4_splat(eps);
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    int32_t i = t * per_task;
    const int32_t end = i + per_task < count ? i + per_task : count;
    for (; i + 4 <= end; i += 4) {
      v128_t gi = wasm_v128_load(g + i);
      v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + i)), wasm_f32x4_mul(v1b1, gi));
      v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + i)), wasm_f32x4_mul(wasm_f32x4_mul(v1b2, gi), gi));
      v128_t denom = wasm_f32x4_add(wasm_f32x4_div(wasm_f32x4_sqrt(vi), vbc2), veps);
      wasm_v128_store(p_out + i, wasm_f32x4_sub(wasm_v128_load(p + i), wasm_f32x4_div(wasm_f32x4_mul(vstep, mi), denom)));
      wasm_v128_store(m_out + i, mi);
      wasm_v128_store(v_out + i, vi);
    }
    for (; i < end; i++) {
      const float gi = g[i];
      const float mi = b1 * m[i] + (1.0f - b1) * gi;
      const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
      p_out[i] = p[i] - (step * mi) / (__builtin_sqrtf(vi) / bc2 + eps);
      m_out[i] = mi;
      v_out[i] = vi;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Dropout with a counter-based mask (OP_DROPOUT; see kernels.h), four elements at a time.

static inline uint32_t dropout_hash(uint32_t i, uint32_t seed) {
  uint32_t h = (i * 0x9E3779B9u) ^ seed;
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}

void run_dropout(int32_t *job) {
  const int32_t count = job[J_ROWS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const float *x = (const float *)job[J_X];
  float *out = (float *)job[J_OUT];
  const uint32_t seed = (uint32_t)job[J_DROP_SEED], threshold = (uint32_t)job[J_DROP_THRESHOLD];
  const float scale = *(const float *)&job[J_DROP_SCALE];
  const v128_t vseed = wasm_i32x4_splat((int32_t)seed), vthr = wasm_i32x4_splat((int32_t)threshold);
  const v128_t vscale = wasm_f32x4_splat(scale), golden = wasm_i32x4_splat((int32_t)0x9E3779B9u);
  const v128_t m1 = wasm_i32x4_splat((int32_t)0x85EBCA6Bu), m2 = wasm_i32x4_splat((int32_t)0xC2B2AE35u);
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    int32_t i = t * per_task;
    const int32_t end = i + per_task < count ? i + per_task : count;
    for (; i + 4 <= end; i += 4) {
      v128_t h = wasm_i32x4_add(wasm_i32x4_splat(i), wasm_i32x4_make(0, 1, 2, 3));
      h = wasm_v128_xor(wasm_i32x4_mul(h, golden), vseed);
      h = wasm_v128_xor(h, wasm_u32x4_shr(h, 16));
      h = wasm_i32x4_mul(h, m1);
      h = wasm_v128_xor(h, wasm_u32x4_shr(h, 13));
      h = wasm_i32x4_mul(h, m2);
      h = wasm_v128_xor(h, wasm_u32x4_shr(h, 16));
      // The mask entry as a number, scale or 0 (1.0 or 0.0 from the comparison's 0 / −1 lanes),
      // multiplied in: x · 0 where dropped, as the host's x · mask (NaN stays NaN, −x gives −0;
      // a bitwise select would give +0).
      v128_t keep01 = wasm_f32x4_convert_i32x4(wasm_i32x4_add(wasm_u32x4_lt(h, vthr), wasm_i32x4_splat(1)));
      wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(x + i), wasm_f32x4_mul(vscale, keep01)));
    }
    for (; i < end; i++) out[i] = x[i] * (dropout_hash((uint32_t)i, seed) < threshold ? 0.0f : scale);
  }
}

// ---------------------------------------------------------------------------------------------
// Softmax cross-entropy against integer labels (OP_CROSS_ENTROPY and its gradient; kernels.h).

static float cross_entropy_row(const float *z, int32_t n, int32_t label) {
  int32_t j = 0;
  const float mx = row_pmax(z, n);
  const v128_t vmx = wasm_f32x4_splat(mx);
  v128_t vs = wasm_f32x4_splat(0.0f);
  float sum = 0.0f;
  for (j = 0; j + 4 <= n; j += 4) vs = wasm_f32x4_add(vs, exp_nonpositive(wasm_f32x4_sub(wasm_v128_load(z + j), vmx)));
  for (; j < n; j++) sum += wasm_f32x4_extract_lane(exp_nonpositive(wasm_f32x4_splat(z[j] - mx)), 0);
  sum += hsum(vs);
  return (mx + wasm_f32x4_extract_lane(log4(wasm_f32x4_splat(sum)), 0)) - z[label];
}

void run_cross_entropy(int32_t *job) {
  const int32_t rows = job[J_ROWS], n = job[J_COLS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const float *z = (const float *)job[J_X];
  const int32_t *labels = (const int32_t *)job[J_Y];
  float *out = (float *)job[J_OUT];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    for (int32_t r = t * per_task; r < r1; r++) out[r] = cross_entropy_row(z + r * n, n, labels[r]);
  }
}

void run_cross_entropy_grad(int32_t *job) {
  const int32_t rows = job[J_ROWS], n = job[J_COLS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const float *z = (const float *)job[J_X], *dy = (const float *)job[J_XENT_DY];
  const int32_t *labels = (const int32_t *)job[J_Y];
  float *out = (float *)job[J_OUT];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    for (int32_t r = t * per_task; r < r1; r++) {
      float *o = out + r * n;
      softmax_row(z + r * n, o, n);
      const float d = dy[r];
      const v128_t vd = wasm_f32x4_splat(d);
      int32_t j = 0;
      for (; j + 4 <= n; j += 4) wasm_v128_store(o + j, wasm_f32x4_mul(wasm_v128_load(o + j), vd));
      for (; j < n; j++) o[j] *= d;
      o[labels[r]] -= d;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Column sums (OP_COLUMN_SUM; kernels.h): 16 vectors of partial sums per block of 64 columns.

void run_column_sum(int32_t *job) {
  const int32_t rows = job[J_ROWS], cols = job[J_COLS], num_tasks = job[J_NUM_TASKS];
  const float *x = (const float *)job[J_X];
  float *out = (float *)job[J_OUT];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t c0 = t * COLUMN_SUM_BLOCK;
    const int32_t c1 = c0 + COLUMN_SUM_BLOCK < cols ? c0 + COLUMN_SUM_BLOCK : cols;
    if (c1 - c0 == COLUMN_SUM_BLOCK) {
      v128_t acc[COLUMN_SUM_BLOCK / 4];
      for (int32_t q = 0; q < COLUMN_SUM_BLOCK / 4; q++) acc[q] = wasm_f32x4_splat(0.0f);
      for (int32_t r = 0; r < rows; r++) {
        const float *row = x + (int64_t)r * cols + c0;
        for (int32_t q = 0; q < COLUMN_SUM_BLOCK / 4; q++) acc[q] = wasm_f32x4_add(acc[q], wasm_v128_load(row + 4 * q));
      }
      for (int32_t q = 0; q < COLUMN_SUM_BLOCK / 4; q++) wasm_v128_store(out + c0 + 4 * q, acc[q]);
    } else {
      for (int32_t c = c0; c < c1; c++) out[c] = 0.0f;
      for (int32_t r = 0; r < rows; r++) {
        const float *row = x + (int64_t)r * cols;
        for (int32_t c = c0; c < c1; c++) out[c] += row[c];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sums over axes that are not all innermost (OP_AXIS_SUM; kernels.h). Where the kept innermost
// axis is contiguous, 16 neighbouring outputs advance together in eight f64x2 accumulators, each
// lane still adding its own terms in row-major order, so the result is the sequential sum's.

static inline v128_t promote_high(v128_t v) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)); }

// Four floats from the sums of outputs 0–1 (a) and 2–3 (b), each rounded once.
static inline v128_t demote4(v128_t a, v128_t b) {
  return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(a), wasm_f32x4_demote_f64x2_zero(b), 0, 1, 4, 5);
}

// 16 contiguous outputs (x and out point at the first); `divide`: whether to divide by s first.
static inline void axis_sum16(const float *x, float *out, const int32_t *term_at, int32_t terms, int32_t n,
                              int32_t is, float s, int32_t divide) {
  const v128_t vs = wasm_f32x4_splat(s);
  v128_t a0 = wasm_f64x2_splat(0.0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (int32_t k = 0; k < terms; k++) {
    const float *p = x + term_at[k];
    for (int32_t i = 0; i < n; i++, p += is) {
      v128_t v0 = wasm_v128_load(p), v1 = wasm_v128_load(p + 4), v2 = wasm_v128_load(p + 8), v3 = wasm_v128_load(p + 12);
      if (divide) {
        v0 = wasm_f32x4_div(v0, vs);
        v1 = wasm_f32x4_div(v1, vs);
        v2 = wasm_f32x4_div(v2, vs);
        v3 = wasm_f32x4_div(v3, vs);
      }
      a0 = wasm_f64x2_add(a0, wasm_f64x2_promote_low_f32x4(v0));
      a1 = wasm_f64x2_add(a1, promote_high(v0));
      a2 = wasm_f64x2_add(a2, wasm_f64x2_promote_low_f32x4(v1));
      a3 = wasm_f64x2_add(a3, promote_high(v1));
      a4 = wasm_f64x2_add(a4, wasm_f64x2_promote_low_f32x4(v2));
      a5 = wasm_f64x2_add(a5, promote_high(v2));
      a6 = wasm_f64x2_add(a6, wasm_f64x2_promote_low_f32x4(v3));
      a7 = wasm_f64x2_add(a7, promote_high(v3));
    }
  }
  wasm_v128_store(out, demote4(a0, a1));
  wasm_v128_store(out + 4, demote4(a2, a3));
  wasm_v128_store(out + 8, demote4(a4, a5));
  wasm_v128_store(out + 12, demote4(a6, a7));
}

// Four outputs `cs` apart in x (any stride: the elements are gathered into f64x2 pairs).
static inline void axis_sum4(const float *x, int32_t cs, float *out, const int32_t *term_at, int32_t terms, int32_t n,
                             int32_t is, float s) {
  const float *x0 = x, *x1 = x0 + cs, *x2 = x1 + cs, *x3 = x2 + cs;
  v128_t a01 = wasm_f64x2_splat(0.0), a23 = a01;
  for (int32_t k = 0; k < terms; k++) {
    for (int32_t i = 0, at = term_at[k]; i < n; i++, at += is) {
      a01 = wasm_f64x2_add(a01, wasm_f64x2_make(scaled(x0[at], s), scaled(x1[at], s)));
      a23 = wasm_f64x2_add(a23, wasm_f64x2_make(scaled(x2[at], s), scaled(x3[at], s)));
    }
  }
  wasm_v128_store(out, demote4(a01, a23));
}

static inline float axis_sum1(const float *x, const int32_t *term_at, int32_t terms, int32_t n, int32_t is, float s) {
  double sum = 0.0;
  for (int32_t k = 0; k < terms; k++) {
    for (int32_t i = 0, at = term_at[k]; i < n; i++, at += is) sum += scaled(x[at], s);
  }
  return (float)sum;
}

void run_axis_sum(int32_t *job) {
  const int32_t rows = job[J_ROWS], cols = job[J_COLS], num_tasks = job[J_NUM_TASKS];
  const int32_t rows_per_task = job[J_ROWS_PER_TASK_R], cols_per_task = job[J_SUM_COLS_PER_TASK];
  const int32_t terms = job[J_SUM_TERMS], n = job[J_SUM_INNER], is = job[J_SUM_INNER_STRIDE], cs = job[J_SUM_COL_STRIDE];
  const float s = *(const float *)&job[J_SCALE];
  const float *x = (const float *)job[J_X];
  const int32_t *row_at = (const int32_t *)job[J_Y], *term_at = row_at + rows;
  float *out = (float *)job[J_OUT];
  const int32_t col_blocks = (cols + cols_per_task - 1) / cols_per_task;
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r0 = t / col_blocks * rows_per_task, c0 = t % col_blocks * cols_per_task;
    const int32_t r1 = r0 + rows_per_task < rows ? r0 + rows_per_task : rows;
    const int32_t c1 = c0 + cols_per_task < cols ? c0 + cols_per_task : cols;
    for (int32_t r = r0; r < r1; r++) {
      const float *xr = x + row_at[r];
      float *o = out + (int64_t)r * cols;
      int32_t c = c0;
      if (cs == 1) {
        if (s != 0.0f) {
          for (; c + 16 <= c1; c += 16) axis_sum16(xr + c, o + c, term_at, terms, n, is, s, 1);
        } else {
          for (; c + 16 <= c1; c += 16) axis_sum16(xr + c, o + c, term_at, terms, n, is, s, 0);
        }
      }
      for (; c + 4 <= c1; c += 4) axis_sum4(xr + c * cs, cs, o + c, term_at, terms, n, is, s);
      for (; c < c1; c++) o[c] = axis_sum1(xr + c * cs, term_at, terms, n, is, s);
    }
  }
}
