/**
 * The reference numbers of test/fixtures/parity.json (written by test/fixtures/generate.py from
 * the book's PyTorch code) and the way parity tests compare d2l-ts with them.
 *
 * ## Tolerances (|got − expected| ≤ abs + rel·|expected|)
 * d2l-ts computes in float32 (unit roundoff u = 2⁻²⁴ ≈ 6e-8). Every output here comes from a
 * chain of at most ~20 roundings (sums over ≤ 20 terms, a softmax, two matmuls, a layer norm)
 * on inputs of magnitude ≤ 5, and scores of magnitude ≤ ~10 whose rounding errors the softmax's
 * exponential turns into relative errors of the weights. That bounds a float32 result's relative
 * error by about 20·u·10 ≈ 1e-5, and gives values that arise from cancellation (sums of O(1)
 * terms close to zero) an absolute error of about 20·u ≈ 1e-6.
 * - FLOAT32: against the book's code run in float32: abs 1e-6 + rel 1e-5. Both sides round in
 *   float32, but not in the same order (tfjs and torch use different kernels), so this is the
 *   bound above, no tighter. Measured: torch float32 vs float64 differ by at most 6.6e-7 on
 *   these cases, well inside it.
 * - FLOAT64: against the float64 run, i.e. against (nearly) exact values: abs 2e-6 + rel 2e-5.
 *   Twice the float32 bound, because it must also absorb the float32 rounding of the inputs
 *   themselves (the float64 run starts from the unrounded formula values).
 * The WebAssembly backend gets the same tolerances: its kernels (XNNPACK, SIMD) sum in another
 * order but round in float32 just the same, and every reduction here has ≤ 20 terms (the notes'
 * 4e-4 difference was seen on reductions over hundreds of terms).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import * as d2l from "../../kernel-lib/src";
import { expectClose, type Tolerance } from "./expect-close";

const tf = d2l.tf;

export interface TensorRecord {
  shape: number[];
  values: number[];
}

export type Formula =
  | { kind: "sin"; k: number; scale: number; offset: number }
  | { kind: "grid"; start: number; step: number };

export interface InputRecord extends TensorRecord {
  formula: Formula;
}

export type Run = "float64" | "float32";
export const RUNS: readonly Run[] = ["float64", "float32"];

export interface FixtureCase {
  section: string;
  inputs: Record<string, InputRecord>;
  args: Record<string, unknown>;
  float64: Record<string, TensorRecord | number>;
  float32: Record<string, TensorRecord | number>;
  /** Results that do not depend on the dtype (vocabularies, token lists, integer arrays), compared exactly. */
  exact?: Record<string, unknown>;
}

export interface Fixture {
  generator: string;
  torch: string;
  cases: Record<string, FixtureCase>;
}

export const FIXTURE_PATH = path.resolve(__dirname, "../fixtures/parity.json");

export const fixture: Fixture = JSON.parse(readFileSync(FIXTURE_PATH, "utf8")) as Fixture;

export const TOLERANCE: Record<Run, Tolerance> = {
  float32: { abs: 1e-6, rel: 1e-5 },
  float64: { abs: 2e-6, rel: 2e-5 },
};

/**
 * The backends every parity suite runs on: tfjs's cpu backend with d2l-ts's fast kernels (the
 * default), the same backend with tfjs's own kernels, and the WebAssembly backend.
 */
export const BACKENDS = ["cpu", "cpu-reference", "wasm"] as const;

/** Which (case, output, run) were compared on which backend: see `expectAllOutputsChecked`. */
const checked = new Map<string, Set<string>>();

/** The value of the documented input formula at flat index i (see generate.py's docstring). */
export function formulaValue(formula: Formula, i: number): number {
  if (formula.kind === "grid") return formula.start + formula.step * i;
  return formula.offset + formula.scale * Math.sin(0.37 * i + 0.1 * formula.k);
}

/** A view of one case of the fixture: its inputs as float32 tensors, its args, its checks. */
export class ParityCase {
  readonly data: FixtureCase;

  constructor(readonly name: string) {
    const data = fixture.cases[name];
    if (!data) throw new Error(`parity.json has no case "${name}"; re-run test/fixtures/generate.py`);
    this.data = data;
  }

  /** An input as a float32 tensor (float64 formula values rounded to float32, as torch does). */
  input(name: string): d2l.tf.Tensor {
    const record = this.data.inputs[name];
    if (!record) throw new Error(`${this.name}: no input "${name}"`);
    return tf.tensor(record.values, record.shape, "float32");
  }

  arg<T>(name: string): T {
    if (!(name in this.data.args)) throw new Error(`${this.name}: no arg "${name}"`);
    return this.data.args[name] as T;
  }

  /**
   * A linear layer's weights as d2l-ts's LazyLinear takes them: the fixture stores PyTorch's
   * `weight` (out, in); LazyLinear's weight is its transpose (in, out).
   */
  linear(name: string): { weight: d2l.tf.Tensor2D; bias?: d2l.tf.Tensor1D } {
    const weight = this.input(`${name}.weight`).transpose() as d2l.tf.Tensor2D;
    const bias = this.data.inputs[`${name}.bias`] ? (this.input(`${name}.bias`) as d2l.tf.Tensor1D) : undefined;
    return bias ? { weight, bias } : { weight };
  }

  expected(run: Run, key: string): TensorRecord {
    const record = this.data[run][key];
    if (record === undefined || typeof record === "number") {
      throw new Error(`${this.name}: no tensor output "${key}" in the ${run} run`);
    }
    return record;
  }

  /**
   * Compares `actual` (a tensor, whose shape must match too, or plain numbers) with output
   * `key` of both runs, each with its tolerance. `tolerance` may override them (per run) where a
   * case needs a documented exception.
   */
  check(
    key: string,
    actual: d2l.tf.Tensor | ArrayLike<number>,
    tolerance: (run: Run) => Tolerance = (run) => TOLERANCE[run],
  ): void {
    const backend = currentBackend();
    for (const run of RUNS) {
      const expected = this.expected(run, key);
      const label = `${this.name} ${key} (${backend} vs torch ${run})`;
      let values: ArrayLike<number>;
      if (actual instanceof tf.Tensor) {
        if (actual.shape.join(",") !== expected.shape.join(",")) {
          throw new Error(`${label}: shape [${actual.shape}], expected [${expected.shape}]`);
        }
        values = actual.dataSync();
      } else {
        values = actual;
      }
      expectClose(values, expected.values, tolerance(run), label, expected.shape);
      const id = `${this.name} ${key} ${run}`;
      if (!checked.has(id)) checked.set(id, new Set());
      checked.get(id)!.add(backend);
    }
  }
}

/** Numbers the input variables of each gradient check (tfjs variable names must be unique). */
let gradientRun = 0;

/** A parameter whose gradient is compared, under the fixture's (PyTorch) name. */
export interface NamedParameter {
  name: string;
  variable: d2l.tf.Variable | null;
  /** "linear": a LazyLinear weight (in, out), compared transposed with PyTorch's (out, in). */
  layout?: "linear" | "same";
}

/**
 * Checks the fixture's "grad <name>" outputs: the gradients of the scalar `loss(inputs)` with
 * respect to the named inputs (fed as fresh variables) and parameters, by tfjs autograd
 * (`tf.variableGrads`), the backward pass training relies on.
 */
export function checkGradients(
  c: ParityCase,
  inputNames: readonly string[],
  parameters: readonly NamedParameter[],
  loss: (inputs: Record<string, d2l.tf.Tensor>) => d2l.tf.Scalar,
  tolerance?: (run: Run) => Tolerance,
): void {
  const inputs: Record<string, d2l.tf.Variable> = {};
  gradientRun++;
  for (const name of inputNames) inputs[name] = tf.variable(c.input(name), true, `parity-${gradientRun}-${name}`);
  const variables = [...Object.values(inputs)];
  for (const p of parameters) {
    if (p.variable === null) throw new Error(`${c.name}: parameter ${p.name} was never created`);
    variables.push(p.variable);
  }
  const { value, grads } = tf.variableGrads(() => loss(inputs), variables);
  try {
    for (const name of inputNames) c.check(`grad ${name}`, grads[inputs[name]!.name]!, tolerance);
    for (const p of parameters) {
      const grad = grads[p.variable!.name]!;
      tf.tidy(() => c.check(`grad ${p.name}`, p.layout === "linear" ? grad.transpose() : grad, tolerance));
    }
  } finally {
    tf.dispose([value, ...Object.values(grads), ...Object.values(inputs)]);
  }
}

/**
 * Checks the fixture's "grad <name>" outputs for the weighted sum Σ G ⊙ forward(inputs), with G
 * the case's input "G" (see `checkGradients`).
 */
export function checkWeightedSumGradients(
  c: ParityCase,
  inputNames: readonly string[],
  parameters: readonly NamedParameter[],
  forward: (inputs: Record<string, d2l.tf.Tensor>) => d2l.tf.Tensor,
): void {
  const G = c.input("G");
  try {
    checkGradients(c, inputNames, parameters, (x) => tf.sum(tf.mul(forward(x), G)) as d2l.tf.Scalar);
  } finally {
    G.dispose();
  }
}

/**
 * Fails unless every tensor output of every case whose name starts with one of `prefixes` was
 * compared on every backend, in both runs: nothing in the fixture goes unchecked silently.
 * Outputs listed in `notCompared` (with the reason) are exempt.
 */
export function expectAllOutputsChecked(
  prefixes: readonly string[],
  notCompared: Record<string, string> = {},
): void {
  const missing: string[] = [];
  for (const [name, data] of Object.entries(fixture.cases)) {
    if (!prefixes.some((p) => name === p || name.startsWith(`${p}/`))) continue;
    for (const run of RUNS) {
      for (const [key, value] of Object.entries(data[run])) {
        if (typeof value === "number" || `${name} ${key}` in notCompared) continue;
        const backends = checked.get(`${name} ${key} ${run}`) ?? new Set();
        for (const backend of BACKENDS) {
          if (!backends.has(backend)) missing.push(`${name} ${key} (${run}, ${backend})`);
        }
      }
    }
  }
  if (missing.length > 0) throw new Error(`fixture outputs never compared:\n  ${missing.join("\n  ")}`);
}

/** Which entry of BACKENDS is in use: tfjs's backend, and on cpu whether the fast kernels are. */
function currentBackend(): (typeof BACKENDS)[number] {
  const name = tf.getBackend();
  if (name === "cpu") return d2l.fastKernelsEnabled() ? "cpu" : "cpu-reference";
  if (name === "wasm") return "wasm";
  throw new Error(`parity suites run on ${BACKENDS.join(", ")}; tfjs is on ${name}`);
}

/** Switches d2l-ts (and so tfjs) to `backend`, as a notebook would. */
export async function useBackend(backend: (typeof BACKENDS)[number]): Promise<void> {
  const tfjsBackend = backend === "cpu-reference" ? "cpu" : backend;
  await d2l.useBackend(tfjsBackend);
  if (tf.getBackend() !== tfjsBackend) throw new Error(`useBackend("${tfjsBackend}") left tfjs on ${tf.getBackend()}`);
  d2l.useFastKernels(backend === "cpu");
  if (tfjsBackend === "cpu" && d2l.fastKernelsEnabled() !== (backend === "cpu")) {
    throw new Error(`fast kernels should be ${backend === "cpu" ? "on" : "off"} for ${backend}`);
  }
}
