/**
 * The fast kernels' thread pool (kernel-lib/src/fast/thread-pool.ts) with more threads than cores,
 * so that workers are often late: a worker that wakes after the calling thread has claimed every
 * task must skip the job, one that joins midway must finish its tasks, and the caller must wait
 * for exactly those. 400 threaded matmuls are checked against double-precision products.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

describe("thread pool with late workers", () => {
  it("every product is right and the process ends when threads outnumber the cores", () => {
    const threads = availableParallelism() * 2 + 1;
    const out = execFileSync(TSX, [path.join(ROOT, "test", "fixtures", "thread-pool-stress.ts"), "400"], {
      cwd: ROOT,
      env: { ...process.env, D2L_THREADS: String(threads) },
      encoding: "utf8",
      timeout: 240_000,
    });
    const result = JSON.parse(out.trim().split("\n").pop()!) as { threads: number; rounds: number; worst: number; worstAt: number; tensors: number };
    expect(result.threads).toBe(threads);
    expect(result.rounds).toBe(400);
    expect(result.worst, `worst relative error at round ${result.worstAt}`).toBeLessThan(1e-5);
  }, 300_000);
});
