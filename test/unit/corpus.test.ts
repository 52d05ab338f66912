// The English–French corpus shipped in d2l-ts (kernel-lib/data/fra-eng/fra.txt): its format and the
// promises its README makes. The book's preprocessing and tokenisation are re-implemented here in a
// few lines (not imported from MTFraEng) so the file is checked on its own terms.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const corpusPath = join(root, "kernel-lib", "data", "fra-eng", "fra.txt");
const readmePath = join(root, "kernel-lib", "data", "fra-eng", "README.md");
const bytes = readFileSync(corpusPath);
const text = bytes.toString("utf8");
const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
const pairs = lines.map((line) => {
  const [english, french] = line.split("\t");
  return { english, french, line };
});

/** MTFraEng's defaults: numTrain = 512, numVal = 128; the book's `i > max_examples` reads one more line. */
const numTrain = 512;
const linesRead = numTrain + 128 + 1;

/** The book's four test sentences of 11.4 / 11.7 and the translations they are scored against. */
const testPairs: [string, string][] = [
  ["Go.", "Va !"],
  ["I lost.", "J'ai perdu."],
  ["He's calm.", "Il est calme."],
  ["I'm home.", "Je suis chez moi."],
];

/** `MTFraEng._preprocess`: non-breaking spaces to spaces, lower case, a space before , . ! ? */
function preprocess(s: string): string {
  const t = s.replace(/\u202f/g, " ").replace(/\u00a0/g, " ").toLowerCase();
  let out = "";
  for (let i = 0; i < t.length; i++) out += i > 0 && ",.!?".includes(t[i]) && t[i - 1] !== " " ? ` ${t[i]}` : t[i];
  return out;
}

/** `MTFraEng._tokenize` on the first `linesRead` lines, then `_build_array`'s cut to numSteps = 9. */
function tokensAsTheBookCountsThem(side: "english" | "french", from = 0, to = linesRead): string[][] {
  return pairs.slice(from, to).map((p) => [...preprocess(p[side]).split(" ").filter((t) => t), "<eos>"].slice(0, 9));
}

function counts(sentences: string[][]): Map<string, number> {
  const c = new Map<string, number>();
  for (const s of sentences) for (const t of s) c.set(t, (c.get(t) ?? 0) + 1);
  return c;
}

/** Share of word tokens (not `<eos>`) that `Vocab(min_freq = 2)` built on these sentences maps to `<unk>`. */
function unkShare(sentences: string[][]): number {
  const c = counts(sentences);
  let total = 0;
  let unknown = 0;
  for (const s of sentences)
    for (const t of s) {
      if (t === "<eos>") continue;
      total++;
      if ((c.get(t) ?? 0) < 2) unknown++;
    }
  return unknown / total;
}

describe("the shipped corpus kernel-lib/data/fra-eng/fra.txt", () => {
  it("is UTF-8 without BOM, with \\n line ends and a final newline", () => {
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    expect(Buffer.from(text, "utf8").equals(bytes)).toBe(true); // valid UTF-8: decodes and re-encodes unchanged
    expect(text).not.toContain("\r");
    expect(text.endsWith("\n")).toBe(true);
    expect(text.endsWith("\n\n")).toBe(false);
  });

  it("has at least 800 pairs, each `English<TAB>French` with nonempty sides and no trailing space", () => {
    expect(lines.length).toBeGreaterThanOrEqual(800);
    const bad = lines.filter((l) => l.split("\t").length !== 2 || /^\s|\s$|\t\s|\s\t/.test(l) || l.includes("  "));
    expect(bad).toEqual([]);
    expect(pairs.filter((p) => p.english.length === 0 || p.french.length === 0)).toEqual([]);
  });

  it("has no duplicate line", () => {
    const seen = new Set<string>();
    const duplicates = lines.filter((l) => (seen.has(l) ? true : (seen.add(l), false)));
    expect(duplicates).toEqual([]);
  });

  it("has English sentences of 1 to 6 words", () => {
    const wrong = pairs.filter((p) => {
      const n = p.english.split(" ").length;
      return n < 1 || n > 6;
    });
    expect(wrong.map((p) => p.english)).toEqual([]);
  });

  it("ends every sentence in . ! or ?", () => {
    const wrong = pairs.filter((p) => !/[.!?]$/.test(p.english) || !/[.!?]$/.test(p.french));
    expect(wrong.map((p) => p.line)).toEqual([]);
  });

  it("uses French spacing with plain spaces: one before ! and ?, none before . and ,", () => {
    const wrong = pairs.filter((p) => /[^ ][!?]|  [!?]| [.,]/.test(p.french));
    expect(wrong.map((p) => p.line)).toEqual([]);
    const englishWrong = pairs.filter((p) => / [.,!?]/.test(p.english));
    expect(englishWrong.map((p) => p.line)).toEqual([]);
  });

  it("holds no narrow or ordinary non-breaking space and only the straight apostrophe", () => {
    expect(text).not.toMatch(/[\u202f\u00a0\u2019\u2018\ufeff]/);
  });

  it("holds the book's four test sentences exactly once each, within the first 512 lines", () => {
    for (const [english, french] of testPairs) {
      const at = pairs.flatMap((p, i) => (p.english === english ? [i] : []));
      expect(at, english).toHaveLength(1);
      expect(pairs[at[0]].french, english).toBe(french);
      expect(at[0], english).toBeLessThan(numTrain);
    }
  });

  it("turns the four test pairs into the book's token strings after preprocessing", () => {
    const expected = [
      ["go .", "va !"],
      ["i lost .", "j'ai perdu ."],
      ["he's calm .", "il est calme ."],
      ["i'm home .", "je suis chez moi ."],
    ];
    expect(testPairs.map(([e, f]) => [preprocess(e), preprocess(f)])).toEqual(expected);
  });

  it("fits every sentence MTFraEng reads by default into numSteps = 9 tokens with <eos>, so nothing is cut", () => {
    for (const side of ["english", "french"] as const) {
      const tooLong = pairs
        .slice(0, linesRead)
        .filter((p) => preprocess(p[side]).split(" ").filter((t) => t).length + 1 > 9);
      expect(tooLong.map((p) => p.line), side).toEqual([]);
    }
  });

  // Measured when the corpus was written: 0.14 % (English) and 0.12 % (French) of the tokens of
  // the first 641 lines occur only once there. The bound leaves room for small edits.
  it("maps at most 0.5 % of the tokens MTFraEng reads by default to <unk> (min_freq = 2), on both sides", () => {
    for (const side of ["english", "french"] as const) {
      const sentences = tokensAsTheBookCountsThem(side);
      expect(sentences).toHaveLength(linesRead);
      expect(unkShare(sentences), side).toBeLessThanOrEqual(0.005);
    }
  });

  it("uses in the validation lines (513–641) only tokens seen at least twice in the training lines (1–512)", () => {
    for (const side of ["english", "french"] as const) {
      const train = counts(tokensAsTheBookCountsThem(side, 0, numTrain));
      const unseen = tokensAsTheBookCountsThem(side, numTrain, linesRead)
        .flat()
        .filter((t) => (train.get(t) ?? 0) < 2);
      expect(unseen, side).toEqual([]);
    }
  });

  it("matches the statistics table of its README", () => {
    const sides = ["english", "french"] as const;
    const isPunctuation = (t: string) => ",.!?".includes(t);
    const words = (side: (typeof sides)[number], from: number, to: number) =>
      tokensAsTheBookCountsThem(side, from, to).map((s) => s.filter((t) => t !== "<eos>" && !isPunctuation(t)).length);
    const range = (ns: number[]) => `${Math.min(...ns)}–${Math.max(...ns)}`;
    const row = (label: string, f: (side: (typeof sides)[number]) => string | number) =>
      `| ${label} | ${f("english")} | ${f("french")} |`;
    const distinct = (side: (typeof sides)[number], to: number) =>
      [...counts(tokensAsTheBookCountsThem(side, 0, to)).keys()].filter((t) => t !== "<eos>");
    const onceIn641 = (side: (typeof sides)[number]) => {
      const c = counts(tokensAsTheBookCountsThem(side));
      return distinct(side, linesRead).filter((t) => c.get(t) === 1);
    };
    const kept = (side: (typeof sides)[number]) => distinct(side, linesRead).length - onceIn641(side).length;
    const tokenCount = (side: (typeof sides)[number]) => tokensAsTheBookCountsThem(side).flat().filter((t) => t !== "<eos>").length;
    const expectedRows = [
      row("pairs", () => pairs.length),
      row("sentence length in words, whole file", (side) => range(words(side, 0, pairs.length))),
      row("sentence length in words, first 641 lines", (side) => range(words(side, 0, linesRead))),
      row("distinct tokens, whole file", (side) => distinct(side, pairs.length).length),
      row("distinct tokens, first 641 lines", (side) => distinct(side, linesRead).length),
      row("of which seen at least twice (kept by `min_freq = 2`)", kept),
      // <unk>, <pad>, <eos>, and <bos> on the French side
      row("size of the vocabulary MTFraEng builds (with `<unk>`, `<pad>`, `<eos>`, French `<bos>`)", (side) =>
        kept(side) + (side === "english" ? 3 : 4)),
      row("tokens of the first 641 lines that become `<unk>`", (side) => `${onceIn641(side).length} of ${tokenCount(side)}`),
    ];
    const readme = readFileSync(readmePath, "utf8");
    for (const expected of expectedRows) expect(readme).toContain(expected);
    const listed = (side: (typeof sides)[number]) => onceIn641(side).sort().map((t) => `\`${t}\``).join(", ");
    expect(readme.replace(/\s+/g, " ")).toContain(
      `only once in the first 641 lines are ${listed("english")} and ${listed("french")}.`,
    );
  });

  it("is in the d2l-ts package tarball, with its README", () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const packed = spawnSync(npm, ["pack", "--dry-run", "--json", "-w", "d2l-ts"], { cwd: root, encoding: "utf8", timeout: 60_000 });
    expect(packed.status, packed.stderr).toBe(0);
    const files = (JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(["data/fra-eng/fra.txt", "data/fra-eng/README.md"]));
  });
});
