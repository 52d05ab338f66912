import { readFileSync } from "node:fs";
import { workloadFor } from "./d2l_rows";
async function main() {
  const rows = JSON.parse(readFileSync("bench/rows.json", "utf8")).rows;
  const w = workloadFor(rows.find((r: { id: string }) => r.id === process.argv[2]));
  for (let i = 0; i < 3; i++) await w.run();
  (globalThis as any).__mm = new Map();
  const N = 5;
  for (let i = 0; i < N; i++) await w.run();
  let total = 0, ms = 0;
  const list = [...(globalThis as any).__mm.entries()].sort((a: any, b: any) => b[1].ms - a[1].ms);
  for (const [k, e] of list) { total += e.calls * e.flops; ms += e.ms; }
  console.log(`per step: ${(total / N / 1e9).toFixed(2)} GFLOP in ${(ms / N).toFixed(1)} ms wall = ${(total / ms / 1e6).toFixed(1)} GFLOP/s`);
  for (const [k, e] of list.slice(0, 12)) console.log(`${k}: ${(e.calls / N).toFixed(0)} calls/step, ${(e.ms / N).toFixed(2)} ms/step, ${(e.calls * e.flops / e.ms / 1e6).toFixed(1)} GFLOP/s`);
}
main();
