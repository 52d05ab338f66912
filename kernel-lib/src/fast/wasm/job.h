// The job block's common and matmul fields and the kernels' op codes, shared by the WebAssembly
// kernels (kernels.h) and the native matrix product (../native/matmul.c).
#ifndef D2L_JOB_H
#define D2L_JOB_H
#include <stdint.h>

// Job fields (int32 indices into the job block); keep in sync with src/fast/job-layout.ts.
enum {
  J_OP = 0,         // which kernel (OP_*)
  J_NEXT_TASK = 1,  // atomic task counter
  J_NUM_TASKS = 2,
  J_SCRATCH = 3,    // byte offset of thread 0's scratch; thread t's is J_SCRATCH + t * J_SCRATCH_BYTES
  J_SCRATCH_BYTES = 4,
  // matmul
  J_M = 8, J_N = 9, J_K = 10,
  J_A = 11, J_B = 12, J_C = 13,           // byte offsets of the operands
  J_A_ROW = 14, J_A_COL = 15,             // element strides of A along m and k
  J_B_ROW = 16, J_B_COL = 17,             // element strides of B along k and n
  J_A_BATCH = 18, J_B_BATCH = 19,         // byte offsets of int32 tables: per output batch, element offset into A / B
  J_ROWS_PER_TASK = 20, J_TASKS_PER_BATCH = 21,
  J_M_LIMITS = 22, J_N_LIMITS = 23, J_K_LIMITS = 24,  // byte offsets of int32 per-batch limits, or 0
  J_COLS_PER_TASK = 25,                   // columns of C per task (0: all n)
  // row-wise kernels (softmax and its gradient); J_MASK: byte offset of one keep flag (uint8) per
  // element, J_ROW_LENS: of one length (int32) per row (columns from it on are masked); 0 when
  // not used. Masked scores become -1e6 (the book's value) and get no gradient.
  J_ROWS = 8, J_COLS = 9, J_X = 10, J_Y = 11, J_OUT = 12, J_ROWS_PER_TASK_R = 13, J_MASK = 14,
  J_ROW_LENS = 17, J_SCALE = 18,  // J_SCALE: float bits of a divisor applied to x first (0: none)
};

enum {
  OP_MATMUL = 1, OP_SOFTMAX = 2, OP_SOFTMAX_GRAD = 3, OP_BINARY = 5, OP_UNARY = 6,
  OP_ROW_REDUCE = 7, OP_COPY = 8, OP_GATHER = 9, OP_SEGMENT_SUM = 10, OP_NW_POOL = 11, OP_NW_POOL_GRAD = 12,
  OP_LAYER_NORM = 13, OP_LAYER_NORM_GRAD = 14, OP_SELECT = 15, OP_GRU_CELL = 16, OP_GRU_CELL_GRAD = 17,
  OP_ADAM = 18, OP_DROPOUT = 19, OP_CROSS_ENTROPY = 20, OP_CROSS_ENTROPY_GRAD = 21,
  OP_COLUMN_SUM = 22, OP_AXIS_SUM = 23, OP_ADDITIVE_SCORES = 24, OP_ADDITIVE_SCORES_GRAD = 25,
};

// The next task of the job for this thread (every thread takes from the same atomic counter).
static inline int32_t take_task(int32_t *job) {
  return __atomic_fetch_add(&job[J_NEXT_TASK], 1, __ATOMIC_RELAXED);
}

// One OP_MATMUL task (of the WebAssembly kernel and the native one alike): task `t` is a block
// of `rows_per_task` rows and `cols_per_task` columns (0: all) of batch t / tasks_per_batch; the
// row blocks of a column block are consecutive tasks. Under the per-batch limits (int32 tables,
// or null) only rows < m_lim[b] and columns < n_lim[b] are computed, over the first k_lim[b]
// terms; this zeroes the rest of the block of C (`c` is batch 0's C) and says what is left:
// returns 0 when nothing is, else sets the batch and its C, the rows [*i_begin, *i_stop), the
// columns [*j_begin, *j_stop) and the depth *kb to compute.
static inline int32_t matmul_task_limit(const int32_t *limits, int32_t bi, int32_t full) {
  return limits && limits[bi] < full ? (limits[bi] > 0 ? limits[bi] : 0) : full;
}

// Zeroes columns [col0, col1) of rows [row0, row1) of C, whose rows are n floats long.
static inline void matmul_zero_rows(float *c, int32_t row0, int32_t row1, int32_t col0, int32_t col1, int32_t n) {
  if (col1 <= col0) return;
  for (int32_t i = row0; i < row1; i++) __builtin_memset(c + (int64_t)i * n + col0, 0, (uint32_t)(col1 - col0) * 4);
}

static inline int32_t matmul_task(const int32_t *job, int32_t t, const int32_t *m_lim, const int32_t *n_lim,
                                  const int32_t *k_lim, float *c, int32_t *bi, float **c_batch, int32_t *i_begin,
                                  int32_t *i_stop, int32_t *j_begin, int32_t *j_stop, int32_t *kb) {
  const int32_t m = job[J_M], n = job[J_N], k = job[J_K];
  const int32_t rows_per_task = job[J_ROWS_PER_TASK], tasks_per_batch = job[J_TASKS_PER_BATCH];
  const int32_t cols_per_task = job[J_COLS_PER_TASK] > 0 ? job[J_COLS_PER_TASK] : n;
  const int32_t row_tasks = (m + rows_per_task - 1) / rows_per_task;
  const int32_t b = t / tasks_per_batch, r = t % tasks_per_batch;
  const int32_t begin = (r % row_tasks) * rows_per_task;
  const int32_t end = begin + rows_per_task < m ? begin + rows_per_task : m;
  const int32_t col0 = (r / row_tasks) * cols_per_task;
  const int32_t col1 = col0 + cols_per_task < n ? col0 + cols_per_task : n;
  float *cb = c + (int64_t)b * m * n;
  const int32_t mb = matmul_task_limit(m_lim, b, m);
  const int32_t nb = matmul_task_limit(n_lim, b, n);
  const int32_t stop = end < mb ? end : mb;
  const int32_t cstop = col1 < nb ? col1 : nb;
  *kb = matmul_task_limit(k_lim, b, k);
  matmul_zero_rows(cb, stop > begin ? stop : begin, end, col0, col1, n);
  if (stop <= begin) return 0;
  matmul_zero_rows(cb, begin, stop, cstop > col0 ? cstop : col0, col1, n);
  if (cstop <= col0) return 0;
  if (*kb == 0) {
    matmul_zero_rows(cb, begin, stop, col0, cstop, n); // no terms: the computed columns are 0 too
    return 0;
  }
  *bi = b;
  *c_batch = cb;
  *i_begin = begin;
  *i_stop = stop;
  *j_begin = col0;
  *j_stop = cstop;
  return 1;
}

#endif
