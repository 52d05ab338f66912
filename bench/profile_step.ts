/**
 * Where one training step's time goes, kernel by kernel (docs/benchmarks.md, "Where a training
 * step's time goes"): runs a row of bench/rows.json's training steps a few times to warm up, then
 * once under `tf.profile`, and prints per kernel the calls and the summed kernel time, with the
 * step's wall time and what lies outside the kernels (tfjs's bookkeeping, host code, tape).
 *
 *   node --import tsx bench/profile_step.ts seq2seq_attention_step [repeats]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as d2l from "../kernel-lib";
import { workloadFor } from "./d2l_rows";

const tf = d2l.tf;

async function main(): Promise<void> {
  const [id, repeatsArg] = process.argv.slice(2);
  const rows = JSON.parse(readFileSync(join(__dirname, "rows.json"), "utf8")).rows as Array<{ id: string }>;
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`profile_step: unknown row "${id}"`);
  d2l.seed(0);
  const work = workloadFor(row);
  const repeats = Number(repeatsArg ?? 3);
  for (let i = 0; i < 2; i++) await work.run();
  const walls: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await work.run();
    walls.push(performance.now() - t0);
  }
  walls.sort((a, b) => a - b);
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await work.run();
  });
  const profiledWall = performance.now() - t0;
  const byKernel = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    byKernel.set(k.name, e);
  }
  const entries = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = entries.reduce((s, [, e]) => s + e.ms, 0);
  const calls = entries.reduce((s, [, e]) => s + e.calls, 0);
  console.log(`${id}: median wall ${walls[walls.length >> 1].toFixed(1)} ms over ${repeats} (profiled run ${profiledWall.toFixed(1)} ms)`);
  console.log(`kernels: ${calls} calls, ${kernelMs.toFixed(1)} ms in kernels`);
  console.log("| kernel | calls | ms |");
  for (const [name, e] of entries) console.log(`| ${name} | ${e.calls} | ${e.ms.toFixed(2)} |`);
  if (process.env.PROFILE_SHAPES) {
    const byShape = new Map<string, { calls: number; ms: number }>();
    for (const k of info.kernels) {
      if (k.name !== process.env.PROFILE_SHAPES) continue;
      const key = `${JSON.stringify(k.inputShapes)} ${JSON.stringify((k as unknown as { extraInfo?: string }).extraInfo ?? "")}`;
      const e = byShape.get(key) ?? { calls: 0, ms: 0 };
      e.calls += 1;
      e.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      byShape.set(key, e);
    }
    for (const [key, e] of [...byShape.entries()].sort((a, b) => b[1].ms - a[1].ms)) console.log(`${key}: ${e.calls} calls, ${e.ms.toFixed(2)} ms`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
