// The GRU step jobs' fields, shared by the WebAssembly kernels (elementwise.c) and the native ones
// (../native/gru.c); keep in sync with src/fast/job-layout.ts.
#ifndef D2L_GRU_JOB_H
#define D2L_GRU_JOB_H
#include "job.h"

// OP_GRU_CELL: one step of PyTorch's GRU (gates r, z, n) for J_ROWS examples of J_COLS hidden
// units: gi = J_X (rows, 3·hidden) input projections without bias, gh = J_Y (rows, 3·hidden)
// hidden projections without bias, biases J_GRU_BIH and J_GRU_BHH (3·hidden), previous state
// J_GRU_HPREV (rows, hidden) → the new state J_OUT (rows, hidden) and, for the gradient,
// J_GRU_GATES (rows, 4, hidden): r, z, n and W_hn h + b_hn.
// OP_GRU_CELL_GRAD: from dh = J_X + J_Y + J_GRU_DH2 (each (rows, hidden); J_Y and J_GRU_DH2 may
// be 0: absent), J_GRU_HPREV and J_GRU_GATES → the gates' pre-activation gradients J_OUT
// (input side, rows × 3·hidden), J_GRU_DGH (hidden side, the n gate times r) and the direct part
// of the previous state's gradient J_GRU_DHPREV = dh·z.
// Both: J_ROWS_PER_TASK_R rows per task.
enum { J_GRU_BIH = 20, J_GRU_BHH = 21, J_GRU_HPREV = 22, J_GRU_GATES = 23, J_GRU_DH2 = 24, J_GRU_DGH = 25, J_GRU_DHPREV = 26 };
#endif
