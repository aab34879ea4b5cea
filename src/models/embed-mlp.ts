import { activation, dropout, gatherRows, matmul } from "../autograd/index.js";
import type { Activation } from "../tensor/kernels/activations.js";
import { defineModel, type ModelDefinition } from "./define.js";

/**
 * The embedding MLP of PAIR's "Do machine learning models memorize or generalize?" (modular addition notebook;
 * docs/reproductions.md R5). Each token t of an example is embedded, passed through one shared bias-free linear map
 * and the results are summed; then the activation, a linear map back to the embedding space and the unembedding:
 *   pre = Σ_t W_E[x_t] W_in     post = f(pre)     out = post W_out     logits = out W_Eᵀ (tied) | out W_U
 *   W_E [vocab, d_embed]   W_in [d_embed, width]   W_out [width, d_embed]   W_U [d_embed, nClasses] (untied only)
 * Since the map is shared, Σ_t W_E[x_t] W_in = Σ_t (W_E W_in)[x_t]: one [vocab, width] product, then row gathers.
 * Init (the notebook's Haiku defaults, all times `init_scale`):
 *   W_E: "variance_scaling" — VarianceScaling(scale 2, fan_in mode), fan_in = vocab (the first axis), so
 *        W_E has variance 2/vocab (Haiku draws a ±2σ truncated normal rescaled to that variance). "normal" — N(0, 1),
 *        PyTorch's nn.Embedding default.
 *   W_in, W_out: Haiku's Linear default, a ±2σ truncated normal with σ = 1/√fan_in, whose actual standard deviation
 *        is 0.8796/√fan_in.
 *   W_U (untied): with "variance_scaling" the notebook's embedding init on [d_embed, nClasses], variance 2/d_embed;
 *        with "normal" 1/d_embed.
 *   `init_draw` picks the distribution with those variances: "normal" (plain normals, the default) or
 *   "truncated_normal" (normals truncated at ±2σ and rescaled to the same variance, as Haiku draws every one of them).
 * Dropout (`dropout` > 0): on the hidden activations, in training only.
 * Hook points: `hook_pre`, `hook_post` [n, width], `hook_out` [n, d_embed] (the MLP output before unembedding).
 */
export const EMBED_INITS = ["normal", "variance_scaling"] as const;
export type EmbedInit = (typeof EMBED_INITS)[number];
export const INIT_DRAWS = ["normal", "truncated_normal"] as const;
export type InitDraw = (typeof INIT_DRAWS)[number];

export interface EmbedMlpConfig {
  readonly d_embed: number;
  readonly width: number;
  readonly activation: Activation;
  readonly tied_unembed: boolean;
  readonly init_scale: number;
  readonly embed_init: EmbedInit;
  readonly init_draw: InitDraw;
  readonly dropout: number;
}

/** Standard deviation of a standard normal truncated to [−2, 2] (Haiku's TruncatedNormal does not rescale it; its
 *  VarianceScaling divides σ by it). */
const TRUNCATED_NORMAL_STD = 0.87962566103423978;

export const embedMlpDefinition: ModelDefinition<EmbedMlpConfig> = defineModel<EmbedMlpConfig>({
  name: "embed_mlp",
  validate(c, data) {
    if (data.kind !== "tokens") throw new Error(`model "embed_mlp" needs a token task (got ${data.name})`);
    if (c.tied_unembed && data.nClasses !== data.vocab) {
      // Separate vocabularies: b's rows p … 2p − 1 are no classes; Zhong et al.'s models unembed with their own W_U.
      const hint = data.meta.separate_vocab === true ? "; task.separate_vocab gives b its own p tokens, so set tied_unembed: false" : "";
      throw new Error(`model "embed_mlp": tied_unembed needs as many classes as tokens (task ${data.name} has ${data.nClasses} classes, ${data.vocab} tokens)${hint}`);
    }
  },
  init({ config: c, data, normal, truncatedNormal }) {
    const a = c.init_scale, vs = c.embed_init === "variance_scaling";
    const vocab = data.kind === "tokens" ? data.vocab : 0, D = c.d_embed, H = c.width;
    // every draw has standard deviation `std`, whichever the distribution
    const draw = (name: string, shape: readonly number[], std: number) =>
      c.init_draw === "truncated_normal" ? truncatedNormal(name, shape, std / TRUNCATED_NORMAL_STD) : normal(name, shape, std);
    return {
      W_E: draw("W_E", [vocab, D], a * (vs ? Math.sqrt(2 / vocab) : 1)),
      W_in: draw("W_in", [D, H], a * (TRUNCATED_NORMAL_STD / Math.sqrt(D))),
      W_out: draw("W_out", [H, D], a * (TRUNCATED_NORMAL_STD / Math.sqrt(H))),
      ...(c.tied_unembed ? {} : { W_U: draw("W_U", [D, data.nClasses], a * Math.sqrt((vs ? 2 : 1) / D)) }),
    };
  },
  forward(g, p, batch, { config: c, data }) {
    const seqLen = data.kind === "tokens" ? data.seqLen : 1;
    const table = matmul(g, p.W_E, p.W_in); // [vocab, width]
    const pre = g.hook("hook_pre", gatherRows(g, table, batch.tokens!, seqLen, 0));
    let post = g.hook("hook_post", activation(g, pre, c.activation));
    if (c.dropout > 0) post = dropout(g, post, c.dropout, "hidden");
    const out = g.hook("hook_out", matmul(g, post, p.W_out));
    return c.tied_unembed ? matmul(g, out, p.W_E, { transB: true }) : matmul(g, out, p.W_U);
  },
});
