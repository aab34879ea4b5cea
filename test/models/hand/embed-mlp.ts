import type { Backend } from "../../../src/tensor/backend.js";
import { fold, normals, type Key } from "../../../src/tensor/rng.js";
import type { Params } from "../../../src/tensor/tensor.js";
import type { Dataset, Split, TokenSplit } from "../../../src/tasks/dataset.js";
import { activate, activationDerivative, type Activation } from "../../../src/tensor/kernels/activations.js";
import type { ForwardResult, Model } from "../../../src/models/model.js";
import { gatherRowsSum, scatterRowsAdd } from "../../../src/tensor/kernels/gather.js";
import { Workspace } from "../../../src/models/workspace.js";
import type { EmbedInit } from "../../../src/models/embed-mlp.js";

/**
 * The embedding MLP of PAIR's "Do machine learning models memorize or generalize?" (modular addition notebook;
 * docs/reproductions.md R5). Each token t of an example is embedded, passed through one shared bias-free linear map and
 * the results are summed; then the activation, a linear map back to the embedding space and the unembedding:
 *   pre = Σ_t W_E[x_t] W_in     post = f(pre)     out = post W_out     logits = out W_Eᵀ (tied) | out W_U
 *   W_E [vocab, d_embed]   W_in [d_embed, width]   W_out [width, d_embed]   W_U [d_embed, nClasses] (untied only)
 * Since the map is shared, Σ_t W_E[x_t] W_in = Σ_t (W_E W_in)[x_t]: one [vocab, width] product, then row gathers.
 * Init (the notebook's Haiku defaults, all times `initScale`):
 *   W_E: "variance_scaling" — VarianceScaling(scale 2, fan_in mode), fan_in = vocab (the first axis), so
 *        W_E ~ N(0, 2/vocab); Haiku draws a ±2σ truncated normal rescaled to that variance, we draw a plain normal
 *        with the same variance. "normal" — N(0, 1), PyTorch's nn.Embedding default.
 *   W_in, W_out: Haiku's Linear default, a ±2σ truncated normal with σ = 1/√fan_in, whose actual standard deviation
 *        is 0.8796/√fan_in; we draw a plain normal with that standard deviation.
 *   W_U (untied): with "variance_scaling" the notebook's embedding init on [d_embed, nClasses], N(0, 2/d_embed);
 *        with "normal" N(0, 1/d_embed).
 * Hook points: `hook_pre`, `hook_post` [n, width], `hook_out` [n, d_embed] (the MLP output before unembedding).
 */

export interface EmbedMlpConfig {
  readonly dEmbed: number;
  readonly width: number;
  readonly activation: Activation;
  readonly tiedUnembed: boolean;
  readonly initScale: number;
  readonly embedInit: EmbedInit;
}

/** Standard deviation of a standard normal truncated to [−2, 2] (Haiku's TruncatedNormal does not rescale it). */
const TRUNCATED_NORMAL_STD = 0.87962566103423978;

export function createEmbedMlp(config: EmbedMlpConfig, data: Dataset, backend: Backend): Model {
  if (data.kind !== "tokens") throw new Error(`model "embed_mlp" needs a token task (got ${data.name})`);
  const { dEmbed: D, width: H, activation, tiedUnembed: tied } = config;
  const vocab = data.vocab, seqLen = data.seqLen, nOut = data.nClasses;
  if (tied && nOut !== vocab) {
    throw new Error(`model "embed_mlp": tied_unembed needs as many classes as tokens (task ${data.name} has ${nOut} classes, ${vocab} tokens)`);
  }
  const ws = new Workspace(backend);
  const T = backend.alloc(vocab * H); // [vocab, H] = W_E W_in, refreshed per forward
  const dT = backend.alloc(vocab * H);

  return {
    name: "embed_mlp",
    nOut,
    init(key: Key): Params {
      const a = config.initScale;
      const vs = config.embedInit === "variance_scaling";
      const normal = (name: string, rows: number, cols: number, std: number) =>
        ({ shape: [rows, cols], data: normals(fold(key, name), rows * cols, a * std, backend.alloc(rows * cols)) });
      const params: Params = {
        W_E: normal("W_E", vocab, D, vs ? Math.sqrt(2 / vocab) : 1),
        W_in: normal("W_in", D, H, TRUNCATED_NORMAL_STD / Math.sqrt(D)),
        W_out: normal("W_out", H, D, TRUNCATED_NORMAL_STD / Math.sqrt(H)),
      };
      if (!tied) params.W_U = normal("W_U", D, nOut, Math.sqrt((vs ? 2 : 1) / D));
      return params;
    },

    forward(params: Params, split: Split): ForwardResult {
      const s = split as TokenSplit, n = s.n;
      backend.gemm(vocab, H, D, params.W_E.data, params.W_in.data, T);
      const pre = ws.get(split, "hook_pre", n * H); // [n, H]
      gatherRowsSum(n, seqLen, H, T, s.x, 0, pre);
      const post = ws.get(split, "hook_post", n * H); // [n, H]
      activate(activation, pre, post, n * H);
      const out = ws.get(split, "hook_out", n * D); // [n, D]
      backend.gemm(n, D, H, post, params.W_out.data, out);
      const Z = ws.get(split, "logits", n * nOut); // [n, nOut]
      if (tied) backend.gemm(n, nOut, D, out, params.W_E.data, Z, { transB: true });
      else backend.gemm(n, nOut, D, out, params.W_U.data, Z);
      return { logits: Z, cache: { hook_pre: pre, hook_post: post, hook_out: out } };
    },

    backward(params: Params, split: Split, fwd: ForwardResult, dZ: Float32Array, grads: Params): void {
      const s = split as TokenSplit, n = s.n;
      const { hook_pre: pre, hook_post: post, hook_out: out } = fwd.cache;
      const dOut = ws.get(split, "d_out", n * D); // [n, D]
      if (tied) {
        backend.gemm(vocab, D, n, dZ, out, grads.W_E.data, { transA: true }); // unembedding part of dW_E = dZᵀ out
        backend.gemm(n, D, vocab, dZ, params.W_E.data, dOut); // dOut = dZ W_E
      } else {
        backend.gemm(D, nOut, n, out, dZ, grads.W_U.data, { transA: true }); // dW_U = outᵀ dZ
        backend.gemm(n, D, nOut, dZ, params.W_U.data, dOut, { transB: true }); // dOut = dZ W_Uᵀ
      }
      backend.gemm(H, D, n, post, dOut, grads.W_out.data, { transA: true }); // dW_out = postᵀ dOut
      const fprime = ws.get(split, "d_act", n * H);
      activationDerivative(activation, pre, post, fprime, n * H);
      const dPre = ws.get(split, "d_pre", n * H); // [n, H] = f′(pre) ∘ (dOut W_outᵀ)
      backend.gemm(n, H, D, dOut, params.W_out.data, dPre, { transB: true, mul: fprime });
      dT.fill(0);
      scatterRowsAdd(n, seqLen, H, dPre, s.x, 0, dT); // dT [vocab, H]
      backend.gemm(D, H, vocab, params.W_E.data, dT, grads.W_in.data, { transA: true }); // dW_in = W_Eᵀ dT
      backend.gemm(vocab, D, H, dT, params.W_in.data, grads.W_E.data, { transB: true, accumulate: tied }); // dW_E (+)= dT W_inᵀ
    },
  };
}
