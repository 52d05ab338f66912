import { readFileSync } from "node:fs";
import { workloadFor } from "./d2l_rows";
async function main() {
  const rows = JSON.parse(readFileSync("bench/rows.json", "utf8")).rows;
  const w = workloadFor(rows.find((r: { id: string }) => r.id === process.argv[2]));
  for (let i = 0; i < Number(process.argv[3] ?? 20); i++) await w.run();
}
main();
