/**
 * Times one benchmark row with d2l-ts (the built package, as users load it) and prints one JSON
 * line: { row, mode, times_ms, peak_rss_mb, threads }. Run by bench/run.mjs in a fresh process per
 * row so that peak memory belongs to that row:
 *
 *   node --import tsx bench/d2l_rows.ts <row id> <fast|reference> <repeats> <max seconds>
 *
 * "reference" runs tfjs's own CPU kernels (d2l.useFastKernels(false)), "fast" d2l-ts's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
// The built package through its package.json ("main": dist/index.js), as users load it; by path,
// so that it does not depend on npm's workspace link.
import * as d2l from "../kernel-lib";
import { seq2seqEpoch, type Seq2SeqEpochRow } from "./d2l_seq2seq";

const tf = d2l.tf;
type Tensor = d2l.tf.Tensor;

interface Row {
  id: string;
  vocab?: number;
  pad?: number;
  embed?: number;
  layers?: number;
  dropout?: number;
  steps?: number;
  clip?: number;
  batch?: number;
  queries?: number;
  keys?: number;
  d?: number;
  hiddens?: number;
  heads?: number;
  tokens?: number;
  n?: number;
  batchSize?: number;
  ffnHiddens?: number;
  blocks?: number;
  epochs?: number;
  lr?: number;
}

/** One timed unit of work; `run` resolves once all its results are computed. */
interface Workload {
  run(): Promise<void> | void;
}

/** The benchmark's valid lengths: 1 + (37·b) mod keys, identical in torch_rows.py. */
function validLens(batch: number, keys: number): Tensor {
  return tf.tensor1d(Array.from({ length: batch }, (_, b) => 1 + ((37 * b) % keys)), "int32");
}

/** Runs `f` in a tidy scope and frees what it returns (tfjs's CPU backend computes eagerly). */
function settle(f: () => Tensor | Tensor[]): void {
  tf.dispose(tf.tidy(f));
}

/** The synthetic batch of bench/torch_rows.py's translation_batch: (src, tgt input, src valid lengths, label). */
function translationBatch(row: Required<Row>): Tensor[] {
  const { batch: b, steps: n, vocab, pad } = row;
  const ids = (shift: number) => {
    const out = new Int32Array(b * n);
    for (let i = 0; i < b; i++) {
      const length = 1 + ((37 * i) % n);
      for (let t = 0; t < n; t++) {
        const token = (7 * (i * n + t) + 3 + shift) % vocab;
        out[i * n + t] = t < length ? (token !== pad ? token : pad + 1) : pad;
      }
    }
    return tf.tensor2d(out, [b, n], "int32");
  };
  const validLen = tf.tensor1d(Array.from({ length: b }, (_, i) => 1 + ((37 * i) % n)), "int32");
  return [ids(0), ids(1), validLen, ids(2)];
}

/** One step of the book's Trainer.fit_epoch (section 3.2 with 9.5's clipping) on `batch`. */
function trainingStep(model: d2l.Module, batch: Tensor[], clip: number): Workload {
  const trainer = new d2l.Trainer({ maxEpochs: 1, gradientClipVal: clip });
  trainer.prepareModel(model);
  trainer.numTrainBatches = 1;
  model.board.display = false;
  model.eval();
  settle(() => model.forward(...batch.slice(0, -1))); // creates the lazy parameters
  model.train();
  const optim = model.configureOptimizers();
  const params = model.parameters();
  return {
    run() {
      const { value, grads } = tf.variableGrads(() => model.trainingStep(batch), params);
      value.dispose();
      const clipped = trainer.clipGradients(clip, grads);
      optim.zeroGrad();
      optim.step(clipped);
      tf.dispose(Object.values(clipped));
    },
  };
}

/** The timed unit of work of `row` (also used by bench/profile_step.ts). */
export function workloadFor(row: Row): Workload {
  switch (row.id) {
    case "masked_softmax": {
      const X = d2l.randn([row.batch!, row.queries!, row.keys!]) as d2l.tf.Tensor3D;
      const lens = validLens(row.batch!, row.keys!);
      return { run: () => settle(() => d2l.maskedSoftmax(X, lens)) };
    }
    case "dot_attention_fwd":
    case "dot_attention_fwd_bwd": {
      const { batch, queries, keys, d } = row as Required<Row>;
      const q = d2l.randn([batch, queries, d]);
      const k = d2l.randn([batch, keys, d]);
      const v = d2l.randn([batch, keys, d]);
      const lens = validLens(batch, keys);
      const attention = new d2l.DotProductAttention(0);
      attention.eval();
      const forward = (q: Tensor, k: Tensor, v: Tensor) => attention.forward(q, k, v, lens);
      if (row.id === "dot_attention_fwd") return { run: () => settle(() => forward(q, k, v)) };
      const grads = tf.grads((q: Tensor, k: Tensor, v: Tensor) => tf.sum(forward(q, k, v)));
      return { run: () => settle(() => grads([q, k, v])) };
    }
    case "additive_attention_fwd":
    case "additive_attention_fwd_bwd": {
      const { batch, queries, keys, d, hiddens } = row as Required<Row>;
      const q = d2l.randn([batch, queries, d]);
      const k = d2l.randn([batch, keys, d]);
      const v = d2l.randn([batch, keys, d]);
      const lens = validLens(batch, keys);
      const attention = new d2l.AdditiveAttention(hiddens, 0);
      attention.eval();
      return parameterWorkload(row.id.endsWith("_bwd"), () => attention.forward(q, k, v, lens));
    }
    case "mha_fwd":
    case "mha_fwd_bwd": {
      const { batch, tokens, hiddens, heads } = row as Required<Row>;
      const X = d2l.randn([batch, tokens, hiddens]);
      const lens = validLens(batch, tokens);
      const attention = new d2l.MultiHeadAttention(hiddens, heads, 0);
      attention.eval();
      return parameterWorkload(row.id.endsWith("_bwd"), () => attention.forward(X, X, X, lens));
    }
    case "nw_train_50":
    case "nw_train_5000": {
      const { n, batchSize, epochs, lr } = row as Required<Row>;
      return {
        async run() {
          d2l.seed(0);
          const data = new d2l.NonlinearData(n, batchSize);
          const model = new d2l.NWKernelRegression(data.xTrain, data.yTrain, lr);
          model.board.display = false;
          await new d2l.Trainer({ maxEpochs: epochs }).fit(model, data);
          model.w.dataSync();
        },
      };
    }
    case "seq2seq_attention_epoch":
      return seq2seqEpoch(row as unknown as Seq2SeqEpochRow);
    case "transformer_epoch":
      return transformerEpoch(row as Required<Row>);
    case "seq2seq_attention_step": {
      const r = row as Required<Row>;
      const encoder = new d2l.Seq2SeqEncoder(r.vocab, r.embed, r.hiddens, r.layers, r.dropout);
      const decoder = new d2l.Seq2SeqAttentionDecoder(r.vocab, r.embed, r.hiddens, r.layers, r.dropout);
      return trainingStep(new d2l.Seq2Seq(encoder, decoder, r.pad, r.lr), translationBatch(r), r.clip);
    }
    case "transformer_step": {
      const r = row as Required<Row>;
      const sizes = [r.hiddens, r.ffnHiddens, r.heads, r.blocks, r.dropout] as const;
      const encoder = new d2l.TransformerEncoder(r.vocab, ...sizes);
      const decoder = new d2l.TransformerDecoder(r.vocab, ...sizes);
      return trainingStep(new d2l.Seq2Seq(encoder, decoder, r.pad, r.lr), translationBatch(r), r.clip);
    }
    default:
      throw new Error(`d2l_rows: unknown row "${row.id}"`);
  }
}

/** One epoch of 11.7's training (Trainer.fit: the training minibatches, then validation) on the shipped corpus. */
function transformerEpoch(row: Required<Row>): Workload {
  const data = new d2l.MTFraEng(row.batchSize);
  const sizes = [row.hiddens, row.ffnHiddens, row.heads, row.blocks, row.dropout] as const;
  const encoder = new d2l.TransformerEncoder(data.srcVocab.length, ...sizes);
  const decoder = new d2l.TransformerDecoder(data.tgtVocab.length, ...sizes);
  const model = new d2l.Seq2Seq(encoder, decoder, data.tgtVocab.get("<pad>"), row.lr);
  model.board.display = false;
  return { run: () => new d2l.Trainer({ maxEpochs: 1, gradientClipVal: row.clip }).fit(model, data) };
}

/** Forward only, or forward + gradients of the sum with respect to the layer's parameters. */
function parameterWorkload(backward: boolean, forward: () => Tensor): Workload {
  settle(forward); // creates the lazy parameters
  if (!backward) return { run: () => settle(forward) };
  return {
    run: () =>
      settle(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(forward()) as d2l.tf.Scalar);
        return [value, ...Object.values(grads)];
      }),
  };
}

/** The longest warm-up: runs, and milliseconds after which no further warm-up run starts. */
const WARM_UP_RUNS = 20;
const WARM_UP_MS = 2000;

async function main(): Promise<void> {
  const [id, mode, repeatsArg, maxSecondsArg] = process.argv.slice(2);
  if (mode !== "fast" && mode !== "reference") throw new Error(`d2l_rows: mode must be fast or reference; got ${mode}`);
  const repeats = Number(repeatsArg ?? 5);
  const maxMs = Number(maxSecondsArg ?? 60) * 1000;
  const rows = (JSON.parse(readFileSync(join(__dirname, "rows.json"), "utf8")) as { rows: Row[] }).rows;
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`d2l_rows: unknown row "${id}"`);

  await d2l.useBackend("cpu");
  d2l.useFastKernels(mode === "fast");
  d2l.seed(0);
  const work = workloadFor(row);

  // Warm-up: one run, more while they are short (up to 20 runs or 2 s, so that a few-millisecond
  // row is timed with V8's optimised code, as torch_rows.py does likewise); when the first run
  // alone takes a large part of the budget it is the only sample.
  const times: number[] = [];
  let start = performance.now();
  await work.run();
  const first = performance.now() - start;
  let warmUp = true;
  if (first * 2 > maxMs) {
    times.push(first);
    warmUp = false;
  }
  let spent = first;
  for (let extra = 1; warmUp && extra < WARM_UP_RUNS && spent < WARM_UP_MS; extra++) {
    start = performance.now();
    await work.run();
    spent += performance.now() - start;
  }
  while (warmUp && times.length < repeats && (times.length === 0 || spent + times[0] < maxMs)) {
    start = performance.now();
    await work.run();
    const t = performance.now() - start;
    times.push(t);
    spent += t;
  }
  const result = {
    row: id,
    mode,
    times_ms: times,
    warm_up: warmUp,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    threads: mode === "fast" ? d2l.fastKernelThreads() : 1,
    tensors_left: tf.memory().numTensors,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
