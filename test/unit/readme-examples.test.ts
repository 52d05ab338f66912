/**
 * The TypeScript examples in the READMEs run: each ```ts block, saved as a script inside the
 * repository (so `d2l-ts` resolves through the workspace), exits 0 in plain Node with nothing on
 * stderr; each inline result written `` `call(...)` → `[numbers]` `` gives those numbers. Uses the
 * built package, like a reader who copies the example would.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const OUT_DIR = path.join(ROOT, "test", "artifacts", "readme-examples");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const READMES = ["README.md", "kernel-lib/README.md"];

function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

const examples = READMES.flatMap((readme) =>
  tsBlocks(readFileSync(path.join(ROOT, readme), "utf8")).map((code, i) => ({ name: `${readme} example ${i + 1}`, code })),
);

describe("README examples", () => {
  it("finds an example in each README", () => {
    for (const readme of READMES) expect(examples.some((e) => e.name.startsWith(readme))).toBe(true);
  });

  it.each(examples)("$name runs in plain Node with a clean stderr", ({ name, code }) => {
    mkdirSync(OUT_DIR, { recursive: true });
    const file = path.join(OUT_DIR, `${name.replace(/[^a-z0-9]+/gi, "-")}.ts`);
    writeFileSync(file, code);
    const result = spawnSync(TSX, [file], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(result.stderr, `${name} (${file})`).toBe("");
    expect(result.status, `exit code of ${name}`).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(0);
  });

  // `maskedSoftmax(tf.tensor3d(...), [2])` → `[0, 0, 0.5, 0.5]`: the call, as written, with `tf`
  // and the d2l name it starts with in scope, gives those values (to 6 decimals).
  const inlineResults = READMES.flatMap((readme) =>
    [...readFileSync(path.join(ROOT, readme), "utf8").matchAll(/`([A-Za-z]\w*)(\([^`]*\))`\s*→\s*`(\[[-\d.,\s]+\])`/g)].map((m) => ({
      name: `${readme}: ${m[1]}${m[2]}`.replace(/\s+/g, " "),
      fn: m[1],
      call: `${m[1]}${m[2]}`,
      expected: JSON.parse(m[3]) as number[],
    })),
  );

  it("finds inline results to check in kernel-lib/README.md", () => {
    expect(inlineResults.filter((r) => r.name.startsWith("kernel-lib/README.md")).length).toBeGreaterThanOrEqual(2);
  });

  it.each(inlineResults)("$name gives the result written beside it", ({ name, fn, call, expected }) => {
    mkdirSync(OUT_DIR, { recursive: true });
    const file = path.join(OUT_DIR, `inline-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 80)}.ts`);
    writeFileSync(file, `import * as d2l from "d2l-ts";\nconst tf = d2l.tf;\nconst { ${fn} } = d2l;\nconsole.log(JSON.stringify(Array.from(${call}.dataSync())));\n`);
    const result = spawnSync(TSX, [file], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(result.stderr, `${name} (${file})`).toBe("");
    const got = JSON.parse(result.stdout) as number[];
    expect(got.length, name).toBe(expected.length);
    got.forEach((v, i) => expect(v, `${name}[${i}]`).toBeCloseTo(expected[i], 6));
  });
});
