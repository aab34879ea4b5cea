import { addBias, activation, binaryLogits, dropout, gatherRows, linear, type Var } from "../autograd/index.js";
import type { Activation } from "../tensor/kernels/activations.js";
import type { Dataset } from "../tasks/dataset.js";
import { defineModel, type ModelDefinition } from "./define.js";

/**
 * A multilayer perceptron, "x W + b" convention (weights stored [fan_in, fan_out], row-major):
 *   h_0 = f(x W_0 + b_0),  h_l = f(h_{l−1} W_l + b_l) for l < depth,  logits = h_{depth−1} W_out + b_out
 *   W_0 [d_in, width]   W_l [width, width]   b_l [width]   W_out [width, nOut]   b_out [nOut]
 * Dense inputs (sparse parity, docs/reproductions.md R3): x [n, dim] is the dataset's input, d_in = dim.
 * Token inputs (Prieto et al. 2025, R6): x is the concatenation of the one-hot codes of the seqLen tokens,
 * d_in = seqLen · vocab, so x W_0 is the sum of the rows W_0[j·vocab + token_j] — a row gather, never a one-hot matmul.
 * Init (`init`): "pytorch", nn.Linear's default (kaiming-uniform with a = √5): weight and bias ~ U(−1/√fan_in,
 * 1/√fan_in); "haiku", hk.Linear's default: weight ~ N(0, 1/fan_in) truncated at ±2σ, bias 0. Every parameter times
 * `init_scale` (Omnigrok's α, Liu et al. 2023).
 * Dropout (`dropout` > 0): on each hidden layer's output, in training only.
 * One logit (`single_logit`, two-class tasks): W_out [width, 1] and b_out [1] give z, and the logits are (0, z)
 * (binaryLogits): the cross-entropy is then the sigmoid's binary cross-entropy of z. PAIR's sparse-parity model has
 * this single output column ("W_output can be a single column"); docs/reproductions.md R9 shows that it, not two
 * columns, makes weight decay 1 fail to fit at hidden 64.
 * Hook points: `hook_pre_<l>` (x W_l + b_l) and `hook_post_<l>` (after f), each [n, width].
 */
export interface MlpConfig {
  readonly depth: number; // hidden layers, ≥ 1
  readonly width: number;
  readonly activation: Activation;
  readonly bias: boolean;
  readonly init_scale: number;
  readonly init: MlpInit;
  readonly dropout: number;
  readonly single_logit: boolean;
}

export const MLP_INITS = ["pytorch", "haiku"] as const;
export type MlpInit = (typeof MLP_INITS)[number];

const inputSize = (data: Dataset): number => (data.kind === "tokens" ? data.seqLen * data.vocab : data.dim);

export const mlpDefinition: ModelDefinition<MlpConfig> = defineModel<MlpConfig>({
  name: "mlp",
  validate(c, data) {
    if (c.single_logit && data.nClasses !== 2) throw new Error(`model "mlp": single_logit needs a two-class task (${data.name} has ${data.nClasses} classes)`);
  },
  init({ config, data, uniform, truncatedNormal, full }) {
    const { depth, width: H, bias, init_scale: a } = config;
    const params: Record<string, ReturnType<typeof uniform>> = {};
    const layer = (name: string, fanIn: number, fanOut: number): void => {
      const scale = a / Math.sqrt(fanIn);
      if (config.init === "haiku") {
        params[`W_${name}`] = truncatedNormal(`W_${name}`, [fanIn, fanOut], scale);
        if (bias) params[`b_${name}`] = full([fanOut]);
      } else {
        params[`W_${name}`] = uniform(`W_${name}`, [fanIn, fanOut], scale);
        if (bias) params[`b_${name}`] = uniform(`b_${name}`, [fanOut], scale);
      }
    };
    for (let l = 0; l < depth; l++) layer(String(l), l === 0 ? inputSize(data) : H, H);
    layer("out", H, config.single_logit ? 1 : data.nClasses);
    return params;
  },
  forward(g, p, batch, { config, data }) {
    let h: Var | null = batch.dense;
    for (let l = 0; l < config.depth; l++) {
      const b = config.bias ? p[`b_${l}`] : null;
      let pre: Var;
      if (l === 0 && data.kind === "tokens") {
        pre = gatherRows(g, p.W_0, batch.tokens!, data.seqLen, data.vocab);
        if (b) pre = addBias(g, pre, b);
      } else pre = linear(g, h!, p[`W_${l}`], b);
      pre = g.hook(`hook_pre_${l}`, pre);
      h = g.hook(`hook_post_${l}`, activation(g, pre, config.activation));
      if (config.dropout > 0) h = dropout(g, h, config.dropout, `hidden_${l}`);
    }
    const z = linear(g, h!, p.W_out, config.bias ? p.b_out : null);
    return config.single_logit ? binaryLogits(g, z) : z;
  },
});
