// The GRU step jobs in native code (gru.c), for the module's `run` (matmul.c).
#ifndef D2L_NATIVE_GRU_H
#define D2L_NATIVE_GRU_H
#include <stdint.h>

// This thread's share of the GRU job at `job` on memory starting at `base`, with AVX-512 (16
// lanes) when `avx512` is set, else AVX2 (8 lanes); 0 if the job is not a GRU step
// (OP_GRU_CELL, OP_GRU_CELL_GRAD).
int run_gru(int avx512, uint8_t *base, int32_t *job);
#endif
