/**
 * Attention to the operands (Nanda et al. 2023, §4 and Figure 3: the heads at the "=" token attend to a and b):
 * the share of the last position's attention that falls on the task's input tokens rather than on the appended
 * "=" token, averaged over training examples and heads, per block. Only the last position is read: it is where the
 * transformer predicts (src/models/transformer.ts), and the only position its last block attends from.
 */
import type { Model } from "../../models/model.js";
import type { Dataset } from "../../tasks/dataset.js";
import type { MeasureContext, MeasureDef } from "../measure.js";

/** Mean over examples and heads of Σ_{t < seqLen} pattern[i, h, last, t], for pattern [n, H, P, T]. */
export function operandAttention(pattern: Float32Array, n: number, heads: number, P: number, T: number, operands: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let h = 0; h < heads; h++) {
      const o = ((i * heads + h) * P + (P - 1)) * T;
      for (let t = 0; t < operands; t++) sum += pattern[o + t];
    }
  }
  return sum / (n * heads);
}

function attentionToOperands(ctx: MeasureContext): Record<string, number> {
  const data = ctx.data;
  if (data.kind !== "tokens") throw new Error(`measure "attention/operands": needs a token task`);
  const { cache } = ctx.model.forward(ctx.params, data.train);
  const out: Record<string, number> = {};
  for (let l = 0; cache[`blocks.${l}.attn.hook_pattern`]; l++) {
    const pattern = cache[`blocks.${l}.attn.hook_pattern`];
    const heads = ctx.params[`blocks.${l}.attn.W_Q`].shape[0];
    const T = ctx.params["pos_embed.W_pos"].shape[0];
    const P = pattern.length / (data.train.n * heads * T);
    out[`attention/operands/block${l}`] = operandAttention(pattern, data.train.n, heads, P, T, data.seqLen);
  }
  return out;
}

const applies = (model: Model, data: Dataset): string | null => {
  if (model.name !== "transformer") return `needs the transformer model (the run's model is "${model.name}")`;
  return data.kind === "tokens" ? null : `needs a token task (task "${data.name}" has dense inputs)`;
};

export const ATTENTION_MEASURES: Readonly<Record<string, MeasureDef>> = {
  "attention/operands": {
    describe: "share of the last position's attention on the input tokens rather than \"=\", per block (Nanda et al. 2023 §4)",
    appliesTo: applies,
    compute: attentionToOperands,
  },
};
