// Layer normalisation over the last axis (PyTorch's nn.LayerNorm, section 8.5; AddNorm in 11.7)
// in one pass per row forward and one backward: mean and biased variance in double precision,
// y = (x − mean)·rstd·weight + bias with rstd = 1/√(variance + eps).
#include "kernels.h"

// Mean and 1/√(variance + eps) of a row, accumulated in double precision as tfjs's sums are.
static void row_stats(const float *x, int32_t n, float eps, float *mean_out, float *rstd_out) {
  double sum = 0.0;
  for (int32_t j = 0; j < n; j++) sum += x[j];
  const float mean = (float)(sum / n);
  double sq = 0.0;
  for (int32_t j = 0; j < n; j++) {
    const float d = x[j] - mean;
    sq += (double)(d * d);
  }
  *mean_out = mean;
  *rstd_out = (float)(1.0 / __builtin_sqrt(sq / n + (double)eps));
}

void run_layer_norm(int32_t *job) {
  const int32_t rows = job[J_ROWS], n = job[J_COLS], per_task = job[J_ROWS_PER_TASK_R];
  const int32_t num_tasks = job[J_NUM_TASKS];
  const float *x = (const float *)job[J_X], *w = (const float *)job[J_W], *b = (const float *)job[J_V];
  const float eps = *(const float *)&job[J_EPS];
  float *y = (float *)job[J_OUT], *mean = (float *)job[J_MEAN], *rstd = (float *)job[J_RSTD];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    for (int32_t r = t * per_task; r < r1; r++) {
      const float *xr = x + r * n;
      float *yr = y + r * n;
      row_stats(xr, n, eps, &mean[r], &rstd[r]);
      const v128_t vm = wasm_f32x4_splat(mean[r]), vr = wasm_f32x4_splat(rstd[r]);
      int32_t j = 0;
      for (; j + 4 <= n; j += 4) {
        v128_t xhat = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), vm), vr);
        wasm_v128_store(yr + j, wasm_f32x4_add(wasm_f32x4_mul(xhat, wasm_v128_load(w + j)), wasm_v128_load(b + j)));
      }
      for (; j < n; j++) yr[j] = (xr[j] - mean[r]) * rstd[r] * w[j] + b[j];
    }
  }
}

// dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)) with dxhat = dy·weight; the weight's
// and bias's gradients sum dy·xhat and dy over the rows (in double precision, thread 0 alone).
void run_layer_norm_grad(int32_t *job) {
  if (take_task(job) != 0) return;
  const int32_t rows = job[J_ROWS], n = job[J_COLS];
  const float *x = (const float *)job[J_X], *w = (const float *)job[J_W], *dy = (const float *)job[J_DY];
  const float *mean = (const float *)job[J_MEAN], *rstd = (const float *)job[J_RSTD];
  float *dx = (float *)job[J_OUT], *dw = (float *)job[J_DQ], *db = (float *)job[J_DK];
  double *acc_w = (double *)job[J_SCRATCH], *acc_b = acc_w + n;
  __builtin_memset(acc_w, 0, (uint32_t)n * 16);
  for (int32_t r = 0; r < rows; r++) {
    const float *xr = x + r * n, *dyr = dy + r * n;
    float *dxr = dx + r * n;
    const float m = mean[r], s = rstd[r];
    double sum_g = 0.0, sum_gx = 0.0;
    for (int32_t j = 0; j < n; j++) {
      const float xhat = (xr[j] - m) * s;
      const float g = dyr[j] * w[j];
      sum_g += g;
      sum_gx += (double)(g * xhat);
      acc_w[j] += (double)(dyr[j] * xhat);
      acc_b[j] += dyr[j];
    }
    const float mg = (float)(sum_g / n), mgx = (float)(sum_gx / n);
    const v128_t vm = wasm_f32x4_splat(m), vs = wasm_f32x4_splat(s), vmg = wasm_f32x4_splat(mg), vmgx = wasm_f32x4_splat(mgx);
    int32_t j = 0;
    for (; j + 4 <= n; j += 4) {
      v128_t xhat = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), vm), vs);
      v128_t g = wasm_f32x4_mul(wasm_v128_load(dyr + j), wasm_v128_load(w + j));
      v128_t d = wasm_f32x4_sub(wasm_f32x4_sub(g, vmg), wasm_f32x4_mul(xhat, vmgx));
      wasm_v128_store(dxr + j, wasm_f32x4_mul(d, vs));
    }
    for (; j < n; j++) {
      const float xhat = (xr[j] - m) * s;
      dxr[j] = ((dyr[j] * w[j] - mg) - xhat * mgx) * s;
    }
  }
  for (int32_t j = 0; j < n; j++) {
    dw[j] = (float)acc_w[j];
    db[j] = (float)acc_b[j];
  }
}
