/** `bleu`: the book's BLEU score of a predicted sequence (section 10.7). */
import { describe, expectInteger, fail } from "../ops/check";

/**
 * Section 10.7's `bleu(pred_seq, label_seq, k)`: sequences are strings of tokens separated by
 * single spaces. The score is exp(min(0, 1 − lenLabel/lenPred)) · Π_{n=1}^{min(k, lenPred)} p_nᶜ
 * with c = 0.5ⁿ, p_n the clipped precision of the predicted n-grams; so an order with no
 * matching n-gram gives 0, and a prediction equal to the label gives 1. `k` is an integer ≥ 1.
 */
export function bleu(predSeq: string, labelSeq: string, k: number): number {
  if (typeof predSeq !== "string") fail("bleu", "predSeq", "a string of space-separated tokens", describe(predSeq));
  if (typeof labelSeq !== "string") fail("bleu", "labelSeq", "a string of space-separated tokens", describe(labelSeq));
  expectInteger("bleu", "k", k, 1);
  const predTokens = predSeq.split(" ");
  const labelTokens = labelSeq.split(" ");
  const lenPred = predTokens.length;
  const lenLabel = labelTokens.length;
  let score = Math.exp(Math.min(0, 1 - lenLabel / lenPred));
  for (let n = 1; n <= Math.min(k, lenPred); n++) {
    let numMatches = 0;
    const labelSubs = new Map<string, number>();
    for (let i = 0; i < lenLabel - n + 1; i++) {
      const gram = labelTokens.slice(i, i + n).join(" ");
      labelSubs.set(gram, (labelSubs.get(gram) ?? 0) + 1);
    }
    for (let i = 0; i < lenPred - n + 1; i++) {
      const gram = predTokens.slice(i, i + n).join(" ");
      const count = labelSubs.get(gram) ?? 0;
      if (count > 0) {
        numMatches += 1;
        labelSubs.set(gram, count - 1);
      }
    }
    score *= Math.pow(numMatches / (lenPred - n + 1), Math.pow(0.5, n));
  }
  return score;
}
