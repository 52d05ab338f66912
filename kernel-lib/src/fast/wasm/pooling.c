// Section 11.2's parametric attention pooling in one pass per query: the weights
// softmax_j(-((q_i - k_j) w)^2 / 2) and the prediction sum_j weights_ij v_j, and the gradients
// with respect to the queries, keys, width and values. The forward rounds as the book's chain of
// tensor ops does (difference, product, square, negation, halving, then the softmax and the
// matrix-vector product of the other kernels), so its results equal that chain's.
#include "kernels.h"

void run_nw_pool(int32_t *job) {
  const int32_t rows = job[J_ROWS], n = job[J_COLS], per_task = job[J_ROWS_PER_TASK_R];
  const int32_t num_tasks = job[J_NUM_TASKS];
  const float *q = (const float *)job[J_X], *k = (const float *)job[J_Y], *v = (const float *)job[J_V];
  const v128_t w = wasm_f32x4_splat(*(const float *)job[J_W]), two = wasm_f32x4_splat(2.0f);
  float *weights = (float *)job[J_OUT], *yhat = (float *)job[J_YHAT];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    for (int32_t i = t * per_task; i < r1; i++) {
      float *p = weights + i * n;
      const v128_t qi = wasm_f32x4_splat(q[i]);
      int32_t j = 0;
      for (; j + 4 <= n; j += 4) {
        v128_t x = wasm_f32x4_mul(wasm_f32x4_sub(qi, wasm_v128_load(k + j)), w);
        wasm_v128_store(p + j, wasm_f32x4_div(wasm_f32x4_neg(wasm_f32x4_mul(x, x)), two));
      }
      for (; j < n; j++) {
        float x = (q[i] - k[j]) * wasm_f32x4_extract_lane(w, 0);
        p[j] = -(x * x) / 2.0f;
      }
      softmax_row(p, p, n);
      yhat[i] = dot_f32(p, v, n);
    }
  }
}

void run_nw_pool_grad(int32_t *job, uint8_t *scratch) {
  (void)scratch;
  if (take_task(job) != 0) return;  // the key and value gradients sum over all queries
  const int32_t rows = job[J_ROWS], n = job[J_COLS];
  const float *q = (const float *)job[J_X], *k = (const float *)job[J_Y], *v = (const float *)job[J_V];
  const float *weights = (const float *)job[J_OUT], *dy = (const float *)job[J_DY];
  const float *dweights = (const float *)job[J_DWEIGHTS];
  const float wf = *(const float *)job[J_W];
  const v128_t w = wasm_f32x4_splat(wf), half = wasm_f32x4_splat(0.5f), two = wasm_f32x4_splat(2.0f);
  float *dq = (float *)job[J_DQ], *dk = (float *)job[J_DK], *dv = (float *)job[J_DV];
  __builtin_memset(dk, 0, (uint32_t)n * 4);
  __builtin_memset(dv, 0, (uint32_t)n * 4);
  double dw = 0.0;
  for (int32_t i = 0; i < rows; i++) {
    const float *p = weights + i * n;
    const float *dpi = dweights ? dweights + i * n : 0;
    const float dyi = dy[i];
    const v128_t vdy = wasm_f32x4_splat(dyi), qi = wasm_f32x4_splat(q[i]);
    // dL/dweights_ij = dy_i v_j (+ the weights' own upstream gradient); its dot with the row.
    v128_t acc = wasm_f32x4_splat(0);
    int32_t j = 0;
    for (; j + 4 <= n; j += 4) {
      v128_t dp = wasm_f32x4_mul(vdy, wasm_v128_load(v + j));
      if (dpi) dp = wasm_f32x4_add(dp, wasm_v128_load(dpi + j));
      FMA(acc, wasm_v128_load(p + j), dp);
    }
    float dot = hsum(acc);
    for (; j < n; j++) dot += p[j] * (dyi * v[j] + (dpi ? dpi[j] : 0.0f));
    // Through the softmax (g), the halving and negation, the square (2x) and the product with w.
    const v128_t vdot = wasm_f32x4_splat(dot);
    v128_t dq_acc = wasm_f32x4_splat(0), dw_acc = dq_acc;
    for (j = 0; j + 4 <= n; j += 4) {
      v128_t pj = wasm_v128_load(p + j);
      v128_t dp = wasm_f32x4_mul(vdy, wasm_v128_load(v + j));
      if (dpi) dp = wasm_f32x4_add(dp, wasm_v128_load(dpi + j));
      v128_t g = wasm_f32x4_mul(pj, wasm_f32x4_sub(dp, vdot));
      v128_t d = wasm_f32x4_sub(qi, wasm_v128_load(k + j));
      v128_t dx = wasm_f32x4_mul(wasm_f32x4_neg(wasm_f32x4_mul(g, half)), wasm_f32x4_mul(wasm_f32x4_mul(d, w), two));
      v128_t dd = wasm_f32x4_mul(dx, w);
      dq_acc = wasm_f32x4_add(dq_acc, dd);
      wasm_v128_store(dk + j, wasm_f32x4_sub(wasm_v128_load(dk + j), dd));
      dw_acc = wasm_f32x4_add(dw_acc, wasm_f32x4_mul(dx, d));
      wasm_v128_store(dv + j, wasm_f32x4_add(wasm_v128_load(dv + j), wasm_f32x4_mul(pj, vdy)));
    }
    float dqi = hsum(dq_acc);
    dw += hsum(dw_acc);
    for (; j < n; j++) {
      float dp = dyi * v[j] + (dpi ? dpi[j] : 0.0f);
      float g = p[j] * (dp - dot);
      float d = q[i] - k[j];
      float dx = -(g * 0.5f) * ((d * wf) * 2.0f);
      dqi += dx * wf;
      dk[j] -= dx * wf;
      dw += dx * d;
      dv[j] += p[j] * dyi;
    }
    dq[i] = dqi;
  }
  *(float *)job[J_DWIDTH] = (float)dw;
}
