/**
 * The text processing of section 10.5's `MTFraEng`: `_preprocess` and `_tokenize`, with the
 * book's exact rules (kept here as functions so they can be tested on their own).
 */

/**
 * Section 10.5's `_preprocess(text)`: narrow and ordinary no-break spaces (U+202F, U+00A0) become
 * spaces, the text is lower-cased, and a space is inserted before `,` `.` `!` `?` unless one is
 * there. Like the book, the "is there a space before" test looks at the text before lower-casing.
 */
export function preprocessNmt(text: string): string {
  const spaced = text.replaceAll("\u202f", " ").replaceAll("\u00a0", " ");
  // Code points, as Python indexes strings.
  const original = Array.from(spaced);
  const lower = Array.from(spaced.toLowerCase());
  const noSpace = (char: string, prev: string | undefined): boolean => ",.!?".includes(char) && prev !== " ";
  return lower.map((char, i) => (i > 0 && noSpace(char, original[i - 1]) ? " " + char : char)).join("");
}

/**
 * Section 10.5's `_tokenize(text, max_examples)`: for each line `source<TAB>target` (lines with
 * another number of tab-separated fields are skipped), the space-separated tokens of each side
 * (empty ones dropped) plus `<eos>`. Reading stops after line index `maxExamples` (so up to
 * `maxExamples + 1` lines are read, as the book's `i > max_examples` test does); `maxExamples`
 * absent or 0 reads every line. Returns `[src, tgt]`, one token list per kept line each.
 */
export function tokenizeNmt(text: string, maxExamples?: number | null): [string[][], string[][]] {
  const src: string[][] = [];
  const tgt: string[][] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (maxExamples && i > maxExamples) break;
    const parts = lines[i].split("\t");
    if (parts.length === 2) {
      // Skip empty tokens
      src.push(`${parts[0]} <eos>`.split(" ").filter((t) => t.length > 0));
      tgt.push(`${parts[1]} <eos>`.split(" ").filter((t) => t.length > 0));
    }
  }
  return [src, tgt];
}
