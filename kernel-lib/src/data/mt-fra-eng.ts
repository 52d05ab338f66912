/** `MTFraEng`: the English–French translation data of section 10.5. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { tf } from "../tf";
import { describe, expectInteger, fail } from "../ops/check";
import { DataModule } from "../training/data-module";
import type { DataLoader } from "../training/tensor-loader";
import { preprocessNmt, tokenizeNmt } from "./nmt-text";
import { Vocab } from "./vocab";

/** The corpus shipped with d2l-ts: `data/fra-eng/fra.txt` in the package (written for d2l-ts). */
export const SHIPPED_CORPUS = path.resolve(__dirname, "../../data/fra-eng/fra.txt");

/** Options of `MTFraEng`. */
export interface MTFraEngOptions {
  /** A file in the book's `fra.txt` format to read instead of the shipped corpus. */
  path?: string;
}

/**
 * `[src, tgtIn, srcValidLen, tgtOut]`: source ids `(n, numSteps)`, decoder inputs `(n, numSteps)`
 * (starting with `<bos>`), source valid lengths `(n)` and labels `(n, numSteps)`, all int32.
 */
export type MTArrays = [src: tf.Tensor2D, tgtIn: tf.Tensor2D, srcValidLen: tf.Tensor1D, tgtOut: tf.Tensor2D];

/** The file `MTFraEng` reads, and which argument chose it (for messages). */
function corpusFile(options: MTFraEngOptions): { file: string; arg: string; expected: string; got: string } {
  if (options.path !== undefined) {
    if (typeof options.path !== "string" || options.path.length === 0) fail("MTFraEng", "path", "the path of a fra.txt file", describe(options.path));
    return { file: options.path, arg: "path", expected: "a readable file in the book's fra.txt format", got: JSON.stringify(options.path) };
  }
  const root = typeof process !== "undefined" ? process.env?.D2L_DATA_DIR : undefined;
  if (root) {
    const file = path.join(root, "fra-eng", "fra.txt");
    return { file, arg: "D2L_DATA_DIR", expected: "the book's data folder, holding fra-eng/fra.txt", got: JSON.stringify(root) };
  }
  return { file: SHIPPED_CORPUS, arg: "path", expected: "given: the corpus shipped with d2l-ts cannot be read", got: "none" };
}

/** `(rows, cols)` int32 from row-major ids. */
function int2d(values: Int32Array, rows: number, cols: number): tf.Tensor2D {
  return tf.tensor2d(values, [rows, cols], "int32");
}

/**
 * Section 10.5's `MTFraEng(batch_size, num_steps=9, num_train=512, num_val=128)`, a `DataModule`
 * of English→French sentence pairs, built exactly as the book builds it:
 *
 * - the text: d2l-ts's own corpus (shipped in the package) by default; `options.path`, or the
 *   environment variable `D2L_DATA_DIR` (the book's data root: `$D2L_DATA_DIR/fra-eng/fra.txt`),
 *   reads the book's own file the same way;
 * - `preprocess` (no-break spaces, lower case, a space before `, . ! ?`) and `tokenize` (word
 *   level, `<eos>` appended, lines with a third tab field skipped, at most `numTrain + numVal + 1`
 *   lines read: the book's limit is off by one);
 * - every sentence padded with `<pad>` or trimmed to `numSteps` tokens BEFORE the vocabularies are
 *   built (`Vocab(sentences, 2)`: tokens seen at least twice, cut-off words not counted), targets
 *   prefixed with `<bos>` (so the source vocabulary has no `<bos>`);
 * - `arrays` = `[src, tgt[:, :-1], srcValidLen, tgt[:, 1:]]`, int32, valid lengths counting the
 *   tokens that are not `<pad>`; the first `numTrain` examples train, the rest validate.
 *
 * `build(srcSentences, tgtSentences)` turns new sentences into arrays with the same vocabularies.
 * A missing or unreadable file throws a `D2lArgumentError` naming the path and the system's
 * reason; so do `numSteps < 1`, a text without any `english<TAB>french` line, and `numTrain +
 * numVal` larger than the number of sentence pairs the file holds (the shipped corpus holds
 * 1181; the book's `fra.txt` about 190,000), which names that number.
 */
export class MTFraEng extends DataModule {
  readonly numSteps: number;
  /** The book's `num_train`: the first `numTrain` examples train. */
  readonly numTrain: number;
  /**
   * The book's `num_val`. As in the book, validation gets every example read after the first
   * `numTrain`: `numVal + 1` of them when the corpus holds more than `numTrain + numVal` pairs
   * (the book's `_tokenize` reads one line past its limit, so 129 for the default 128; fewer when
   * lines among those read are skipped), exactly
   * `numVal` when it holds `numTrain + numVal`. A corpus holding fewer is an error.
   */
  readonly numVal: number;
  /** The fra.txt file read. */
  readonly path: string;
  /** `[src, tgtIn, srcValidLen, tgtOut]` of every example read (see `MTArrays`); owned by the data module. */
  readonly arrays: MTArrays;
  readonly srcVocab: Vocab;
  readonly tgtVocab: Vocab;

  constructor(batchSize: number, numSteps = 9, numTrain = 512, numVal = 128, options: MTFraEngOptions = {}) {
    super(batchSize);
    this.numSteps = expectInteger("MTFraEng", "numSteps", numSteps, 1);
    this.numTrain = expectInteger("MTFraEng", "numTrain", numTrain, 0);
    this.numVal = expectInteger("MTFraEng", "numVal", numVal, 0);
    if (options === null || typeof options !== "object") fail("MTFraEng", "options", "{ path? }", describe(options));
    const source = corpusFile(options);
    this.path = source.file;
    const raw = this.readText(source);
    const built = this.buildArrays(raw);
    const rows = built.arrays[0].shape[0];
    if (rows === 0) {
      tf.dispose(built.arrays);
      fail("MTFraEng", source.arg, 'a text with at least one line "english<TAB>french"', `none in ${this.path}`);
    }
    if (rows < this.numTrain + this.numVal) {
      // The file ran out (or skipped lines) before numTrain + numVal examples: the book would
      // train on what there is and validate on little or nothing. Count what the file holds.
      const pairs = tokenizeNmt(raw)[0].length;
      if (pairs < this.numTrain + this.numVal) {
        tf.dispose(built.arrays);
        const holds = `${this.path} holds ${pairs} sentence pairs`;
        if (this.numVal >= pairs) fail("MTFraEng", "numVal", `less than ${pairs} (${holds}; numTrain + numVal at most ${pairs})`, String(this.numVal));
        fail("MTFraEng", "numTrain", `at most ${pairs - this.numVal} (${holds}; numVal = ${this.numVal} of them validate)`, String(this.numTrain));
      }
    }
    this.arrays = built.arrays;
    this.srcVocab = built.srcVocab;
    this.tgtVocab = built.tgtVocab;
  }

  /**
   * The book's `_download()` without a network: the text of the fra.txt file, with line ends
   * normalised to `\n` (Python's text mode does the same).
   */
  readText(source = corpusFile({ path: this.path })): string {
    try {
      return readFileSync(source.file, "utf8").replace(/\r\n?/g, "\n");
    } catch (error) {
      fail("MTFraEng", source.arg, source.expected, `${source.got} (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  /** Section 10.5's `_preprocess(text)`: see `preprocessNmt`. */
  preprocess(text: string): string {
    if (typeof text !== "string") fail("MTFraEng.preprocess", "text", "a string", describe(text));
    return preprocessNmt(text);
  }

  /** Section 10.5's `_tokenize(text, max_examples)`: see `tokenizeNmt`. */
  tokenize(text: string, maxExamples?: number | null): [string[][], string[][]] {
    if (typeof text !== "string") fail("MTFraEng.tokenize", "text", "a string", describe(text));
    if (maxExamples !== undefined && maxExamples !== null) expectInteger("MTFraEng.tokenize", "maxExamples", maxExamples, 0);
    return tokenizeNmt(text, maxExamples);
  }

  /**
   * Section 10.5's `_build_arrays(raw_text, src_vocab, tgt_vocab)`: the arrays of `rawText`, with
   * new vocabularies unless given. The tensors belong to the caller.
   */
  buildArrays(rawText: string, srcVocab?: Vocab, tgtVocab?: Vocab): { arrays: MTArrays; srcVocab: Vocab; tgtVocab: Vocab } {
    const [src, tgt] = this.tokenize(this.preprocess(rawText), this.numTrain + this.numVal);
    const source = this.buildArray(src, srcVocab, false);
    const target = this.buildArray(tgt, tgtVocab, true);
    const n = src.length;
    const T = this.numSteps;
    // target rows have T + 1 ids: <bos> and T tokens; inputs drop the last, labels the first
    const tgtIn = new Int32Array(n * T);
    const tgtOut = new Int32Array(n * T);
    for (let i = 0; i < n; i++) {
      tgtIn.set(target.ids.subarray(i * (T + 1), i * (T + 1) + T), i * T);
      tgtOut.set(target.ids.subarray(i * (T + 1) + 1, (i + 1) * (T + 1)), i * T);
    }
    const arrays: MTArrays = [
      int2d(source.ids, n, T),
      int2d(tgtIn, n, T),
      tf.tensor1d(source.validLen, "int32"),
      int2d(tgtOut, n, T),
    ];
    return { arrays, srcVocab: source.vocab, tgtVocab: target.vocab };
  }

  /** The book's inner `_build_array`: pad or trim, `<bos>` for targets, the vocabulary, ids, valid lengths. */
  private buildArray(sentences: string[][], vocab: Vocab | undefined, isTgt: boolean): { ids: Int32Array; vocab: Vocab; validLen: Int32Array } {
    const T = this.numSteps;
    const padOrTrim = (seq: string[]): string[] => (seq.length > T ? seq.slice(0, T) : [...seq, ...Array<string>(T - seq.length).fill("<pad>")]);
    let rows = sentences.map(padOrTrim);
    if (isTgt) rows = rows.map((s) => ["<bos>", ...s]);
    const v = vocab ?? new Vocab(rows, 2);
    const width = isTgt ? T + 1 : T;
    const ids = new Int32Array(rows.length * width);
    const validLen = new Int32Array(rows.length);
    const pad = v.get("<pad>");
    rows.forEach((row, i) => {
      const rowIds = v.get(row);
      ids.set(rowIds, i * width);
      validLen[i] = rowIds.filter((id) => id !== pad).length;
    });
    return { ids, vocab: v, validLen };
  }

  /** Section 10.5: the first `numTrain` examples (train) or the rest (validation), by index. */
  override getDataloader(train: boolean): DataLoader {
    const n = this.arrays[0].shape[0];
    const [start, end] = train ? [0, Math.min(this.numTrain, n)] : [Math.min(this.numTrain, n), n];
    const indices = Array.from({ length: end - start }, (_, i) => start + i);
    return this.getTensorloader(this.arrays, train, indices);
  }

  /**
   * Section 10.5's `build(src_sentences, tgt_sentences)`: the arrays `[src, tgtIn, srcValidLen,
   * tgtOut]` of new sentence pairs, with this data's vocabularies (unknown words become `<unk>`).
   * The tensors belong to the caller. Throws a `D2lArgumentError` when the lists differ in length,
   * a sentence is empty or holds a tab or line break, or there are more than `numTrain + numVal +
   * 1` pairs (the book's `build` would silently drop the rest).
   */
  build(srcSentences: readonly string[], tgtSentences: readonly string[]): MTArrays {
    const fn = "MTFraEng.build";
    const limit = this.numTrain + this.numVal + 1;
    for (const [arg, sentences] of [["srcSentences", srcSentences], ["tgtSentences", tgtSentences]] as const) {
      if (!Array.isArray(sentences) || sentences.length === 0) fail(fn, arg, "a non-empty array of sentences", describe(sentences));
      sentences.forEach((s, i) => {
        if (typeof s !== "string") fail(fn, arg, "strings", `${describe(s)} at position ${i}`);
        if (/[\t\n\r]/.test(s)) fail(fn, arg, "sentences without tabs or line breaks", `${JSON.stringify(s)} at position ${i}`);
        if (s.split(" ").every((t) => t.length === 0)) fail(fn, arg, "non-empty sentences", `${JSON.stringify(s)} at position ${i}`);
      });
      if (sentences.length > limit) {
        fail(fn, arg, `at most numTrain + numVal + 1 = ${limit} sentences (what the book's build reads)`, `${sentences.length}`);
      }
    }
    if (srcSentences.length !== tgtSentences.length) {
      fail(fn, "tgtSentences", `as many sentences as srcSentences (${srcSentences.length})`, `${tgtSentences.length}`);
    }
    const rawText = srcSentences.map((src, i) => `${src}\t${tgtSentences[i]}`).join("\n");
    return this.buildArrays(rawText, this.srcVocab, this.tgtVocab).arrays;
  }

  /** Frees `arrays`. */
  dispose(): void {
    tf.dispose(this.arrays);
  }
}
