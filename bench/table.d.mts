// Types of bench/table.mjs for the TypeScript that imports it (test/unit/bench-table.test.ts).
export const START_MARKER: string;
export const END_MARKER: string;
export interface Timing {
  median_ms: number;
  peak_rss_mb?: number;
}
export type Measured = Timing | { error: string } | undefined;
export function bestTorch(row: { torch?: Measured; torch_all?: Measured }): Timing | null;
export function formatMachine(machine: object): string;
export function formatTable(report: object): string;
export function replaceBetweenMarkers(text: string, table: string): string;
