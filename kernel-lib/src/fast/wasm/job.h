// The job block's common and matmul fields and the kernels' op codes, shared by the WebAssembly
// kernels (kernels.h) and the native matrix product (../native/matmul.c).
#ifndef D2L_JOB_H
#define D2L_JOB_H

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
  OP_COLUMN_SUM = 22,
};

#endif
