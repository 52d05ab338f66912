import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tf } from "../tf";
import { D2lArgumentError } from "../ops/check";
import { MTFraEng, SHIPPED_CORPUS } from "./mt-fra-eng";
import { preprocessNmt, tokenizeNmt } from "./nmt-text";

const SAMPLE_ROOT = path.resolve(__dirname, "../../../test/fixtures/fra-eng-sample");
const SAMPLE = path.join(SAMPLE_ROOT, "fra-eng", "fra.txt");

describe("the text processing of MTFraEng (section 10.5)", () => {
  it("replaces no-break spaces, lower-cases and puts a space before , . ! ?", () => {
    expect(preprocessNmt("Go.\tVa\u202f!")).toBe("go .\tva !");
    expect(preprocessNmt("Help me, please.\tAide-moi, s'il te plaît.")).toBe("help me , please .\taide-moi , s'il te plaît .");
    expect(preprocessNmt("Wait!!\tNous avons gagné\u00a0!")).toBe("wait ! !\tnous avons gagné !");
    expect(preprocessNmt(".Hi")).toBe(".hi"); // nothing before the first character
  });

  it("tokenizes by spaces with <eos>, skips lines with another number of fields, reads one line past maxExamples", () => {
    const text = "a b\tc\nskipped\nd\te\tf\ng  h\ti\nj\tk";
    expect(tokenizeNmt(text)).toEqual([
      [["a", "b", "<eos>"], ["g", "h", "<eos>"], ["j", "<eos>"]],
      [["c", "<eos>"], ["i", "<eos>"], ["k", "<eos>"]],
    ]);
    // maxExamples 3: lines 0..3 are read (the book's `i > max_examples` test)
    expect(tokenizeNmt(text, 3)[0]).toEqual([["a", "b", "<eos>"], ["g", "h", "<eos>"]]);
    expect(tokenizeNmt(text, 0)[0]).toHaveLength(3); // 0: no limit, as the book's falsy test
  });
});

describe("MTFraEng (section 10.5)", () => {
  const saved = process.env.D2L_DATA_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.D2L_DATA_DIR;
    else process.env.D2L_DATA_DIR = saved;
  });

  it("splits the examples by index: numTrain for training, the rest for validation", () => {
    const data = new MTFraEng(8, 9, 20, 6, { path: SAMPLE });
    // 27 lines read (numTrain + numVal + 1), 3 of them skipped (third field, no tab, empty)
    expect(data.arrays[0].shape).toEqual([24, 9]);
    const train = data.trainDataloader()!;
    const val = data.valDataloader()!;
    expect([train.length, val.length]).toEqual([3, 1]);
    const batches = [...val];
    expect(batches[0]!.map((t) => t.shape)).toEqual([[4, 9], [4, 9], [4], [4, 9]]);
    tf.dispose(batches.flat());
    data.dispose();
  });

  it("decoder inputs start with <bos>, labels are the inputs shifted by one, valid lengths count non-<pad>", () => {
    const data = new MTFraEng(4, 5, 20, 6, { path: SAMPLE });
    const [src, tgtIn, srcValidLen, tgtOut] = data.arrays.map((a) => a.arraySync()) as [number[][], number[][], number[], number[][]];
    const bos = data.tgtVocab.get("<bos>");
    const pad = data.srcVocab.get("<pad>");
    tgtIn.forEach((row, i) => {
      expect(row[0]).toBe(bos);
      expect(row.slice(1)).toEqual(tgtOut[i]!.slice(0, -1));
      expect(srcValidLen[i]).toBe(src[i]!.filter((id) => id !== pad).length);
    });
    expect(data.srcVocab.idxToToken).not.toContain("<bos>");
    data.dispose();
  });

  it("reads $D2L_DATA_DIR/fra-eng/fra.txt like the book's data root", () => {
    process.env.D2L_DATA_DIR = SAMPLE_ROOT;
    const fromEnv = new MTFraEng(8, 9, 20, 6);
    const fromPath = new MTFraEng(8, 9, 20, 6, { path: SAMPLE });
    expect(fromEnv.path).toBe(SAMPLE);
    expect(fromEnv.arrays[0].arraySync()).toEqual(fromPath.arrays[0].arraySync());
    fromEnv.dispose();
    fromPath.dispose();
  });

  it("reads Windows and old Mac line ends as Python's text mode does", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "d2l-fra-"));
    try {
      const lf = readFileSync(SAMPLE, "utf8");
      const file = path.join(dir, "fra.txt");
      writeFileSync(file, lf.replace(/\n/g, "\r\n"));
      const crlf = new MTFraEng(8, 9, 20, 6, { path: file });
      const plain = new MTFraEng(8, 9, 20, 6, { path: SAMPLE });
      expect(crlf.tgtVocab.idxToToken).toEqual(plain.tgtVocab.idxToToken);
      expect(crlf.arrays[3].arraySync()).toEqual(plain.arrays[3].arraySync());
      crlf.dispose();
      plain.dispose();
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("builds new sentences with its vocabularies: unknown words become <unk>", () => {
    const data = new MTFraEng(8, 9, 20, 6, { path: SAMPLE });
    const [src, tgtIn, srcValidLen, tgtOut] = data.build(["Go.", "hello there ."], ["Va !", "bonjour ."]);
    expect(data.srcVocab.toTokens(src.arraySync()[0]!).slice(0, 3)).toEqual(["go", ".", "<eos>"]);
    expect(data.srcVocab.toTokens(src.arraySync()[1]!).slice(0, 4)).toEqual(["<unk>", "<unk>", ".", "<eos>"]);
    expect(Array.from(srcValidLen.dataSync())).toEqual([3, 4]);
    expect(tgtIn.shape).toEqual([2, 9]);
    tf.dispose([src, tgtIn, srcValidLen, tgtOut]);
    data.dispose();
  });

  it("names the file and the system's reason when it is missing, from the path or from D2L_DATA_DIR", () => {
    expect(() => new MTFraEng(8, 9, 512, 128, { path: "/nonexistent/fra.txt" })).toThrow(D2lArgumentError);
    expect(() => new MTFraEng(8, 9, 512, 128, { path: "/nonexistent/fra.txt" })).toThrow(
      'MTFraEng: path must be a readable file in the book\'s fra.txt format; got "/nonexistent/fra.txt" (ENOENT: no such file or directory, open \'/nonexistent/fra.txt\')',
    );
    process.env.D2L_DATA_DIR = "/nonexistent";
    expect(() => new MTFraEng(8)).toThrow(
      'MTFraEng: D2L_DATA_DIR must be the book\'s data folder, holding fra-eng/fra.txt; got "/nonexistent" (ENOENT: no such file or directory, open \'/nonexistent/fra-eng/fra.txt\')',
    );
  });

  it("refuses numTrain + numVal beyond the sentence pairs the corpus holds, saying how many it holds", () => {
    delete process.env.D2L_DATA_DIR; // the shipped corpus (restored after the test)
    expect(() => new MTFraEng(128, 9, 5000, 128)).toThrow(
      `MTFraEng: numTrain must be at most 1053 (${SHIPPED_CORPUS} holds 1181 sentence pairs; numVal = 128 of them validate); got 5000`,
    );
    expect(() => new MTFraEng(8, 9, 10, 40, { path: SAMPLE })).toThrow(
      `MTFraEng: numVal must be less than 37 (${SAMPLE} holds 37 sentence pairs; numTrain + numVal at most 37); got 40`,
    );
    // Exactly as many pairs as asked for: numVal of them validate (no line left for the book's extra one).
    const exact = new MTFraEng(8, 9, 1181 - 128, 128);
    expect(exact.arrays[0].shape[0] - exact.numTrain).toBe(128);
    exact.dispose();
    // More pairs than asked for: the book's off-by-one gives validation numVal + 1 examples.
    const book = new MTFraEng(128, 9, 512, 128);
    expect(book.arrays[0].shape[0] - book.numTrain).toBe(129);
    expect([book.trainDataloader()!.length, book.valDataloader()!.length]).toEqual([4, 2]); // 512 / 128, 129 / 128
    book.dispose();
  });

  it("refuses a text without any english<TAB>french line", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "d2l-fra-"));
    try {
      mkdirSync(path.join(dir, "fra-eng"));
      const file = path.join(dir, "fra-eng", "fra.txt");
      writeFileSync(file, "no tab here\nnor here\n");
      expect(() => new MTFraEng(8, 9, 512, 128, { path: file })).toThrow(`MTFraEng: path must be a text with at least one line "english<TAB>french"; got none in ${file}`);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("refuses sentences build cannot turn into one example each", () => {
    const data = new MTFraEng(8, 9, 2, 1, { path: SAMPLE });
    expect(() => data.build(["go ."], ["va !", "salut ."])).toThrow("MTFraEng.build: tgtSentences must be as many sentences as srcSentences (1); got 2");
    expect(() => data.build(["go .", ""], ["va !", "salut ."])).toThrow('MTFraEng.build: srcSentences must be non-empty sentences; got "" at position 1');
    expect(() => data.build(["go\t."], ["va !"])).toThrow("MTFraEng.build: srcSentences must be sentences without tabs or line breaks");
    expect(() => data.build(["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "e"])).toThrow(
      "MTFraEng.build: srcSentences must be at most numTrain + numVal + 1 = 4 sentences (what the book's build reads); got 5",
    );
    data.dispose();
  });
});
