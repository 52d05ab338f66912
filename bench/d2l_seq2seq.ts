/**
 * Section 11.4's training with d2l-ts, for bench/d2l_rows.ts: one epoch of `Trainer.fitEpoch` on
 * the corpus `d2l.MTFraEng` reads by default, the workload bench/torch_seq2seq.py times with the
 * book's PyTorch code.
 */
import * as d2l from "../kernel-lib";

const tf = d2l.tf;

/** The sizes of the row (bench/rows.json), the book's: embed 256, hidden 256, 2 layers, … */
export interface Seq2SeqEpochRow {
  batchSize: number;
  embed: number;
  hiddens: number;
  layers: number;
  dropout: number;
  lr: number;
  clip: number;
}

/**
 * One epoch (MTFraEng(batchSize): 4 training batches, then validation), as the notebook trains;
 * the model and the optimizer carry over from one timed epoch to the next, as in training.
 */
export function seq2seqEpoch(row: Seq2SeqEpochRow): { run(): Promise<void> } {
  const data = new d2l.MTFraEng(row.batchSize);
  const sizes = [row.embed, row.hiddens, row.layers, row.dropout] as const;
  const encoder = new d2l.Seq2SeqEncoder(data.srcVocab.length, ...sizes);
  const decoder = new d2l.Seq2SeqAttentionDecoder(data.tgtVocab.length, ...sizes);
  const model = new d2l.Seq2Seq(encoder, decoder, data.tgtVocab.get("<pad>"), row.lr);
  model.board.display = false;
  const trainer = new d2l.Trainer({ maxEpochs: 1, gradientClipVal: row.clip });
  trainer.prepareData(data);
  trainer.prepareModel(model);
  // Creates the lazy output layer before the optimizer takes the parameters (as Trainer.fit does).
  model.eval();
  tf.tidy(() => {
    const [src, tgtIn, srcValidLen] = data.arrays.map((t) => t.slice(0, row.batchSize));
    model.forward(src, tgtIn, srcValidLen);
  });
  trainer.optim = model.configureOptimizers();
  return { run: () => trainer.fitEpoch() };
}
