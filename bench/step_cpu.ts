import { readFileSync } from "node:fs";
import { workloadFor } from "./d2l_rows";
async function main() {
  const rows = JSON.parse(readFileSync("bench/rows.json", "utf8")).rows;
  for (const id of process.argv.slice(2)) {
    const w = workloadFor(rows.find((r: { id: string }) => r.id === id));
    for (let i = 0; i < 3; i++) await w.run();
    const ts: number[] = [];
    for (let i = 0; i < 7; i++) { const u0 = process.cpuUsage(); await w.run(); const u = process.cpuUsage(u0); ts.push((u.user + u.system) / 1000); }
    ts.sort((a, b) => a - b);
    console.log(id, "cpu ms min", ts[0].toFixed(1), "median", ts[3].toFixed(1));
  }
}
main();
