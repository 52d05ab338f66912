// Section 11.3's additive attention scores s[b,i,j] = Σ_h w_v[h] · tanh(q[b,i,h] + k[b,j,h]) and
// their gradient (OP_ADDITIVE_SCORES, OP_ADDITIVE_SCORES_GRAD in kernels.h): the features
// tanh(q + k) are written once, for the backward, without the broadcast sum, the separate tanh
// and w_v product the book's code runs, nor the sums over a middle axis its gradient needs.
#include "kernels.h"

// Σ_h w[h] · t[h] with t = tanh(q + k) stored: four lanes, then the tail on lane 0.
static inline float score(const float *q, const float *k, const float *w, float *t, int32_t h) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  int32_t c = 0;
  for (; c + 4 <= h; c += 4) {
    v128_t tc = tanh4(wasm_f32x4_add(wasm_v128_load(q + c), wasm_v128_load(k + c)));
    wasm_v128_store(t + c, tc);
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(w + c), tc));
  }
  float sum = hsum(acc);
  for (; c < h; c++) {
    t[c] = wasm_f32x4_extract_lane(tanh4(wasm_f32x4_splat(q[c] + k[c])), 0);
    sum += w[c] * t[c];
  }
  return sum;
}

void run_additive_scores(int32_t *job) {
  const int32_t rows = job[J_ROWS], h = job[J_COLS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const int32_t queries = job[J_ATT_QUERIES], keys = job[J_ATT_KEYS];
  const float *q = (const float *)job[J_X], *k = (const float *)job[J_Y], *w = (const float *)job[J_ATT_WV];
  float *out = (float *)job[J_OUT], *features = (float *)job[J_ATT_FEATURES];
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    for (int32_t r = t * per_task; r < r1; r++) {
      const float *kb = k + (int64_t)(r / queries) * keys * h;
      for (int32_t j = 0; j < keys; j++) {
        const int64_t pair = (int64_t)r * keys + j;
        out[pair] = score(q + (int64_t)r * h, kb + (int64_t)j * h, w, features + pair * h, h);
      }
    }
  }
}

// One (query, key) pair's gradient terms from its features t = tanh(q + k), with ds = ∂L/∂s:
// g = ds·w·(1 − t²) adds to dq and dk, ds·t to the batch's dw_v terms.
static inline void pair_grad(const float *t, const float *w, float ds, float *dq, float *dk, float *dw, int32_t h) {
  const v128_t vds = wasm_f32x4_splat(ds), one = wasm_f32x4_splat(1.0f);
  int32_t c = 0;
  for (; c + 4 <= h; c += 4) {
    v128_t tc = wasm_v128_load(t + c);
    v128_t g = wasm_f32x4_mul(wasm_f32x4_mul(vds, wasm_v128_load(w + c)), wasm_f32x4_sub(one, wasm_f32x4_mul(tc, tc)));
    wasm_v128_store(dq + c, wasm_f32x4_add(wasm_v128_load(dq + c), g));
    wasm_v128_store(dk + c, wasm_f32x4_add(wasm_v128_load(dk + c), g));
    wasm_v128_store(dw + c, wasm_f32x4_add(wasm_v128_load(dw + c), wasm_f32x4_mul(vds, tc)));
  }
  for (; c < h; c++) {
    const float g = ds * w[c] * (1.0f - t[c] * t[c]);
    dq[c] += g;
    dk[c] += g;
    dw[c] += ds * t[c];
  }
}

void run_additive_scores_grad(int32_t *job) {
  const int32_t h = job[J_COLS], num_tasks = job[J_NUM_TASKS];
  const int32_t queries = job[J_ATT_QUERIES], keys = job[J_ATT_KEYS];
  const float *w = (const float *)job[J_ATT_WV], *features = (const float *)job[J_ATT_FEATURES];
  const float *ds = (const float *)job[J_ATT_DS];
  float *dq = (float *)job[J_ATT_DQ], *dk = (float *)job[J_ATT_DK], *dw = (float *)job[J_ATT_DWV];
  for (int32_t b = take_task(job); b < num_tasks; b = take_task(job)) {
    float *dkb = dk + (int64_t)b * keys * h, *dwb = dw + (int64_t)b * h;
    __builtin_memset(dkb, 0, (uint32_t)(keys * h) * 4);
    __builtin_memset(dwb, 0, (uint32_t)h * 4);
    for (int32_t i = 0; i < queries; i++) {
      const int64_t r = (int64_t)b * queries + i;
      float *dqr = dq + r * h;
      __builtin_memset(dqr, 0, (uint32_t)h * 4);
      for (int32_t j = 0; j < keys; j++) {
        const int64_t pair = r * keys + j;
        pair_grad(features + pair * h, w, ds[pair], dqr, dkb + (int64_t)j * h, dwb, h);
      }
    }
  }
}
