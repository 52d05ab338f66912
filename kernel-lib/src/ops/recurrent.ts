/**
 * One recurrent layer over a whole sequence, as PyTorch's `nn.GRU` and `nn.LSTM` compute it
 * (sections 10.2 and 10.1; used by the encoder–decoders of 10.7 and 11.4).
 *
 * Built from tfjs ops, a GRU step costs a split of the gate pre-activations, slices and
 * concatenations, each a slow element-by-element walk on tfjs's cpu backend (see
 * /work/shared/notes/tensorflow-js.md). So each layer is ONE custom op (`tf.customGrad`): the
 * input projection of all steps is one matmul, the hidden projection one matmul per step, and the
 * gate arithmetic and its backward pass (backpropagation through time) are plain loops on the
 * host. The matmuls go through tfjs, so the fast kernels (or the wasm backend) run them.
 *
 * `gruLayer` and `lstmLayer` are the only entry points the layers use. A faster implementation
 * (e.g. a fused wasm kernel) takes their place through `setRecurrentKernels`, as
 * `setMaskedSoftmaxKernels` does for the masked softmax.
 */
import { tf } from "../tf";
import { expectRank, fail, formatShape } from "./check";

/**
 * One GRU layer's parameters in PyTorch's layout (`nn.GRU`'s `weight_ih_l{k}` …), gates in
 * PyTorch's order r, z, n: `weightIh` `(3·hidden, inputs)`, `weightHh` `(3·hidden, hidden)`,
 * `biasIh` and `biasHh` `(3·hidden)`.
 */
export interface GruLayerWeights {
  weightIh: tf.Tensor;
  weightHh: tf.Tensor;
  biasIh: tf.Tensor;
  biasHh: tf.Tensor;
}

/**
 * One LSTM layer's parameters in PyTorch's layout (`nn.LSTM`), gates in PyTorch's order i, f, g, o:
 * `weightIh` `(4·hidden, inputs)`, `weightHh` `(4·hidden, hidden)`, `biasIh`, `biasHh` `(4·hidden)`.
 */
export type LstmLayerWeights = GruLayerWeights;

/** What a GRU layer returns: every step's hidden state and the last one. */
export interface GruLayerResult {
  /** `(steps, batch, hidden)`: the hidden state after each step. */
  outputs: tf.Tensor3D;
  /** `(batch, hidden)`: the hidden state after the last step. */
  h: tf.Tensor2D;
}

/** What an LSTM layer returns: as a GRU layer, plus the last memory cell. */
export interface LstmLayerResult extends GruLayerResult {
  /** `(batch, hidden)`: the memory cell after the last step. */
  c: tf.Tensor2D;
}

/** The implementation of one GRU layer: inputs checked by `gruLayer`; differentiable in all tensors. */
export type GruLayerKernel = (x: tf.Tensor3D, h0: tf.Tensor2D, weights: GruLayerWeights) => GruLayerResult;

/** The implementation of one LSTM layer: inputs checked by `lstmLayer`; differentiable in all tensors. */
export type LstmLayerKernel = (
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  weights: LstmLayerWeights,
) => LstmLayerResult;

/** The layer implementations `gruLayer` and `lstmLayer` run; replaceable for speed. */
export interface RecurrentKernels {
  gru: GruLayerKernel;
  lstm: LstmLayerKernel;
}

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

/** Sums the rows of a row-major `(rows, cols)` array: a bias gradient. */
function columnSums(values: Float32Array, rows: number, cols: number): Float32Array {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let c = 0; c < cols; c++) sums[c] += values[offset + c];
  }
  return Float32Array.from(sums);
}

/**
 * The values of the tensor `compute()` makes (in a tidy), copied to the host; the tensor is freed.
 * (A typed array must not be the result of a tidy: tfjs would walk its every element.)
 */
function hostValues(compute: () => tf.Tensor): Float32Array {
  const t = tf.tidy(compute);
  try {
    return (t.dataSync() as Float32Array).slice();
  } finally {
    t.dispose();
  }
}

/** `a (rows, k) · b (k, n)` or with transposes, through tfjs (fast kernels), read back to the host. */
function hostMatMul(
  a: Float32Array,
  aShape: [number, number],
  b: tf.Tensor,
  transposeA = false,
  transposeB = false,
): Float32Array {
  return hostValues(() => tf.matMul(tf.tensor2d(a, aShape, "float32"), b as tf.Tensor2D, transposeA, transposeB));
}

/** `x (rows, k) · Wᵀ + b` for all rows at once, on the host: the input projection of every step. */
function inputProjection(x: tf.Tensor, rows: number, weightIh: tf.Tensor, biasIh: tf.Tensor): Float32Array {
  const features = x.shape[x.rank - 1];
  return hostValues(() => tf.matMul(x.reshape([rows, features]), weightIh as tf.Tensor2D, false, true).add(biasIh));
}

/** The gradient of the weights from `dGates (rows, gates)` and the layer inputs `(rows, k)`: dGatesᵀ · inputs. */
function weightGradient(dGates: Float32Array, rows: number, gates: number, inputs: tf.Tensor, k: number): tf.Tensor2D {
  return tf.tidy(() =>
    tf.matMul(tf.tensor2d(dGates, [rows, gates], "float32"), inputs.reshape([rows, k]) as tf.Tensor2D, true, false),
  );
}

/** The hidden states each step started from, `(steps·batch, hidden)`: h0, then the outputs but the last. */
function previousStates(h0: Float32Array, outputs: Float32Array, steps: number, stride: number): Float32Array {
  const prev = new Float32Array(steps * stride);
  prev.set(h0, 0);
  prev.set(outputs.subarray(0, (steps - 1) * stride), stride);
  return prev;
}

/**
 * The GRU layer of PyTorch's `nn.GRU` as one custom op: `outputs (steps, batch, hidden)`.
 *
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr),   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h' = (1 − z) ⊙ n + z ⊙ h
 */
function gruOp(x: tf.Tensor3D, h0: tf.Tensor2D, w: GruLayerWeights): tf.Tensor3D {
  const [steps, batch, inputs] = x.shape;
  const hidden = h0.shape[1];
  const G = 3 * hidden;
  const stride = batch * hidden;
  const op = tf.customGrad(((xIn: tf.Tensor, h0In: tf.Tensor, weightIh: tf.Tensor, weightHh: tf.Tensor,
    biasIh: tf.Tensor, biasHh: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xIn]);
    const gi = inputProjection(xIn, steps * batch, weightIh, biasIh);
    const bhh = biasHh.dataSync() as Float32Array;
    const h0Values = (h0In.dataSync() as Float32Array).slice();
    const out = new Float32Array(steps * stride);
    // Saved for the backward pass: the gates and W_hn h + b_hn of every step.
    const rs = new Float32Array(steps * stride);
    const zs = new Float32Array(steps * stride);
    const ns = new Float32Array(steps * stride);
    const hns = new Float32Array(steps * stride);
    let hPrev = h0Values;
    for (let t = 0; t < steps; t++) {
      const gh = hostMatMul(hPrev, [batch, hidden], weightHh, false, true);
      for (let b = 0; b < batch; b++) {
        const giRow = (t * batch + b) * G;
        const ghRow = b * G;
        for (let j = 0; j < hidden; j++) {
          const r = sigmoid(gi[giRow + j] + gh[ghRow + j] + bhh[j]);
          const z = sigmoid(gi[giRow + hidden + j] + gh[ghRow + hidden + j] + bhh[hidden + j]);
          const hn = gh[ghRow + 2 * hidden + j] + bhh[2 * hidden + j];
          const n = Math.tanh(gi[giRow + 2 * hidden + j] + r * hn);
          const i = t * stride + b * hidden + j;
          out[i] = (1 - z) * n + z * hPrev[b * hidden + j];
          rs[i] = r;
          zs[i] = z;
          ns[i] = n;
          hns[i] = hn;
        }
      }
      hPrev = out.slice(t * stride, (t + 1) * stride);
    }
    return {
      value: tf.tensor3d(out, [steps, batch, hidden], "float32"),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dyValues = dy.dataSync() as Float32Array;
        const dGi = new Float32Array(steps * batch * G);
        const dGh = new Float32Array(steps * batch * G);
        let dhNext = new Float32Array(stride);
        for (let t = steps - 1; t >= 0; t--) {
          const prev = t > 0 ? out.subarray((t - 1) * stride, t * stride) : h0Values;
          const dhDirect = new Float32Array(stride);
          for (let b = 0; b < batch; b++) {
            const row = (t * batch + b) * G;
            for (let j = 0; j < hidden; j++) {
              const k = b * hidden + j;
              const i = t * stride + k;
              const dh = dyValues[i] + dhNext[k];
              const r = rs[i];
              const z = zs[i];
              const n = ns[i];
              const dan = dh * (1 - z) * (1 - n * n);
              const dar = dan * hns[i] * r * (1 - r);
              const daz = dh * (prev[k] - n) * z * (1 - z);
              dhDirect[k] = dh * z;
              dGi[row + j] = dar;
              dGi[row + hidden + j] = daz;
              dGi[row + 2 * hidden + j] = dan;
              dGh[row + j] = dar;
              dGh[row + hidden + j] = daz;
              dGh[row + 2 * hidden + j] = dan * r;
            }
          }
          const viaWeights = hostMatMul(dGh.slice(t * batch * G, (t + 1) * batch * G), [batch, G], weightHh);
          for (let k = 0; k < stride; k++) dhDirect[k] += viaWeights[k];
          dhNext = dhDirect;
        }
        const rows = steps * batch;
        const prevStates = tf.tensor2d(previousStates(h0Values, out, steps, stride), [rows, hidden], "float32");
        try {
          return [
            tf.tidy(() => tf.matMul(tf.tensor2d(dGi, [rows, G], "float32"), weightIh as tf.Tensor2D).reshape([steps, batch, inputs])),
            tf.tensor2d(dhNext, [batch, hidden], "float32"),
            weightGradient(dGi, rows, G, saved[0], inputs),
            weightGradient(dGh, rows, G, prevStates, hidden),
            tf.tensor1d(columnSums(dGi, rows, G), "float32"),
            tf.tensor1d(columnSums(dGh, rows, G), "float32"),
          ];
        } finally {
          prevStates.dispose();
        }
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, h0, w.weightIh, w.weightHh, w.biasIh, w.biasHh) as tf.Tensor3D;
}

/**
 * The LSTM layer of PyTorch's `nn.LSTM` as one custom op. Returns `(steps + 1, batch, hidden)`:
 * the hidden state after each step, then the last memory cell (one tensor, so that one custom
 * op carries both gradients).
 *
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi),  f = σ(…),  g = tanh(…),  o = σ(…)
 *   c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
 */
function lstmOp(x: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D, w: LstmLayerWeights): tf.Tensor3D {
  const [steps, batch, inputs] = x.shape;
  const hidden = h0.shape[1];
  const G = 4 * hidden;
  const stride = batch * hidden;
  const op = tf.customGrad(((xIn: tf.Tensor, h0In: tf.Tensor, c0In: tf.Tensor, weightIh: tf.Tensor,
    weightHh: tf.Tensor, biasIh: tf.Tensor, biasHh: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xIn]);
    const gi = inputProjection(xIn, steps * batch, weightIh, biasIh);
    const bhh = biasHh.dataSync() as Float32Array;
    const h0Values = (h0In.dataSync() as Float32Array).slice();
    const c0Values = (c0In.dataSync() as Float32Array).slice();
    // Rows 0..steps-1: hidden states; row `steps`: the last memory cell.
    const out = new Float32Array((steps + 1) * stride);
    const gates = new Float32Array(steps * batch * G); // i, f, g, o after their nonlinearity
    const cells = new Float32Array(steps * stride);
    let hPrev = h0Values;
    let cPrev = c0Values;
    for (let t = 0; t < steps; t++) {
      const gh = hostMatMul(hPrev, [batch, hidden], weightHh, false, true);
      for (let b = 0; b < batch; b++) {
        const row = (t * batch + b) * G;
        const ghRow = b * G;
        for (let j = 0; j < hidden; j++) {
          const ig = sigmoid(gi[row + j] + gh[ghRow + j] + bhh[j]);
          const fg = sigmoid(gi[row + hidden + j] + gh[ghRow + hidden + j] + bhh[hidden + j]);
          const gg = Math.tanh(gi[row + 2 * hidden + j] + gh[ghRow + 2 * hidden + j] + bhh[2 * hidden + j]);
          const og = sigmoid(gi[row + 3 * hidden + j] + gh[ghRow + 3 * hidden + j] + bhh[3 * hidden + j]);
          const k = b * hidden + j;
          const c = fg * cPrev[k] + ig * gg;
          const i = t * stride + k;
          cells[i] = c;
          out[i] = og * Math.tanh(c);
          gates[row + j] = ig;
          gates[row + hidden + j] = fg;
          gates[row + 2 * hidden + j] = gg;
          gates[row + 3 * hidden + j] = og;
        }
      }
      hPrev = out.slice(t * stride, (t + 1) * stride);
      cPrev = cells.slice(t * stride, (t + 1) * stride);
    }
    out.set(cPrev, steps * stride);
    return {
      value: tf.tensor3d(out, [steps + 1, batch, hidden], "float32"),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dyValues = dy.dataSync() as Float32Array;
        const dGates = new Float32Array(steps * batch * G);
        let dhNext = new Float32Array(stride);
        const dcNext = dyValues.slice(steps * stride, (steps + 1) * stride);
        for (let t = steps - 1; t >= 0; t--) {
          const prevCells = t > 0 ? cells.subarray((t - 1) * stride, t * stride) : c0Values;
          for (let b = 0; b < batch; b++) {
            const row = (t * batch + b) * G;
            for (let j = 0; j < hidden; j++) {
              const k = b * hidden + j;
              const i = t * stride + k;
              const ig = gates[row + j];
              const fg = gates[row + hidden + j];
              const gg = gates[row + 2 * hidden + j];
              const og = gates[row + 3 * hidden + j];
              const tc = Math.tanh(cells[i]);
              const dh = dyValues[i] + dhNext[k];
              const dc = dcNext[k] + dh * og * (1 - tc * tc);
              dGates[row + j] = dc * gg * ig * (1 - ig);
              dGates[row + hidden + j] = dc * prevCells[k] * fg * (1 - fg);
              dGates[row + 2 * hidden + j] = dc * ig * (1 - gg * gg);
              dGates[row + 3 * hidden + j] = dh * tc * og * (1 - og);
              dcNext[k] = dc * fg;
            }
          }
          dhNext = hostMatMul(dGates.slice(t * batch * G, (t + 1) * batch * G), [batch, G], weightHh);
        }
        const rows = steps * batch;
        const prevStates = tf.tensor2d(previousStates(h0Values, out, steps, stride), [rows, hidden], "float32");
        const biasGrad = columnSums(dGates, rows, G);
        try {
          return [
            tf.tidy(() => tf.matMul(tf.tensor2d(dGates, [rows, G], "float32"), weightIh as tf.Tensor2D).reshape([steps, batch, inputs])),
            tf.tensor2d(dhNext, [batch, hidden], "float32"),
            tf.tensor2d(dcNext, [batch, hidden], "float32"),
            weightGradient(dGates, rows, G, saved[0], inputs),
            weightGradient(dGates, rows, G, prevStates, hidden),
            tf.tensor1d(biasGrad, "float32"),
            tf.tensor1d(biasGrad.slice(), "float32"),
          ];
        } finally {
          prevStates.dispose();
        }
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, h0, c0, w.weightIh, w.weightHh, w.biasIh, w.biasHh) as tf.Tensor3D;
}

/** The last of `steps` rows of `(steps, batch, hidden)` as `(batch, hidden)`; a split keeps the slice contiguous. */
export function lastStep(outputs: tf.Tensor3D): tf.Tensor2D {
  const [steps, batch, hidden] = outputs.shape;
  if (steps === 1) return outputs.reshape([batch, hidden]);
  return tf.split(outputs, [steps - 1, 1], 0)[1].reshape([batch, hidden]);
}

/** The default GRU layer: `gruOp` plus its last step. */
export function gruLayerHost(x: tf.Tensor3D, h0: tf.Tensor2D, weights: GruLayerWeights): GruLayerResult {
  return tf.tidy(() => {
    const outputs = gruOp(x, h0, weights);
    return { outputs, h: lastStep(outputs) };
  });
}

/** The default LSTM layer: `lstmOp`, split into the outputs, the last hidden state and the last cell. */
export function lstmLayerHost(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  weights: LstmLayerWeights,
): LstmLayerResult {
  return tf.tidy(() => {
    const [steps, batch, hidden] = [x.shape[0], h0.shape[0], h0.shape[1]];
    const [outputs, cell] = tf.split(lstmOp(x, h0, c0, weights), [steps, 1], 0) as [tf.Tensor3D, tf.Tensor3D];
    return { outputs, h: lastStep(outputs), c: cell.reshape([batch, hidden]) as tf.Tensor2D };
  });
}

const defaultKernels: RecurrentKernels = { gru: gruLayerHost, lstm: lstmLayerHost };
let kernels: RecurrentKernels = defaultKernels;

/**
 * Replaces the layer implementations (same contracts as `gruLayerHost` / `lstmLayerHost`: the
 * inputs are already checked, every tensor of the result is new and differentiable with respect
 * to `x`, the initial states and all four weights); `null` restores the defaults.
 */
export function setRecurrentKernels(replacement: Partial<RecurrentKernels> | null): void {
  kernels = replacement === null ? defaultKernels : { ...defaultKernels, ...replacement };
}

/** The layer implementations currently in use. */
export function getRecurrentKernels(): RecurrentKernels {
  return kernels;
}

/** Checks one layer's inputs: `x (steps ≥ 1, batch ≥ 1, inputs)`, states `(batch, hidden)`, weights. */
function checkLayer(
  fn: string,
  gates: number,
  x: unknown,
  states: Array<[string, unknown]>,
  weights: GruLayerWeights,
): { x: tf.Tensor3D; states: tf.Tensor2D[] } {
  const input = expectRank(fn, "x", x, 3, "(steps, batch, inputs)") as tf.Tensor3D;
  const [steps, batch, inputs] = input.shape;
  if (steps < 1 || batch < 1) fail(fn, "x", "of at least 1 step and 1 example (steps, batch, inputs)", `shape ${formatShape(input.shape)}`);
  if (weights === null || typeof weights !== "object") fail(fn, "weights", "{ weightIh, weightHh, biasIh, biasHh }", String(weights));
  const weightHh = expectRank(fn, "weights.weightHh", weights.weightHh, 2, `(${gates}·hidden, hidden)`) as tf.Tensor2D;
  const hidden = weightHh.shape[1];
  const expected: Array<[string, number[]]> = [
    ["weightIh", [gates * hidden, inputs]],
    ["weightHh", [gates * hidden, hidden]],
    ["biasIh", [gates * hidden]],
    ["biasHh", [gates * hidden]],
  ];
  for (const [name, shape] of expected) {
    const t = expectRank(fn, `weights.${name}`, weights[name as keyof GruLayerWeights], shape.length, formatShape(shape));
    if (t.shape.join() !== shape.join()) {
      fail(fn, `weights.${name}`, `of shape ${formatShape(shape)} for x of shape ${formatShape(input.shape)} and hidden size ${hidden}`, `shape ${formatShape(t.shape)}`);
    }
  }
  const checked = states.map(([name, value]) => {
    const s = expectRank(fn, name, value, 2, "(batch, hidden)") as tf.Tensor2D;
    if (s.shape[0] !== batch || s.shape[1] !== hidden) {
      fail(fn, name, `of shape (batch, hidden) = ${formatShape([batch, hidden])}`, `shape ${formatShape(s.shape)}`);
    }
    return s;
  });
  return { x: input, states: checked };
}

/**
 * One layer of PyTorch's `nn.GRU` over a whole sequence (section 10.2; `nn.GRU` in 10.7 and 11.4).
 * `x` `(steps, batch, inputs)`, `h0` `(batch, hidden)`, `weights` in PyTorch's layout (gates r, z,
 * n). Returns `outputs` `(steps, batch, hidden)` and the last state `h` `(batch, hidden)`, new
 * tensors the caller owns; differentiable with respect to every input. Throws a
 * `D2lArgumentError` on shapes that do not fit together.
 */
export function gruLayer(x: tf.Tensor, h0: tf.Tensor, weights: GruLayerWeights): GruLayerResult {
  const checked = checkLayer("gruLayer", 3, x, [["h0", h0]], weights);
  return kernels.gru(checked.x, checked.states[0], weights);
}

/**
 * One layer of PyTorch's `nn.LSTM` over a whole sequence (section 10.1; the LSTM exercise of
 * 11.4). `x` `(steps, batch, inputs)`, `h0` and `c0` `(batch, hidden)`, `weights` in PyTorch's
 * layout (gates i, f, g, o). Returns `outputs` `(steps, batch, hidden)`, the last hidden state `h`
 * and memory cell `c` `(batch, hidden)`; differentiable with respect to every input.
 */
export function lstmLayer(x: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, weights: LstmLayerWeights): LstmLayerResult {
  const checked = checkLayer("lstmLayer", 4, x, [["h0", h0], ["c0", c0]], weights);
  return kernels.lstm(checked.x, checked.states[0], checked.states[1], weights);
}
