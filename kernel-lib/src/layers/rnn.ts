/**
 * Multilayer `GRU` and `LSTM` with PyTorch's equations, layout and parameter names (the book's
 * `d2l.GRU` of section 9.7 around `nn.GRU`, used by 10.7 and 11.4; `nn.LSTM` for 11.4's exercise).
 */
import { tf } from "../tf";
import { describe, expectInteger, expectProbability, expectRank, fail, formatShape } from "../ops/check";
import { uniform } from "../ops/random";
import { gruLayer, lstmLayer, type GruLayerWeights } from "../ops/recurrent";
import { unstack } from "../ops/unstack";
import { Dropout } from "./dropout";
import { Layer, parameter } from "./layer";
import { toFloatTensor } from "./weights";

/** Parameter values by PyTorch name (`weight_ih_l0` …), as tensors or nested arrays. */
export type RecurrentParameterValues = Record<string, tf.Tensor | number[] | number[][]>;

/**
 * What GRU and LSTM share: `numLayers` stacked layers, the parameters of each in PyTorch's layout
 * and order (`weight_ih_l{k}` `(gates·numHiddens, inputs)`, `weight_hh_l{k}` `(gates·numHiddens,
 * numHiddens)`, `bias_ih_l{k}`, `bias_hh_l{k}` `(gates·numHiddens)`), PyTorch's default
 * initialisation (uniform on ±1/√numHiddens) and dropout on the outputs of every layer but the
 * last while training.
 */
export abstract class RecurrentLayer extends Layer {
  readonly numInputs: number;
  readonly numHiddens: number;
  readonly numLayers: number;
  /** Dropout probability between layers (PyTorch's `dropout` argument). */
  readonly dropout: number;
  /** PyTorch's `_flat_weights_names`: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `weight_ih_l1`, … */
  readonly parameterNames: readonly string[];
  /** The parameters in the order of `parameterNames` (PyTorch's `_flat_weights`). */
  protected readonly flatWeights: tf.Variable[];
  protected readonly interLayerDropout: Dropout;

  protected constructor(name: string, gates: number, numInputs: number, numHiddens: number, numLayers: number, dropout: number) {
    super();
    this.numInputs = expectInteger(name, "numInputs", numInputs, 1);
    this.numHiddens = expectInteger(name, "numHiddens", numHiddens, 1);
    this.numLayers = expectInteger(name, "numLayers", numLayers, 1);
    this.dropout = expectProbability(name, "dropout", dropout);
    this.interLayerDropout = new Dropout(dropout);
    const bound = 1 / Math.sqrt(numHiddens);
    const names: string[] = [];
    this.flatWeights = [];
    for (let k = 0; k < numLayers; k++) {
      const inputs = k === 0 ? numInputs : numHiddens;
      const shapes: Array<[string, number[]]> = [
        [`weight_ih_l${k}`, [gates * numHiddens, inputs]],
        [`weight_hh_l${k}`, [gates * numHiddens, numHiddens]],
        [`bias_ih_l${k}`, [gates * numHiddens]],
        [`bias_hh_l${k}`, [gates * numHiddens]],
      ];
      for (const [paramName, shape] of shapes) {
        names.push(paramName);
        this.flatWeights.push(parameter(() => uniform(shape, -bound, bound)));
      }
    }
    this.parameterNames = names;
  }

  /** The parameters with PyTorch's names, in PyTorch's order (`named_parameters()`). */
  namedParameters(): Array<[string, tf.Variable]> {
    return this.parameterNames.map((name, i) => [name, this.flatWeights[i]]);
  }

  /** The parameter called `name` in PyTorch (`weight_ih_l0` …), in PyTorch's shape. */
  parameter(name: string): tf.Variable {
    return this.flatWeights[this.indexOf(`${this.constructor.name}.parameter`, name)];
  }

  /**
   * Sets parameters by PyTorch name, in PyTorch's shapes (values are copied); names not given
   * keep their values. Throws on an unknown name or a wrong shape, before changing anything.
   */
  setParameters(values: RecurrentParameterValues): void {
    const fn = `${this.constructor.name}.setParameters`;
    if (values === null || typeof values !== "object" || Array.isArray(values)) {
      fail(fn, "values", "an object from parameter names to values", describe(values));
    }
    const updates: Array<[tf.Variable, tf.Tensor]> = [];
    try {
      for (const [name, value] of Object.entries(values)) {
        const target = this.flatWeights[this.indexOf(fn, name)];
        const t = toFloatTensor(fn, name, value, target.rank, formatShape(target.shape));
        updates.push([target, t]);
        if (t.shape.join() !== target.shape.join()) {
          fail(fn, name, `of shape ${formatShape(target.shape)}`, `shape ${formatShape(t.shape)}`);
        }
      }
      for (const [target, t] of updates) target.assign(t);
    } finally {
      tf.dispose(updates.map(([, t]) => t));
    }
  }

  /** Layer `k`'s parameters for `gruLayer` / `lstmLayer`. */
  protected layerWeights(k: number): GruLayerWeights {
    const [weightIh, weightHh, biasIh, biasHh] = this.flatWeights.slice(4 * k, 4 * k + 4);
    return { weightIh, weightHh, biasIh, biasHh };
  }

  private indexOf(fn: string, name: string): number {
    const i = this.parameterNames.indexOf(name);
    if (i < 0) fail(fn, "name", `one of ${this.parameterNames.join(", ")}`, JSON.stringify(name));
    return i;
  }

  /** Checks `inputs` `(steps, batch, numInputs)`; returns it with its batch size. */
  protected checkInputs(fn: string, inputs: unknown): { x: tf.Tensor3D; batch: number } {
    const x = expectRank(fn, "inputs", inputs, 3, "(steps, batch, numInputs)") as tf.Tensor3D;
    const [steps, batch, features] = x.shape;
    if (features !== this.numInputs || steps < 1 || batch < 1) {
      fail(fn, "inputs", `of shape (steps >= 1, batch >= 1, numInputs = ${this.numInputs})`, `shape ${formatShape(x.shape)}`);
    }
    return { x, batch };
  }

  /** Checks a state `(numLayers, batch, numHiddens)`, or makes zeros when it is absent. */
  protected stateOrZeros(fn: string, arg: string, state: unknown, batch: number): tf.Tensor2D[] {
    const shape = [this.numLayers, batch, this.numHiddens];
    if (state === undefined || state === null) {
      return Array.from({ length: this.numLayers }, () => tf.zeros([batch, this.numHiddens]) as tf.Tensor2D);
    }
    const s = expectRank(fn, arg, state, 3, "(numLayers, batch, numHiddens)");
    if (s.shape.join() !== shape.join()) {
      fail(fn, arg, `of shape (numLayers, batch, numHiddens) = ${formatShape(shape)}`, `shape ${formatShape(s.shape)}`);
    }
    return unstack<tf.Tensor2D>(s);
  }

  /**
   * Runs the layers on `x`: `step(k, input)` runs layer k; between layers, while training, dropout
   * on the outputs (as PyTorch). Returns the last layer's outputs and every layer's result.
   */
  protected runLayers<S extends { outputs: tf.Tensor3D }>(x: tf.Tensor3D, step: (k: number, input: tf.Tensor3D) => S): { outputs: tf.Tensor3D; finals: S[] } {
    const finals: S[] = [];
    let current = x;
    for (let k = 0; k < this.numLayers; k++) {
      const result = step(k, current);
      finals.push(result);
      current = k < this.numLayers - 1 ? (this.interLayerDropout.forward(result.outputs) as tf.Tensor3D) : result.outputs;
    }
    return { outputs: current, finals };
  }
}

/**
 * PyTorch's `nn.GRU(numInputs, numHiddens, numLayers, dropout)` with the signature of the book's
 * `d2l.GRU(num_inputs, num_hiddens, num_layers, dropout=0)` (section 9.7). Each layer computes,
 * per step, with PyTorch's gate order r, z, n and two biases:
 *
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr),   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * `forward(inputs (steps, batch, numInputs), state? (numLayers, batch, numHiddens))` →
 * `[outputs (steps, batch, numHiddens), state (numLayers, batch, numHiddens)]` (time-major, as
 * PyTorch's default); a missing state is zeros. Parameters by PyTorch name: `parameter(name)`,
 * `namedParameters()`, `setParameters({...})`. Shape errors throw a `D2lArgumentError`.
 */
export class GRU extends RecurrentLayer {
  constructor(numInputs: number, numHiddens: number, numLayers = 1, dropout = 0) {
    super("GRU", 3, numInputs, numHiddens, numLayers, dropout);
  }

  forward(inputs: tf.Tensor, state?: tf.Tensor | null): [tf.Tensor3D, tf.Tensor3D] {
    const fn = "GRU.forward";
    const { x, batch } = this.checkInputs(fn, inputs);
    return tf.tidy(() => {
      const h0 = this.stateOrZeros(fn, "state", state, batch);
      const { outputs, finals } = this.runLayers(x, (k, input) => gruLayer(input, h0[k], this.layerWeights(k)));
      return [outputs, tf.stack(finals.map((f) => f.h)) as tf.Tensor3D];
    });
  }
}

/**
 * PyTorch's `nn.LSTM(numInputs, numHiddens, numLayers, dropout)` (section 10.1; the exercise of
 * 11.4), gates in PyTorch's order i, f, g, o:
 *
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi),  f = σ(…),  g = tanh(…),  o = σ(…)
 *   c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
 *
 * `forward(inputs (steps, batch, numInputs), state? [H, C] each (numLayers, batch, numHiddens))` →
 * `[outputs (steps, batch, numHiddens), [H, C]]`; a missing state is zeros. Parameters as `GRU`.
 */
export class LSTM extends RecurrentLayer {
  constructor(numInputs: number, numHiddens: number, numLayers = 1, dropout = 0) {
    super("LSTM", 4, numInputs, numHiddens, numLayers, dropout);
  }

  forward(inputs: tf.Tensor, state?: readonly [tf.Tensor, tf.Tensor] | null): [tf.Tensor3D, [tf.Tensor3D, tf.Tensor3D]] {
    const fn = "LSTM.forward";
    const { x, batch } = this.checkInputs(fn, inputs);
    if (state !== undefined && state !== null && (!Array.isArray(state) || state.length !== 2)) {
      fail(fn, "state", "[H, C], each (numLayers, batch, numHiddens)", Array.isArray(state) ? `an array of ${state.length}` : describe(state));
    }
    return tf.tidy(() => {
      const h0 = this.stateOrZeros(fn, "state[0]", state?.[0], batch);
      const c0 = this.stateOrZeros(fn, "state[1]", state?.[1], batch);
      const { outputs, finals } = this.runLayers(x, (k, input) => lstmLayer(input, h0[k], c0[k], this.layerWeights(k)));
      const H = tf.stack(finals.map((f) => f.h)) as tf.Tensor3D;
      const C = tf.stack(finals.map((f) => f.c)) as tf.Tensor3D;
      return [outputs, [H, C]];
    });
  }
}
