/**
 * Times the single ops of bench/ops.json with d2l-ts (the built package) and prints one JSON line
 * { mode, ops: { id: { median_us, runs } } }. Run by bench/run.mjs, one process per mode:
 *
 *   node --import tsx bench/d2l_ops.ts <fast|reference> [max seconds per op] [id,id]
 *
 * Each op runs once to warm up, then until it has taken a quarter of its budget (at least 3 and
 * at most 200 runs); an op whose single run takes more than half of the budget is timed once.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as d2l from "../kernel-lib";

const tf = d2l.tf;
type Tensor = d2l.tf.Tensor;

interface OpSpec {
  id: string;
  shape?: number[];
  vocab?: number;
  embed?: number;
  batch?: number;
  steps?: number;
  parts?: number;
  axis?: number;
  begin?: number[];
  size?: number[];
  index?: number;
  paddings?: [number, number][];
  count?: number;
  depth?: number;
  reps?: number[];
  m?: number;
  k?: number;
  n?: number;
}

/** Seeded ids in [0, n): the same in torch_ops.py ((7·i + 3) mod n). */
function ids(count: number, n: number, shape: number[] = [count]): Tensor {
  return tf.tensor(Array.from({ length: count }, (_, i) => (7 * i + 3) % n), shape, "int32");
}

/**
 * A random tensor as the output of a previous op (here x + 0): in a model, an op's inputs are
 * other ops' results, which the fast kernels keep in their WebAssembly memory.
 */
function randn(shape: number[]): Tensor {
  return tf.tidy(() => tf.add(d2l.randn(shape), 0));
}

/** The gradient of `f` at `x` for the upstream gradient `dy` (forward and backward). */
function withGrad(f: (x: Tensor) => Tensor, x: Tensor): () => Tensor {
  const dy = randn(x.shape);
  const g = tf.grad(f);
  return () => g(x, dy);
}

/** The work to time for one op: a function returning the tensors it computes. */
function op(spec: OpSpec): () => Tensor | Tensor[] {
  const shape = spec.shape ?? [];
  switch (spec.id) {
    case "gather": {
      const table = randn([spec.vocab!, spec.embed!]);
      const x = ids(spec.batch! * spec.steps!, spec.vocab!, [spec.batch!, spec.steps!]);
      return () => tf.gather(table, x);
    }
    case "gather_grad": {
      const n = spec.batch! * spec.steps!;
      const dy = randn([n, spec.embed!]);
      const x = ids(n, spec.vocab!);
      return () => tf.unsortedSegmentSum(dy, x as d2l.tf.Tensor1D, spec.vocab!);
    }
    case "split": {
      const x = randn(shape);
      return () => tf.split(x, spec.parts!, spec.axis!);
    }
    case "slice":
    case "slice_axis0": {
      const x = randn(shape);
      return () => tf.slice(x, spec.begin!, spec.size!);
    }
    case "strided_slice": {
      const x = randn(shape);
      const [a, , c] = shape;
      return () => tf.stridedSlice(x, [0, spec.index!, 0], [a, spec.index! + 1, c], [1, 1, 1], 0, 0, 0, 0, 2);
    }
    case "pad": {
      const x = randn(shape);
      return () => tf.pad(x, spec.paddings!);
    }
    case "concat":
    case "concat3": {
      const xs = Array.from({ length: spec.count! }, () => randn(shape));
      return () => tf.concat(xs, spec.axis!);
    }
    case "pack":
    case "pack_axis1": {
      const xs = Array.from({ length: spec.count! }, () => randn(shape));
      return () => tf.stack(xs, spec.axis!);
    }
    case "unpack":
    case "unpack_axis1": {
      const x = randn(shape);
      return () => tf.unstack(x, spec.axis!);
    }
    case "one_hot": {
      const x = ids(spec.count!, spec.depth!);
      return () => tf.oneHot(x, spec.depth!);
    }
    case "tile": {
      const x = randn(shape);
      return () => tf.tile(x, spec.reps!);
    }
    case "reverse": {
      const x = randn(shape);
      return () => tf.reverse(x, spec.axis!);
    }
    case "cast": {
      const x = randn(shape).greater(0);
      return () => tf.cast(x, "float32");
    }
    case "select": {
      const c = randn(shape).greater(0);
      const a = randn(shape);
      const b = randn(shape);
      return () => tf.where(c, a, b);
    }
    case "sigmoid": {
      const x = randn(shape);
      return () => tf.sigmoid(x);
    }
    case "sigmoid_grad":
      return withGrad((x) => tf.sigmoid(x), randn(shape));
    case "relu": {
      const x = randn(shape);
      return () => tf.relu(x);
    }
    case "relu_grad":
      return withGrad((x) => tf.relu(x), randn(shape));
    case "exp": {
      const x = randn(shape);
      return () => tf.exp(x);
    }
    case "log": {
      const x = randn(shape).abs();
      return () => tf.log(x);
    }
    case "sqrt": {
      const x = randn(shape).abs();
      return () => tf.sqrt(x);
    }
    case "rsqrt": {
      const x = randn(shape).abs();
      return () => tf.rsqrt(x);
    }
    case "square": {
      const x = randn(shape);
      return () => tf.square(x);
    }
    case "maximum": {
      const a = randn(shape);
      const b = randn(shape);
      return () => tf.maximum(a, b);
    }
    case "minimum": {
      const a = randn(shape);
      return () => tf.minimum(a, 0.5);
    }
    case "max": {
      const x = randn(shape);
      return () => tf.max(x, -1);
    }
    case "mean": {
      const x = randn(shape);
      return () => tf.mean(x, -1);
    }
    case "argmax": {
      const x = randn(shape);
      return () => tf.argMax(x, -1);
    }
    case "log_softmax":
      return withGrad((x) => tf.logSoftmax(x), randn(shape));
    case "cross_entropy": {
      const logits = randn([spec.count!, spec.depth!]);
      const labels = ids(spec.count!, spec.depth!);
      const g = tf.grad((x: Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, spec.depth!), x));
      return () => g(logits);
    }
    case "layer_norm": {
      const x = randn(shape);
      const dy = randn(shape);
      const norm = new d2l.LayerNorm(shape[shape.length - 1]);
      return () => {
        const { value, grads } = tf.variableGrads(() => tf.sum(norm.forward(x).mul(dy)) as d2l.tf.Scalar);
        return [value, ...Object.values(grads)];
      };
    }
    case "matmul": {
      const a = randn([spec.m!, spec.k!]);
      const b = randn([spec.k!, spec.n!]);
      return () => tf.matMul(a, b);
    }
    case "small_add": {
      const a = randn(shape);
      const b = randn(shape);
      return () => tf.add(a, b);
    }
    default:
      throw new Error(`d2l_ops: unknown op "${spec.id}"`);
  }
}

/**
 * One call: computes and frees the results. (tfjs's CPU backend computes synchronously, so the
 * results are complete when the op returns; reading them with dataSync would add a copy of the
 * fast kernels' results that torch's column does not pay.)
 */
function callOnce(f: () => Tensor | Tensor[]): number {
  const start = performance.now();
  tf.dispose(tf.tidy(f));
  return performance.now() - start;
}

function time(f: () => Tensor | Tensor[], budgetMs: number): { median_us: number; runs: number } {
  const first = callOnce(f);
  const times: number[] = [];
  if (first * 2 > budgetMs) {
    times.push(first);
  } else {
    let spent = 0;
    while (times.length < 200 && (times.length < 3 || spent < budgetMs / 4)) {
      const t = callOnce(f);
      times.push(t);
      spent += t;
    }
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { median_us: median * 1000, runs: times.length };
}

async function main(): Promise<void> {
  const [mode, maxSecondsArg, idsArg] = process.argv.slice(2);
  if (mode !== "fast" && mode !== "reference") throw new Error(`d2l_ops: mode must be fast or reference; got ${mode}`);
  const budgetMs = Number(maxSecondsArg ?? 20) * 1000;
  const wanted = idsArg ? new Set(idsArg.split(",")) : null;
  const specs = (JSON.parse(readFileSync(join(__dirname, "ops.json"), "utf8")) as { ops: OpSpec[] }).ops;
  await d2l.useBackend("cpu");
  d2l.useFastKernels(mode === "fast");
  d2l.seed(0);
  const ops: Record<string, { median_us: number; runs: number }> = {};
  for (const spec of specs) {
    if (wanted && !wanted.has(spec.id)) continue;
    ops[spec.id] = time(op(spec), budgetMs);
    process.stderr.write(`    ${mode} ${spec.id}: ${ops[spec.id].median_us.toFixed(1)} µs\n`);
  }
  process.stdout.write(JSON.stringify({ mode, ops, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
