/** `Vocab`: the book's vocabulary of tokens (section 9.2), used by `MTFraEng` (10.5). */
import { tf } from "../tf";
import { describe, fail, formatShape } from "../ops/check";

/** Python's string order: by Unicode code point (JavaScript's `<` compares UTF-16 code units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800–0xDFFF) encode code points above 0xFFFF: they sort after the rest of
    // the BMP, which code units 0xE000–0xFFFF would otherwise precede.
    const surrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdfff;
    if (surrogate(x) !== surrogate(y)) return surrogate(x) ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Tokens as the book gives them to `Vocab`: a list, or a list of lists (flattened). */
export type VocabTokens = readonly string[] | readonly (readonly string[])[];

/** Token ids as `toTokens` takes them. */
export type TokenIds = number | ArrayLike<number> | tf.Tensor;

/**
 * Section 9.2's `Vocab(tokens, min_freq, reserved_tokens)`: counts `tokens` (a list of tokens, or
 * a list of token lists), and indexes the sorted set of `<unk>`, the reserved tokens and every
 * token seen at least `minFreq` times (sorted by code point, as Python sorts strings).
 * `get(token)` is the book's `vocab[token]` (unknown tokens → `unk`); `toTokens(indices)` maps
 * back; `length` is `len(vocab)`.
 */
export class Vocab {
  /** (token, count) pairs, most frequent first; ties in order of first appearance. */
  readonly tokenFreqs: ReadonlyArray<readonly [string, number]>;
  /** The tokens by index. */
  readonly idxToToken: readonly string[];
  /** The index of each token. */
  readonly tokenToIdx: ReadonlyMap<string, number>;

  constructor(tokens: VocabTokens = [], minFreq = 0, reservedTokens: readonly string[] = []) {
    if (!Array.isArray(tokens)) fail("Vocab", "tokens", "an array of tokens or of token arrays", describe(tokens));
    if (typeof minFreq !== "number" || Number.isNaN(minFreq)) fail("Vocab", "minFreq", "a number", describe(minFreq));
    if (!Array.isArray(reservedTokens) || reservedTokens.some((t) => typeof t !== "string")) {
      fail("Vocab", "reservedTokens", "an array of strings", describe(reservedTokens));
    }
    // Flatten a 2D list if needed (the book looks at the first entry only)
    const flat = (tokens.length > 0 && Array.isArray(tokens[0]) ? (tokens as readonly (readonly string[])[]).flat() : tokens) as unknown[];
    const counter = new Map<string, number>();
    flat.forEach((token, i) => {
      if (typeof token !== "string") fail("Vocab", "tokens", "strings (or arrays of strings)", `${describe(token)} at position ${i}`);
      counter.set(token, (counter.get(token) ?? 0) + 1);
    });
    this.tokenFreqs = [...counter.entries()].sort((a, b) => b[1] - a[1]);
    const unique = new Set<string>(["<unk>", ...reservedTokens]);
    for (const [token, freq] of this.tokenFreqs) if (freq >= minFreq) unique.add(token);
    this.idxToToken = [...unique].sort(compareCodePoints);
    this.tokenToIdx = new Map(this.idxToToken.map((token, idx) => [token, idx]));
  }

  /** The number of tokens (the book's `len(vocab)`). */
  get length(): number {
    return this.idxToToken.length;
  }

  /** The index of `<unk>`, which unknown tokens map to. */
  get unk(): number {
    return this.tokenToIdx.get("<unk>") as number;
  }

  /** The book's `vocab[tokens]`: the index of a token (`unk` when unknown), or of each token of a (nested) list. */
  get(token: string): number;
  get(tokens: readonly string[]): number[];
  get(tokens: readonly (readonly string[])[]): number[][];
  get(tokens: string | readonly unknown[]): number | unknown[] {
    if (typeof tokens === "string") return this.tokenToIdx.get(tokens) ?? this.unk;
    if (!Array.isArray(tokens)) fail("Vocab.get", "tokens", "a token or a (nested) array of tokens", describe(tokens));
    return tokens.map((t) => this.get(t as string));
  }

  /**
   * The book's `vocab.to_tokens(indices)`: the token of one index, or the tokens of a list, typed
   * array or 1-D tensor of indices (always a list here, also for one index). Throws a
   * `D2lArgumentError` for an index outside [0, length).
   */
  toTokens(index: number): string;
  toTokens(indices: ArrayLike<number> | tf.Tensor): string[];
  toTokens(indices: TokenIds): string | string[] {
    const fn = "Vocab.toTokens";
    if (typeof indices === "number") return this.idxToToken[this.checkIndex(fn, indices, "")];
    let values: ArrayLike<number>;
    if (indices instanceof tf.Tensor) {
      if (indices.rank > 1) fail(fn, "indices", "a 1-D tensor of token ids", `shape ${formatShape(indices.shape)}`);
      values = indices.dataSync() as ArrayLike<number>;
      if (indices.rank === 0) return this.idxToToken[this.checkIndex(fn, values[0], "")];
    } else if (indices !== null && typeof indices === "object" && typeof indices.length === "number") {
      values = indices;
    } else {
      fail(fn, "indices", "a token id or a list of token ids", describe(indices));
    }
    return Array.from(values, (v, i) => this.idxToToken[this.checkIndex(fn, v, ` at position ${i}`)]);
  }

  private checkIndex(fn: string, index: unknown, where: string): number {
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= this.length) {
      fail(fn, "indices", `token ids in [0, ${this.length}) (the vocabulary's length)`, `${describe(index)}${where}`);
    }
    return index;
  }
}
