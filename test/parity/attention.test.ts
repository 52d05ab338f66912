/**
 * Parity of the attention layers with the book's PyTorch code, in eval mode (dropout off), with
 * explicit weights: DotProductAttention and AdditiveAttention (section 11.3), MultiHeadAttention
 * with transposeQkv / transposeOutput (section 11.5). Outputs, attentionWeights and the gradients
 * of a weighted sum of the output (inputs and parameters), on the CPU and WebAssembly backends.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import * as d2l from "../../kernel-lib/src";
import {
  BACKENDS,
  ParityCase,
  checkWeightedSumGradients,
  expectAllOutputsChecked,
  type NamedParameter,
  useBackend,
} from "./fixture";

const tf = d2l.tf;

type ValidLens = number[] | number[][] | null;

/** Valid lengths as the layers take them: absent, or an int32 tensor like the book's. */
function lensOf(c: ParityCase): d2l.tf.Tensor | undefined {
  const validLens = c.arg<ValidLens>("validLens");
  return validLens === null ? undefined : tf.tensor(validLens, undefined, "int32");
}

describe.each(BACKENDS)("attention layers match the book on %s", (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe.each(["none", "1d", "2d", "1d_zero", "2d_over_length"])("DotProductAttention (11.3), valid lengths %s", (lensName) => {
    const c = new ParityCase(`DotProductAttention/${lensName}`);
    it("output and attentionWeights", () => {
      const attention = new d2l.DotProductAttention(c.arg<number>("dropout"));
      attention.eval();
      tf.tidy(() => {
        c.check("output", attention.forward(c.input("queries"), c.input("keys"), c.input("values"), lensOf(c)));
      });
      c.check("attentionWeights", attention.attentionWeights);
    });

    it("gradients of a weighted sum of the output with respect to queries, keys, values", () => {
      const attention = new d2l.DotProductAttention(c.arg<number>("dropout"));
      attention.eval();
      const lens = lensOf(c);
      checkWeightedSumGradients(c, ["queries", "keys", "values"], [], (x) =>
        attention.forward(x["queries"]!, x["keys"]!, x["values"]!, lens),
      );
    });
  });

  describe.each(["none", "1d", "2d", "1d_zero"])("AdditiveAttention (11.3), valid lengths %s", (lensName) => {
    const c = new ParityCase(`AdditiveAttention/${lensName}`);
    function build(): d2l.AdditiveAttention {
      const attention = new d2l.AdditiveAttention(c.arg<number>("numHiddens"), c.arg<number>("dropout"));
      attention.eval();
      attention.Wq.setWeights(c.linear("W_q").weight);
      attention.Wk.setWeights(c.linear("W_k").weight);
      attention.wv.setWeights(c.linear("w_v").weight);
      return attention;
    }

    it("output and attentionWeights, with the fixture's W_q, W_k, w_v", () => {
      const attention = build();
      tf.tidy(() => {
        c.check("output", attention.forward(c.input("queries"), c.input("keys"), c.input("values"), lensOf(c)));
      });
      c.check("attentionWeights", attention.attentionWeights);
    });

    it("gradients with respect to queries, keys, values and W_q, W_k, w_v", () => {
      const attention = build();
      const lens = lensOf(c);
      const parameters = [
        { name: "W_q.weight", variable: attention.Wq.weight, layout: "linear" as const },
        { name: "W_k.weight", variable: attention.Wk.weight, layout: "linear" as const },
        { name: "w_v.weight", variable: attention.wv.weight, layout: "linear" as const },
      ];
      checkWeightedSumGradients(c, ["queries", "keys", "values"], parameters, (x) =>
        attention.forward(x["queries"]!, x["keys"]!, x["values"]!, lens),
      );
    });
  });

  describe.each(["none", "1d", "2d", "1d_bias"])("MultiHeadAttention (11.5), case %s", (caseName) => {
    const c = new ParityCase(`MultiHeadAttention/${caseName}`);

    function build(): d2l.MultiHeadAttention {
      const attention = new d2l.MultiHeadAttention(
        c.arg<number>("numHiddens"),
        c.arg<number>("numHeads"),
        c.arg<number>("dropout"),
        c.arg<boolean>("bias"),
      );
      attention.eval();
      for (const [name, layer] of [
        ["W_q", attention.Wq],
        ["W_k", attention.Wk],
        ["W_v", attention.Wv],
        ["W_o", attention.Wo],
      ] as const) {
        const { weight, bias } = c.linear(name);
        layer.setWeights(weight, bias);
      }
      return attention;
    }

    it("output and attentionWeights (batch * numHeads, queries, keys)", () => {
      const attention = build();
      tf.tidy(() => {
        c.check("output", attention.forward(c.input("queries"), c.input("keys"), c.input("values"), lensOf(c)));
      });
      c.check("attentionWeights", attention.attentionWeights);
      // The book reads them from the inner DotProductAttention; both must agree.
      c.check("attentionWeights", attention.attention.attentionWeights);
    });

    it("gradients with respect to queries, keys, values and every projection's parameters", () => {
      const attention = build();
      const lens = lensOf(c);
      const parameters: NamedParameter[] = [];
      for (const [name, layer] of [
        ["W_q", attention.Wq],
        ["W_k", attention.Wk],
        ["W_v", attention.Wv],
        ["W_o", attention.Wo],
      ] as const) {
        parameters.push({ name: `${name}.weight`, variable: layer.weight, layout: "linear" });
        if (c.arg<boolean>("bias")) parameters.push({ name: `${name}.bias`, variable: layer.bias });
      }
      checkWeightedSumGradients(c, ["queries", "keys", "values"], parameters, (x) =>
        attention.forward(x["queries"]!, x["keys"]!, x["values"]!, lens),
      );
    });

    it("transposeQkv and transposeOutput", () => {
      const attention = build();
      tf.tidy(() => {
        const projected = attention.Wq.forward(c.input("queries"));
        const split = attention.transposeQkv(projected);
        c.check("transposeQkv(W_q(queries))", split);
        c.check("transposeOutput(transposeQkv(W_q(queries)))", attention.transposeOutput(split));
      });
    });
  });
});

afterAll(() => {
  expectAllOutputsChecked(["DotProductAttention", "AdditiveAttention", "MultiHeadAttention"]);
});
