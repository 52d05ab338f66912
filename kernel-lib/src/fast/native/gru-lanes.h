// The GRU step's arithmetic on LANES lanes at a time, included by gru.c once per instruction set
// with its vector operations defined (see there) and every function compiled for that target.
// Each operation mirrors one of the WebAssembly kernel's (wasm/elementwise.c, wasm/kernels.h), in
// the same order and without fused multiply-adds, so that every lane's result is bit-identical to
// WebAssembly's (the maths is the same function of each lane; the width does not matter).

// 2^n for integer-valued floats n in [-126, 127], from its exponent bits (kernels.h's pow2).
static inline V FN(pow2)(V n) { return V_POW2_FROM_BITS(V_ADD(n, V_SPLAT(12582912.0f))); }

// Cephes' expf in two steps (kernels.h's exp_round and exp_reduced).
static inline V FN(exp_round)(V x) {
  return V_FLOOR(V_ADD(V_MUL(x, V_SPLAT(1.44269504088896341f)), V_SPLAT(0.5f)));
}

static inline V FN(exp_reduced)(V x, V fx) {
  x = V_SUB(x, V_MUL(fx, V_SPLAT(0.693359375f)));
  x = V_SUB(x, V_MUL(fx, V_SPLAT(-2.12194440e-4f)));
  const V z = V_MUL(x, x);
  V y = V_SPLAT(1.9875691500e-4f);
  y = V_ADD(V_MUL(y, x), V_SPLAT(1.3981999507e-3f));
  y = V_ADD(V_MUL(y, x), V_SPLAT(8.3334519073e-3f));
  y = V_ADD(V_MUL(y, x), V_SPLAT(4.1665795894e-2f));
  y = V_ADD(V_MUL(y, x), V_SPLAT(1.6666665459e-1f));
  y = V_ADD(V_MUL(y, x), V_SPLAT(5.0000001201e-1f));
  return V_ADD(V_ADD(V_MUL(y, z), x), V_SPLAT(1.0f));
}

// exp(x) for x <= 0, flushed to 0 below -87.34, NaN kept (kernels.h's exp_nonpositive).
static inline V FN(exp_nonpositive)(V x) {
  const V lo = V_SPLAT(-87.33654f);
  const VM keep = M_OR(M_GE(x, lo), M_NE(x, x));
  x = V_MAX(lo, x); // wasm's f32x4.max(x, lo): a NaN x stays NaN
  const V fx = FN(exp_round)(x);
  return V_SEL(keep, V_MUL(FN(exp_reduced)(x, fx), FN(pow2)(fx)), V_SPLAT(0.0f));
}

// exp over the whole float range (elementwise.c's exp4).
static inline V FN(exp)(V x) {
  const V hi = V_SPLAT(88.72283935546875f), lo = V_SPLAT(-103.97208404541015625f);
  const VM nan = M_NE(x, x), over = M_GT(x, hi);
  const V xc = V_MIN(hi, V_MAX(lo, x)); // wasm's pmin(pmax(x, lo), hi)
  const V fx = FN(exp_round)(xc);
  V y = FN(exp_reduced)(xc, fx);
  if (M_ANY(M_LT(fx, V_SPLAT(-126.0f)))) {
    const V n1 = V_FLOOR(V_MUL(fx, V_SPLAT(0.5f)));
    y = V_MUL(V_MUL(y, FN(pow2)(n1)), FN(pow2)(V_SUB(fx, n1)));
  } else {
    const VM top = M_GT(fx, V_SPLAT(127.0f));
    y = V_MUL(y, FN(pow2)(V_SUB(fx, V_SEL(top, V_SPLAT(1.0f), V_SPLAT(0.0f)))));
    y = V_SEL(top, V_ADD(y, y), y);
  }
  y = V_SEL(over, V_SPLAT(__builtin_inff()), y);
  return V_SEL(nan, x, y);
}

// elementwise.c's unary4(UN_SIGMOID, x).
static inline V FN(sigmoid)(V x) {
  const V one = V_SPLAT(1.0f);
  const V e = FN(exp)(V_XOR_BITS(V_AND_BITS(x, 0x7fffffff), (int32_t)0x80000000)); // -|x|
  const V d = V_ADD(one, e);
  return V_SEL(M_LT(x, V_SPLAT(0.0f)), V_DIV(e, d), V_DIV(one, d));
}

// elementwise.c's tanh4.
static inline V FN(tanh)(V x) {
  const V ax = V_AND_BITS(x, 0x7fffffff);
  const V z = V_MUL(x, x);
  V p = V_SPLAT(-5.70498872745e-3f);
  p = V_ADD(V_MUL(p, z), V_SPLAT(2.06390887954e-2f));
  p = V_ADD(V_MUL(p, z), V_SPLAT(-5.37397155531e-2f));
  p = V_ADD(V_MUL(p, z), V_SPLAT(1.33314422036e-1f));
  p = V_ADD(V_MUL(p, z), V_SPLAT(-3.33332819422e-1f));
  const V small = V_ADD(V_MUL(V_MUL(p, z), x), x);
  const V e = FN(exp_nonpositive)(V_MUL(ax, V_SPLAT(-2.0f)));
  const V big = V_SUB(V_SPLAT(1.0f), V_DIV(V_ADD(e, e), V_ADD(V_SPLAT(1.0f), e)));
  const V magnitude = V_AND_BITS(V_SEL(M_LT(ax, V_SPLAT(0.625f)), small, big), 0x7fffffff);
  return V_OR(magnitude, V_AND_BITS(x, (int32_t)0x80000000));
}

// Loads and stores of LANES floats, or of the first `tail` lanes' mask when `partial`.
#define LD(p) (partial ? V_LOAD_FIRST(p, tail) : V_LOAD(p))
#define ST(p, v) (partial ? V_STORE_FIRST(p, tail, v) : V_STORE(p, v))

// elementwise.c's gru_cell4 on units j.. of one example.
static inline void FN(cell)(const float *gi, const float *gh, const float *bih, const float *bhh, const float *hprev,
                            float *h, float *gates, size_t H, size_t j, int partial, TM tail) {
  const V r = FN(sigmoid)(V_ADD(V_ADD(LD(gi + j), LD(bih + j)), V_ADD(LD(gh + j), LD(bhh + j))));
  const V z = FN(sigmoid)(V_ADD(V_ADD(LD(gi + H + j), LD(bih + H + j)), V_ADD(LD(gh + H + j), LD(bhh + H + j))));
  const V hn = V_ADD(LD(gh + 2 * H + j), LD(bhh + 2 * H + j));
  const V n = FN(tanh)(V_ADD(V_ADD(LD(gi + 2 * H + j), LD(bih + 2 * H + j)), V_MUL(r, hn)));
  // (1 − z)·n + z·h
  ST(h + j, V_ADD(V_MUL(V_SUB(V_SPLAT(1.0f), z), n), V_MUL(z, LD(hprev + j))));
  ST(gates + j, r);
  ST(gates + H + j, z);
  ST(gates + 2 * H + j, n);
  ST(gates + 3 * H + j, hn);
}

// elementwise.c's run_gru_cell_grad on units j.. of one example (dh1, dh2: NULL when absent).
static inline void FN(cell_grad)(const float *dy, const float *dh1, const float *dh2, const float *hprev,
                                 const float *gates, float *dgi, float *dgh, float *dhprev, size_t H, size_t j,
                                 int partial, TM tail) {
  const V one = V_SPLAT(1.0f);
  V dh = LD(dy + j);
  if (dh1) dh = V_ADD(dh, LD(dh1 + j));
  if (dh2) dh = V_ADD(dh, LD(dh2 + j));
  const V r = LD(gates + j), z = LD(gates + H + j), n = LD(gates + 2 * H + j), hn = LD(gates + 3 * H + j);
  const V dan = V_MUL(V_MUL(dh, V_SUB(one, z)), V_SUB(one, V_MUL(n, n)));
  const V dar = V_MUL(V_MUL(V_MUL(dan, hn), r), V_SUB(one, r));
  const V daz = V_MUL(V_MUL(V_MUL(dh, V_SUB(LD(hprev + j), n)), z), V_SUB(one, z));
  ST(dhprev + j, V_MUL(dh, z));
  ST(dgi + j, dar);
  ST(dgi + H + j, daz);
  ST(dgi + 2 * H + j, dan);
  ST(dgh + j, dar);
  ST(dgh + H + j, daz);
  ST(dgh + 2 * H + j, V_MUL(dan, r));
}

#undef LD
#undef ST

// A field of the job as a pointer into the memory at `base` (NULL for 0: an absent operand).
#define AT(field) (job[field] ? (float *)(base + (uint32_t)job[field]) : NULL)

// OP_GRU_CELL: this thread's row blocks.
static void FN(run_cell)(uint8_t *base, int32_t *job) {
  const int32_t rows = job[J_ROWS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const size_t H = (size_t)job[J_COLS];
  const float *gi = AT(J_X), *gh = AT(J_Y), *bih = AT(J_GRU_BIH), *bhh = AT(J_GRU_BHH), *hprev = AT(J_GRU_HPREV);
  float *h = AT(J_OUT), *gates = AT(J_GRU_GATES);
  const TM tail = TM_FIRST((int32_t)(H % LANES));
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    for (size_t b = (size_t)t * per_task; b < (size_t)r1; b++) {
      const float *gib = gi + b * 3 * H, *ghb = gh + b * 3 * H, *hpb = hprev + b * H;
      float *hb = h + b * H, *gb = gates + b * 4 * H;
      size_t j = 0;
      for (; j + LANES <= H; j += LANES) FN(cell)(gib, ghb, bih, bhh, hpb, hb, gb, H, j, 0, tail);
      if (j < H) FN(cell)(gib, ghb, bih, bhh, hpb, hb, gb, H, j, 1, tail);
    }
  }
}

// OP_GRU_CELL_GRAD: this thread's row blocks.
static void FN(run_cell_grad)(uint8_t *base, int32_t *job) {
  const int32_t rows = job[J_ROWS], per_task = job[J_ROWS_PER_TASK_R], num_tasks = job[J_NUM_TASKS];
  const size_t H = (size_t)job[J_COLS];
  const float *dy = AT(J_X), *dh1 = AT(J_Y), *dh2 = AT(J_GRU_DH2), *hprev = AT(J_GRU_HPREV), *gates = AT(J_GRU_GATES);
  float *dgi = AT(J_OUT), *dgh = AT(J_GRU_DGH), *dhprev = AT(J_GRU_DHPREV);
  const TM tail = TM_FIRST((int32_t)(H % LANES));
  for (int32_t t = take_task(job); t < num_tasks; t = take_task(job)) {
    const int32_t r1 = (t + 1) * per_task < rows ? (t + 1) * per_task : rows;
    for (size_t b = (size_t)t * per_task; b < (size_t)r1; b++) {
      const size_t k = b * H;
      const float *d1 = dh1 ? dh1 + k : NULL, *d2 = dh2 ? dh2 + k : NULL;
      const float *gb = gates + b * 4 * H;
      float *dgib = dgi + b * 3 * H, *dghb = dgh + b * 3 * H;
      size_t j = 0;
      for (; j + LANES <= H; j += LANES)
        FN(cell_grad)(dy + k, d1, d2, hprev + k, gb, dgib, dghb, dhprev + k, H, j, 0, tail);
      if (j < H) FN(cell_grad)(dy + k, d1, d2, hprev + k, gb, dgib, dghb, dhprev + k, H, j, 1, tail);
    }
  }
}

#undef AT
