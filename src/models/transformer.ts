import { add, addTiled, causalAttention, embedding, layerNorm, linear, matmul, packHeads, relu, reshape, selectPositions, dropout, type Var } from "../autograd/index.js";
import type { Graph } from "../autograd/graph.js";
import type { Dataset } from "../tasks/dataset.js";
import { defineModel, type ModelDefinition } from "./define.js";

/**
 * A decoder-only transformer as in Power et al. (2022) and Nanda et al. (2023, "Progress measures for grokking via
 * mechanistic interpretability", the 1-layer model of their Figure 1; docs/reproductions.md R7). Parameter names and
 * shapes follow TransformerLens:
 *   embed.W_E [V, d]   pos_embed.W_pos [T, d]   unembed.W_U [d, C]
 *   blocks.l.attn.W_Q, W_K, W_V [H, d, e]   blocks.l.attn.W_O [H, e, d]   (e = d_head = d / H, no attention biases)
 *   blocks.l.mlp.W_in [d, d_mlp], b_in [d_mlp], W_out [d_mlp, d], b_out [d]
 *   blocks.l.ln1.w/b, blocks.l.ln2.w/b, ln_final.w/b [d]   (only with layer_norm; pre-LN)
 * With `eq_token` an "=" token (id = the task's vocab) is appended to every input, as Nanda et al.'s [a, b, =];
 * logits are read at the last position only. Forward:
 *   x⁰ = W_E[tok] + W_pos;  per block: a = LN1(x), causal attention over a, x_mid = x + Σ_h z_h W_O[h],
 *   x_post = x_mid + relu(LN2(x_mid) W_in + b_in) W_out + b_out;  logits = LN_final(x_last) W_U.
 * The last block computes queries, the MLP and the residual only at the last position: nothing reads the others.
 * Dropout (`dropout` > 0, in training only): on the attention output and the MLP output before each residual add.
 * Init (Nanda et al.'s code, all times init_scale): W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, W_out ~ N(0, 1/d),
 * W_U ~ N(0, 1/C), biases 0, LayerNorm gains 1.
 * Hook points, TransformerLens names: `hook_embed` [n·T, d] (W_E[tok], before W_pos is added),
 * `blocks.l.hook_resid_pre` [n·T, d], `blocks.l.ln1.hook_normalized`, `blocks.l.attn.hook_q` [n·P, H·e],
 * `…hook_kv` [n·T, 2·H·e] (k then v), `blocks.l.attn.hook_pattern` [n, H, P, T], `blocks.l.attn.hook_z` [n·P, H·e],
 * `blocks.l.hook_attn_out`, `blocks.l.hook_resid_mid` [n·P, d],
 * `blocks.l.ln2.hook_normalized`, `blocks.l.mlp.hook_pre`/`hook_post` [n·P, d_mlp], `blocks.l.hook_resid_post`
 * [n·P, d], `hook_final` [n, d] (what the unembedding reads), with P = T for inner blocks and P = 1 for the last;
 * `hook_post` names the last block's MLP activations (what the rank measures read).
 */
export interface TransformerConfig {
  readonly layers: number;
  readonly d_model: number;
  readonly heads: number;
  readonly d_mlp: number;
  readonly layer_norm: boolean;
  readonly eq_token: boolean;
  readonly init_scale: number;
  readonly dropout: number;
}

export interface TransformerShape {
  readonly V: number; // embedding rows (the task's vocab, +1 for "=")
  readonly T: number; // positions
  readonly seqLen: number; // the task's input length
  readonly vocab: number; // the task's vocab (the id of "=")
  readonly C: number; // classes
  readonly d: number;
  readonly H: number;
  readonly e: number;
  readonly m: number; // d_mlp
  readonly L: number;
  readonly ln: boolean;
}

export function transformerShape(config: TransformerConfig, data: Dataset): TransformerShape {
  if (data.kind !== "tokens") throw new Error(`model "transformer" needs a token task (got ${data.name}, which has dense inputs)`);
  const { d_model: d, heads: H } = config;
  if (d % H !== 0) throw new Error(`model.heads: ${H} heads do not divide d_model ${d} (d_head = d_model / heads must be an integer)`);
  const extra = config.eq_token ? 1 : 0;
  return { V: data.vocab + extra, T: data.seqLen + extra, seqLen: data.seqLen, vocab: data.vocab, C: data.nClasses, d, H, e: d / H, m: config.d_mlp, L: config.layers, ln: config.layer_norm };
}

const withEq = new WeakMap<Int32Array, Map<number, Int32Array>>();

/** Token ids [n, T] with the "=" id appended to each sequence when T > seqLen (cached per input), range-checked. */
function sequences(tokens: Int32Array, n: number, S: TransformerShape): Int32Array {
  let byT = withEq.get(tokens);
  if (!byT) withEq.set(tokens, (byT = new Map()));
  let ids = byT.get(S.T);
  if (ids) return ids;
  if (tokens.length !== n * S.seqLen) throw new Error(`model "transformer": inputs hold ${tokens.length} tokens for ${n} examples, expected sequences of ${S.seqLen} tokens`);
  for (const t of tokens) if (!(t >= 0 && t < S.vocab)) throw new Error(`model "transformer": token id ${t} is outside the vocabulary [0, ${S.vocab})`);
  ids = new Int32Array(n * S.T);
  for (let i = 0; i < n; i++) for (let t = 0; t < S.T; t++) ids[i * S.T + t] = t < S.seqLen ? tokens[i * S.seqLen + t] : S.vocab;
  byT.set(S.T, ids);
  return ids;
}

const positionsCache = new Map<string, Int32Array>();
function positions(T: number, last: boolean): Int32Array {
  const k = `${T}/${last}`;
  let p = positionsCache.get(k);
  if (!p) positionsCache.set(k, (p = last ? Int32Array.of(T - 1) : Int32Array.from({ length: T }, (_, t) => t)));
  return p;
}

/** Block l over x [n·T, d] with queries at `qPos`; returns x_post [n·P, d]. */
function block(g: Graph, p: Readonly<Record<string, Var>>, S: TransformerShape, c: TransformerConfig, l: number, x: Var, n: number, qPos: Int32Array): Var {
  const k = `blocks.${l}.`, P = qPos.length;
  x = g.hook(k + "hook_resid_pre", x);
  // The residual's own copy is taken first, so its gradient reaches x last (the order the hand-derived backward used).
  const resid = P === S.T ? reshape(g, x, x.shape) : selectPositions(g, x, S.T, qPos);
  const a = S.ln ? g.hook(k + "ln1.hook_normalized", layerNorm(g, x, p[k + "ln1.w"], p[k + "ln1.b"])) : x;
  const aq = selectPositions(g, a, S.T, qPos);
  const Wq = packHeads(g, p[k + "attn.W_Q"]);
  const Wkv = packHeads(g, p[k + "attn.W_K"], p[k + "attn.W_V"]);
  const q = g.hook(k + "attn.hook_q", matmul(g, aq, Wq));
  const kv = g.hook(k + "attn.hook_kv", matmul(g, a, Wkv));
  const att = causalAttention(g, q, kv, { n, T: S.T, heads: S.H, dHead: S.e, qPos });
  g.hook(k + "attn.hook_pattern", att.pattern);
  const z = g.hook(k + "attn.hook_z", att.z);
  let attnOut = g.hook(k + "hook_attn_out", matmul(g, z, p[k + "attn.W_O"]));
  if (c.dropout > 0) attnOut = dropout(g, attnOut, c.dropout, `${k}attn`);
  const mid = g.hook(k + "hook_resid_mid", add(g, attnOut, resid));
  const m = S.ln ? g.hook(k + "ln2.hook_normalized", layerNorm(g, mid, p[k + "ln2.w"], p[k + "ln2.b"])) : mid;
  const pre = g.hook(k + "mlp.hook_pre", linear(g, m, p[k + "mlp.W_in"], p[k + "mlp.b_in"]));
  const post = g.hook(k + "mlp.hook_post", relu(g, pre));
  let mlpOut = linear(g, post, p[k + "mlp.W_out"], p[k + "mlp.b_out"]);
  if (c.dropout > 0) mlpOut = dropout(g, mlpOut, c.dropout, `${k}mlp`);
  return g.hook(k + "hook_resid_post", add(g, mlpOut, mid));
}

export const transformerDefinition: ModelDefinition<TransformerConfig> = defineModel<TransformerConfig>({
  name: "transformer",
  validate: (c, data) => void transformerShape(c, data),
  init({ config, data, normal, full }) {
    const S = transformerShape(config, data), { V, T, C, d, H, e, m, L, ln } = S, a = config.init_scale;
    const sd = 1 / Math.sqrt(d);
    const w = (name: string, shape: number[], std: number) => normal(name, shape, a * std);
    const params: Record<string, ReturnType<typeof full>> = { "embed.W_E": w("embed.W_E", [V, d], sd), "pos_embed.W_pos": w("pos_embed.W_pos", [T, d], sd) };
    const norm = (name: string) => Object.assign(params, { [`${name}.w`]: full([d], 1), [`${name}.b`]: full([d], 0) });
    for (let l = 0; l < L; l++) {
      const k = `blocks.${l}.`;
      if (ln) norm(k + "ln1");
      for (const q of ["W_Q", "W_K", "W_V"]) params[`${k}attn.${q}`] = w(`${k}attn.${q}`, [H, d, e], sd);
      params[`${k}attn.W_O`] = w(`${k}attn.W_O`, [H, e, d], sd);
      if (ln) norm(k + "ln2");
      params[`${k}mlp.W_in`] = w(`${k}mlp.W_in`, [d, m], sd);
      params[`${k}mlp.b_in`] = full([m], 0);
      params[`${k}mlp.W_out`] = w(`${k}mlp.W_out`, [m, d], sd);
      params[`${k}mlp.b_out`] = full([d], 0);
    }
    if (ln) norm("ln_final");
    params["unembed.W_U"] = w("unembed.W_U", [d, C], 1 / Math.sqrt(C));
    return params;
  },
  forward(g, p, batch, { config, data }) {
    const S = transformerShape(config, data), n = batch.n;
    let x = addTiled(g, g.hook("hook_embed", embedding(g, p["embed.W_E"], sequences(batch.tokens!, n, S))), p["pos_embed.W_pos"]);
    for (let l = 0; l < S.L; l++) x = block(g, p, S, config, l, x, n, positions(S.T, l === S.L - 1));
    const final = g.hook("hook_final", S.ln ? g.hook("ln_final.hook_normalized", layerNorm(g, x, p["ln_final.w"], p["ln_final.b"])) : x);
    g.hooks.hook_post = g.hooks[`blocks.${S.L - 1}.mlp.hook_post`];
    return matmul(g, final, p["unembed.W_U"]);
  },
});
