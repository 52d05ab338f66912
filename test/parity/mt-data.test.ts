/**
 * Parity of the translation data with the book's Python (reference/book_seq2seq_torch.py):
 * `MTFraEng`'s preprocessing and tokenisation, its vocabularies (token order and counts), arrays,
 * valid lengths, train/validation split and `build` (section 10.5), on our sample file in the
 * book's format and on the corpus shipped with d2l-ts; and `bleu` (10.7). These are host
 * computations on strings and integers, the same on every backend: compared exactly (bleu to
 * 1e-14, the last bits of exp and pow differing between V8 and glibc).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import { ParityCase, fixture } from "./fixture";

const ROOT = path.resolve(__dirname, "../..");
const ARRAY_NAMES = ["src", "tgtIn", "srcValidLen", "tgtOut"] as const;

interface MTExact {
  file: string;
  sha256: string;
  srcVocab: string[];
  tgtVocab: string[];
  srcTokenFreqs: Array<[string, number]>;
  tgtTokenFreqs: Array<[string, number]>;
  arrays: Record<(typeof ARRAY_NAMES)[number], number[] | number[][]>;
  numTrainExamples: number;
  numValExamples: number;
  build: Record<(typeof ARRAY_NAMES)[number], number[] | number[][]>;
  tgtPad: number;
  preprocessed?: string;
  tokenized?: { src: string[][]; tgt: string[][] };
  tokenizedLimited?: { src: string[][]; tgt: string[][] };
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

function checkMTFraEng(caseName: string): void {
  const c = new ParityCase(caseName);
  const exact = c.data.exact as unknown as MTExact;
  const file = path.join(ROOT, exact.file);

  it("reads the file the fixture was made from", () => {
    expect(sha256(file), `${exact.file} changed since the fixture was made: re-run test/fixtures/generate.py`).toBe(exact.sha256);
  });

  it("vocabularies, arrays, valid lengths, split and build equal the book's", () => {
    const data = new d2l.MTFraEng(c.arg<number>("batchSize"), c.arg<number>("numSteps"), c.arg<number>("numTrain"), c.arg<number>("numVal"), { path: file });
    try {
      expect(data.srcVocab.idxToToken).toEqual(exact.srcVocab);
      expect(data.tgtVocab.idxToToken).toEqual(exact.tgtVocab);
      expect(data.srcVocab.tokenFreqs).toEqual(exact.srcTokenFreqs);
      expect(data.tgtVocab.tokenFreqs).toEqual(exact.tgtTokenFreqs);
      expect(data.tgtVocab.get("<pad>")).toBe(exact.tgtPad);
      ARRAY_NAMES.forEach((name, i) => {
        expect(data.arrays[i].dtype, name).toBe("int32");
        expect(data.arrays[i].arraySync(), name).toEqual(exact.arrays[name]);
      });
      expect(data.trainDataloader()).toMatchObject({ numExamples: exact.numTrainExamples });
      expect(data.valDataloader()).toMatchObject({ numExamples: exact.numValExamples });
      const built = data.build(c.arg<string[]>("engs"), c.arg<string[]>("fras"));
      ARRAY_NAMES.forEach((name, i) => expect(built[i].arraySync(), `build ${name}`).toEqual(exact.build[name]));
      d2l.tf.dispose(built);
      if (exact.preprocessed !== undefined) {
        const text = data.preprocess(data.readText());
        expect(text).toBe(exact.preprocessed);
        const [src, tgt] = data.tokenize(text);
        expect({ src, tgt }).toEqual(exact.tokenized);
        const [srcLimited, tgtLimited] = data.tokenize(text, data.numTrain + data.numVal);
        expect({ src: srcLimited, tgt: tgtLimited }).toEqual(exact.tokenizedLimited);
      }
    } finally {
      data.dispose();
    }
  });
}

describe("MTFraEng (10.5) matches the book on the sample file", () => {
  describe("numSteps 9, numTrain 20, numVal 6: the off-by-one example limit, skipped lines", () => checkMTFraEng("MTFraEng/sample"));
  describe("numSteps 4, numTrain 10, numVal 3: trimmed sentences", () => checkMTFraEng("MTFraEng/sample_trimmed"));
  describe("the defaults (9, 512, 128) on 37 pairs: the book trains on all, validates on none; d2l-ts refuses", () => {
    const c = new ParityCase("MTFraEng/sample_defaults");
    const exact = c.data.exact as unknown as MTExact;
    it("the book's split: every pair trains, none validates (the silent outcome d2l-ts turns into an error)", () => {
      expect([exact.numTrainExamples, exact.numValExamples]).toEqual([37, 0]);
    });
    it("d2l-ts names the corpus size instead", () => {
      const file = path.join(ROOT, exact.file);
      expect(() => new d2l.MTFraEng(c.arg<number>("batchSize"), c.arg<number>("numSteps"), c.arg<number>("numTrain"), c.arg<number>("numVal"), { path: file })).toThrow(
        `MTFraEng: numVal must be less than 37 (${file} holds 37 sentence pairs; numTrain + numVal at most 37); got 128`,
      );
    });
  });
});

describe("MTFraEng (10.5) matches the book on the shipped corpus", () => {
  it("the corpus ships and the fixture covers it", () => {
    expect(existsSync(d2l.SHIPPED_CORPUS), `${d2l.SHIPPED_CORPUS} is missing`).toBe(true);
    expect(Object.keys(fixture.cases), "no MTFraEng/corpus case: re-run test/fixtures/generate.py").toContain("MTFraEng/corpus");
    expect(path.resolve(ROOT, (fixture.cases["MTFraEng/corpus"]!.exact as unknown as MTExact).file)).toBe(d2l.SHIPPED_CORPUS);
  });
  if (fixture.cases["MTFraEng/corpus"] !== undefined) checkMTFraEng("MTFraEng/corpus");
});

describe("bleu (10.7) matches the book", () => {
  const c = new ParityCase("bleu");
  const scores = (c.data.exact as { scores: Array<{ pred: string; label: string; k: number; score: number }> }).scores;
  it.each(scores.map((s) => [s.pred, s.label, s.k, s.score] as const))("bleu(%j, %j, %i) = %f", (pred, label, k, score) => {
    expect(Math.abs(d2l.bleu(pred, label, k) - score)).toBeLessThanOrEqual(1e-14);
  });
});
