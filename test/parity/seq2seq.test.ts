/**
 * Parity of the sequence-to-sequence machinery with the book's PyTorch code
 * (reference/book_seq2seq_torch.py), with explicit weights, dropout off: GRU and LSTM (PyTorch's
 * nn.GRU / nn.LSTM: outputs, final states and gradients), Seq2SeqEncoder (10.7),
 * Seq2SeqAttentionDecoder (11.4: outputs, state, each step's attention weights, gradients), the
 * masked loss (10.7), Adam, and one and two full training steps (Adam + clip_gradients through
 * Trainer.fit), on the CPU (fast and reference kernels) and WebAssembly backends.
 *
 * Tolerances: the default ones of fixture.ts (float32 abs 1e-6 + rel 1e-5, float64 twice that)
 * hold for every output and gradient here: the recurrences are short (≤ 5 steps, ≤ 2 layers) and
 * every sum has at most ~100 terms of magnitude ≲ 1e-2, well inside the bound. One place needs
 * more:
 * - adamStepTolerance: Adam's first step moves a parameter by u(g) = lr·g/(|g| + eps) with g the
 *   clipped gradient: ±lr, whatever |g|, unless |g| is near eps = 1e-8, where
 *   du/dg = lr·eps/(|g| + eps)² is huge. A float32 gradient is known to about Δ = 1e-7 (four
 *   times the largest float32/float64 difference of torch's own gradients in this case, 2.5e-8),
 *   times the clipping factor. So each parameter gets abs 2e-6 + rel 1e-5 (the float32 bound of
 *   |p| ≲ 1 plus the step's own rounding) plus lr·eps·Δ/(|g| + eps)², from its gradient in the
 *   fixture; a gradient that is exactly 0 (an embedding row no example uses) gets no extra, its
 *   parameter must not move. The second step uses the first step's allowance.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import {
  BACKENDS,
  ParityCase,
  TOLERANCE,
  checkGradients,
  expectAllOutputsChecked,
  type NamedParameter,
  type Run,
  useBackend,
} from "./fixture";
import type { Tolerance } from "./expect-close";

const tf = d2l.tf;


/** See the header: the allowance of each parameter entry after one or two Adam steps. */
function adamStepTolerance(c: ParityCase, name: string): (run: Run) => Tolerance {
  const lr = c.arg<number>("lr");
  const clip = c.arg<number>("gradientClipVal");
  const eps = 1e-8;
  const gradient = c.expected("float64", `grad ${name}`);
  const scale = Math.min(1, clip / c.expected("float64", "gradNorm").values[0]!);
  const delta = 1e-7 * scale;
  const extra = gradient.values.map((g) => {
    const clipped = Math.abs(g * scale);
    return g === 0 ? 0 : (lr * eps * delta) / (clipped + eps) ** 2;
  });
  return (run) => {
    const base = run === "float32" ? 2e-6 : 4e-6;
    return { abs: (i: number) => base + extra[i]!, rel: run === "float32" ? 1e-5 : 2e-5 };
  };
}

/** A recurrent layer's parameters from the case's inputs `prefix + name` (PyTorch's names and shapes). */
function setRecurrent(c: ParityCase, layer: d2l.RecurrentLayer, prefix = ""): NamedParameter[] {
  const values: Record<string, d2l.tf.Tensor> = {};
  for (const name of layer.parameterNames) values[name] = c.input(prefix + name);
  layer.setParameters(values);
  tf.dispose(Object.values(values));
  return layer.parameterNames.map((name) => ({ name: prefix + name, variable: layer.parameter(name) }));
}

function setEmbedding(c: ParityCase, embedding: d2l.Embedding, name: string): NamedParameter {
  tf.tidy(() => embedding.setWeights(c.input(name)));
  return { name, variable: embedding.weight };
}

function setLinear(c: ParityCase, layer: d2l.LazyLinear, name: string): NamedParameter[] {
  tf.tidy(() => {
    const { weight, bias } = c.linear(name);
    layer.setWeights(weight, bias);
  });
  const found: NamedParameter[] = [{ name: `${name}.weight`, variable: layer.weight, layout: "linear" }];
  if (layer.bias !== null) found.push({ name: `${name}.bias`, variable: layer.bias });
  return found;
}

/** The 11.4 decoder with the case's weights under `prefix`; its parameters by PyTorch name. */
function buildDecoder(c: ParityCase, vocab: number, embed: number, hidden: number, layers: number, dropout: number, prefix = "") {
  const decoder = new d2l.Seq2SeqAttentionDecoder(vocab, embed, hidden, layers, dropout);
  const attention = decoder.attention as d2l.AdditiveAttention;
  const parameters = [
    ...setLinear(c, attention.Wk, `${prefix}attention.W_k`),
    ...setLinear(c, attention.Wq, `${prefix}attention.W_q`),
    ...setLinear(c, attention.wv, `${prefix}attention.w_v`),
    setEmbedding(c, decoder.embedding, `${prefix}embedding.weight`),
    ...setRecurrent(c, decoder.rnn, `${prefix}rnn.`),
    ...setLinear(c, decoder.dense, `${prefix}dense`),
  ];
  return { decoder, parameters };
}

function buildEncoder(c: ParityCase, vocab: number, embed: number, hidden: number, layers: number, dropout: number, prefix = "") {
  const encoder = new d2l.Seq2SeqEncoder(vocab, embed, hidden, layers, dropout);
  const parameters = [setEmbedding(c, encoder.embedding, `${prefix}embedding.weight`), ...setRecurrent(c, encoder.rnn, `${prefix}rnn.`)];
  return { encoder, parameters };
}

const ids = (values: number[][]): d2l.tf.Tensor2D => tf.tensor2d(values, undefined, "int32");

describe.each(BACKENDS)("sequence-to-sequence machinery matches the book on %s", (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe.each(["GRU", "LSTM"] as const)("%s (nn.GRU / nn.LSTM)", (kind) => {
    describe.each(["1_layer_zero_state", "2_layers_with_state"])("case %s", (caseName) => {
      const c = new ParityCase(`${kind}/${caseName}`);
      const build = (): d2l.RecurrentLayer => {
        const Layer = kind === "GRU" ? d2l.GRU : d2l.LSTM;
        const layer = new Layer(c.arg<number>("numInputs"), c.arg<number>("numHiddens"), c.arg<number>("numLayers"), c.arg<number>("dropout"));
        expect(layer.parameterNames).toEqual(c.arg<string[]>("parameterNames"));
        return layer.eval();
      };
      const withState = c.arg<boolean>("withState");

      /** The layer's forward as [output, h_n, c_n?]. */
      const run = (layer: d2l.RecurrentLayer, x: Record<string, d2l.tf.Tensor>): d2l.tf.Tensor[] => {
        if (layer instanceof d2l.GRU) {
          const [output, hN] = layer.forward(x["x"]!, withState ? x["h0"] : undefined);
          return [output, hN];
        }
        const [output, [hN, cN]] = (layer as d2l.LSTM).forward(x["x"]!, withState ? [x["h0"]!, x["c0"]!] : undefined);
        return [output, hN, cN];
      };
      const inputNames = ["x", ...(withState ? ["h0"] : []), ...(withState && kind === "LSTM" ? ["c0"] : [])];

      it("outputs and final states, with the fixture's weights", () => {
        const layer = build();
        setRecurrent(c, layer);
        tf.tidy(() => {
          const x: Record<string, d2l.tf.Tensor> = {};
          for (const name of inputNames) x[name] = c.input(name);
          const [output, hN, cN] = run(layer, x);
          c.check("output", output!);
          c.check("h_n", hN!);
          if (cN !== undefined) c.check("c_n", cN);
        });
        layer.dispose();
      });

      it("gradients with respect to the inputs, the initial state and every weight", () => {
        const layer = build();
        const parameters = setRecurrent(c, layer);
        const G = ["G", "G_h", ...(kind === "LSTM" ? ["G_c"] : [])].map((name) => c.input(name));
        checkGradients(c, inputNames, parameters, (x) => {
          const results = run(layer, x);
          return tf.addN(results.map((r, i) => tf.sum(tf.mul(r, G[i]!)))) as d2l.tf.Scalar;
        });
        tf.dispose(G);
        layer.dispose();
      });
    });
  });

  describe("Seq2SeqEncoder (10.7)", () => {
    const c = new ParityCase("Seq2SeqEncoder");
    const build = () =>
      buildEncoder(c, c.arg<number>("vocabSize"), c.arg<number>("embedSize"), c.arg<number>("numHiddens"), c.arg<number>("numLayers"), c.arg<number>("dropout"));

    it("outputs (numSteps, batch, numHiddens) and state (numLayers, batch, numHiddens)", () => {
      const { encoder } = build();
      encoder.eval();
      tf.tidy(() => {
        const [outputs, state] = encoder.forward(ids(c.arg<number[][]>("X")));
        c.check("outputs", outputs);
        c.check("state", state);
      });
      encoder.dispose();
    });

    it("gradients with respect to the embedding and the GRU weights", () => {
      const { encoder, parameters } = build();
      encoder.eval();
      const [G, Gs] = [c.input("G"), c.input("G_state")];
      const X = ids(c.arg<number[][]>("X"));
      checkGradients(c, [], parameters, () => {
        const [outputs, state] = encoder.forward(X);
        return tf.sum(tf.mul(outputs, G)).add(tf.sum(tf.mul(state, Gs))) as d2l.tf.Scalar;
      });
      tf.dispose([G, Gs, X]);
      encoder.dispose();
    });
  });

  describe.each(["no_lens", "lens"])("Seq2SeqAttentionDecoder (11.4), valid lengths: %s", (caseName) => {
    const c = new ParityCase(`Seq2SeqAttentionDecoder/${caseName}`);
    const build = () =>
      buildDecoder(c, c.arg<number>("vocabSize"), c.arg<number>("embedSize"), c.arg<number>("numHiddens"), c.arg<number>("numLayers"), c.arg<number>("dropout"));
    const lens = (): d2l.tf.Tensor | null => {
      const v = c.arg<number[] | null>("validLens");
      return v === null ? null : tf.tensor1d(v, "int32");
    };

    it("output, new hidden state, the transposed encoder outputs and every step's attention weights", () => {
      const { decoder } = build();
      decoder.eval();
      const validLens = lens();
      tf.tidy(() => {
        const state = decoder.initState([c.input("encOutputs") as d2l.tf.Tensor3D, c.input("encState") as d2l.tf.Tensor3D], validLens);
        c.check("initState.encOutputs", state[0]);
        const [output, next] = decoder.forward(ids(c.arg<number[][]>("X")), state);
        c.check("output", output);
        c.check("hiddenState", next[1]);
        expect(next[0]).toBe(state[0]);
        // (steps, batch, 1, encSteps), as the book's torch.stack of its list
        c.check("attentionWeights", tf.stack(decoder.attentionWeights));
      });
      validLens?.dispose();
      decoder.dispose();
    });

    it("gradients with respect to the encoder's outputs and state and every parameter", () => {
      const { decoder, parameters } = build();
      decoder.eval();
      const validLens = lens();
      const [G, Gs] = [c.input("G"), c.input("G_state")];
      const X = ids(c.arg<number[][]>("X"));
      checkGradients(c, ["encOutputs", "encState"], parameters, (x) => {
        const state = decoder.initState([x["encOutputs"] as d2l.tf.Tensor3D, x["encState"] as d2l.tf.Tensor3D], validLens);
        const [output, next] = decoder.forward(X, state);
        return tf.sum(tf.mul(output, G)).add(tf.sum(tf.mul(next[1], Gs))) as d2l.tf.Scalar;
      });
      tf.dispose([G, Gs, X]);
      validLens?.dispose();
      decoder.dispose();
    });
  });

  describe("the loss of Seq2Seq (10.7) and Classifier (4.3)", () => {
    const c = new ParityCase("Seq2Seq/loss");
    const model = () => {
      const m = new d2l.Seq2Seq(new d2l.Seq2SeqEncoder(3, 2, 2, 1), new d2l.Seq2SeqAttentionDecoder(3, 2, 2, 1), c.arg<number>("tgtPad"), 0.1);
      return m;
    };

    it("masked and unmasked cross-entropy, per label, accuracy", () => {
      const m = model();
      const classifier = new d2l.Classifier();
      tf.tidy(() => {
        const Yhat = c.input("Y_hat");
        const Y = ids(c.arg<number[][]>("Y"));
        c.check("maskedLoss", m.loss(Yhat, Y));
        c.check("unmaskedLoss", classifier.loss(Yhat, Y));
        c.check("perLabelLoss", classifier.loss(Yhat, Y, false));
        c.check("accuracy", classifier.accuracy(Yhat, Y));
      });
      m.dispose();
    });

    it("the masked loss's gradient with respect to the logits", () => {
      const m = model();
      const Y = ids(c.arg<number[][]>("Y"));
      checkGradients(c, ["Y_hat"], [], (x) => m.loss(x["Y_hat"]!, Y));
      Y.dispose();
      m.dispose();
    });
  });

  describe.each(["defaults", "betas_eps"])("Adam (torch.optim.Adam), %s", (caseName) => {
    const c = new ParityCase(`Adam/${caseName}`);
    it("parameters after each of three steps", () => {
      const p = tf.variable(c.input("p"), true, `parity-adam-${caseName}-${backend}`);
      const betas = c.arg<[number, number]>("betas");
      const adam = new d2l.Adam([p], c.arg<number>("lr"), { betas, eps: c.arg<number>("eps") });
      for (let step = 1; step <= 3; step++) {
        const g = c.input(`grad${step}`);
        adam.step([g]);
        g.dispose();
        c.check(`p after step ${step}`, p);
      }
      p.dispose();
    });
  });

  describe("one and two training steps of Seq2Seq (Trainer.fit: Adam + gradient clipping)", () => {
    const c = new ParityCase("Seq2Seq/train_step");
    const batch = c.arg<Record<string, number[] | number[][]>>("batch");
    const arrays = () => [
      ids(batch["src"] as number[][]),
      ids(batch["tgtIn"] as number[][]),
      tf.tensor1d(batch["srcValidLen"] as number[], "int32"),
      ids(batch["tgtOut"] as number[][]),
    ];

    function build() {
      const [E, H, L] = [c.arg<number>("embedSize"), c.arg<number>("numHiddens"), c.arg<number>("numLayers")];
      const enc = buildEncoder(c, c.arg<number>("srcVocabSize"), E, H, L, 0, "encoder.");
      const dec = buildDecoder(c, c.arg<number>("tgtVocabSize"), E, H, L, 0, "decoder.");
      const model = new d2l.Seq2Seq(enc.encoder, dec.decoder, c.arg<number>("tgtPad"), c.arg<number>("lr"));
      model.board = new d2l.ProgressBoard({ display: false });
      const parameters = [...enc.parameters, ...dec.parameters];
      expect(parameters.map((p) => p.name).sort()).toEqual([...c.arg<string[]>("parameterNames")].sort());
      // Every parameter the model trains is one of the fixture's, once.
      expect(new Set(model.parameters())).toEqual(new Set(parameters.map((p) => p.variable)));
      return { model, parameters };
    }

    /** One batch of all four examples, shuffled by the loader (the loss does not depend on the order). */
    class OneBatch extends d2l.DataModule {
      readonly tensors = arrays();
      constructor() {
        super(4);
      }
      override getDataloader(train: boolean): d2l.DataLoader | null {
        return train ? this.getTensorloader(this.tensors, true) : null;
      }
    }

    it("the loss, its gradient, the gradient's norm and the clipped gradient", () => {
      const { model, parameters } = build();
      const [src, tgtIn, validLen, tgtOut] = arrays();
      checkGradients(c, [], parameters, () => {
        const l = model.loss(model.forward(src!, tgtIn!, validLen!), tgtOut!);
        tf.tidy(() => c.check("loss", l));
        return l;
      });
      // Trainer's clipping against the book's: the raw gradient scaled by clip / norm.
      const { grads } = tf.variableGrads(() => model.loss(model.forward(src!, tgtIn!, validLen!), tgtOut!), model.parameters());
      const clip = c.arg<number>("gradientClipVal");
      const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g!))))));
      c.check("gradNorm", norm);
      const expectedNorm = c.expected("float64", "gradNorm").values[0]!;
      const clipped = new d2l.Trainer({ maxEpochs: 1 }).clipGradients(clip, grads);
      for (const p of parameters) {
        const g = clipped[p.variable!.name]!;
        tf.tidy(() => {
          const got = (p.layout === "linear" ? g.transpose() : g).dataSync();
          const raw = c.expected("float64", `grad ${p.name}`).values;
          const { abs, rel } = TOLERANCE.float64;
          raw.forEach((r, i) => {
            const want = (r * clip) / expectedNorm;
            expect(Math.abs(got[i]! - want), `clipped ${p.name}[${i}]`).toBeLessThanOrEqual((abs as number) + rel * Math.abs(want));
          });
        });
      }
      tf.dispose([norm, ...Object.values(clipped), src, tgtIn, validLen, tgtOut]);
      model.dispose();
    });

    it.each([1, 2])("the parameters after %i step(s) of Trainer.fit", async (steps) => {
      const { model, parameters } = build();
      const data = new OneBatch();
      await new d2l.Trainer({ maxEpochs: steps, gradientClipVal: c.arg<number>("gradientClipVal") }).fit(model, data);
      for (const p of parameters) {
        const tolerance = adamStepTolerance(c, p.name);
        tf.tidy(() => c.check(`step${steps} ${p.name}`, p.layout === "linear" ? p.variable!.transpose() : p.variable!, tolerance));
      }
      tf.dispose(data.tensors);
      model.dispose();
    });
  });
});

afterAll(() => {
  expectAllOutputsChecked(["GRU", "LSTM", "Seq2SeqEncoder", "Seq2SeqAttentionDecoder", "Seq2Seq", "Adam"]);
});

