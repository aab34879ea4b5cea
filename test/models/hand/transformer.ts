import type { Backend, GemmOptions } from "../../../src/tensor/backend.js";
import { fold, normals, type Key } from "../../../src/tensor/rng.js";
import type { Params } from "../../../src/tensor/tensor.js";
import type { Dataset, Split, TokenSplit } from "../../../src/tasks/dataset.js";
import { attentionBackward, attentionForward, type AttentionShape } from "../../../src/tensor/kernels/attention.js";
import { layerNormBackward, layerNormForward } from "../../../src/tensor/kernels/layer-norm.js";
import type { ForwardResult, Model } from "../../../src/models/model.js";
import { Workspace } from "../../../src/models/workspace.js";
import type { TransformerShape } from "../../../src/models/transformer.js";

/**
 * A decoder-only transformer as in Power et al. (2022) and Nanda et al. (2023, "Progress measures for grokking via
 * mechanistic interpretability", the 1-layer model of their Figure 1; docs/reproductions.md R7). Parameter names and shapes
 * follow TransformerLens:
 *   embed.W_E [V, d]   pos_embed.W_pos [T, d]   unembed.W_U [d, C]
 *   blocks.l.attn.W_Q, W_K, W_V [H, d, e]   blocks.l.attn.W_O [H, e, d]   (e = d_head = d / H, no attention biases)
 *   blocks.l.mlp.W_in [d, d_mlp], b_in [d_mlp], W_out [d_mlp, d], b_out [d]
 *   blocks.l.ln1.w/b, blocks.l.ln2.w/b, ln_final.w/b [d]   (only with layer_norm; pre-LN)
 * With `eqToken` an "=" token (id = the task's vocab) is appended to every input, as Nanda et al.'s [a, b, =];
 * logits are read at the last position only. Forward:
 *   x⁰ = W_E[tok] + W_pos;  per block: a = LN1(x), attention (attention.ts) over a, x_mid = x + Σ_h z_h W_O[h],
 *   x_post = x_mid + relu(LN2(x_mid) W_in + b_in) W_out + b_out;  logits = LN_final(x_last) W_U.
 * The last block computes queries, the MLP and the residual only at the last position: nothing reads the others.
 * Init (Nanda et al.'s code, all times init_scale): W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, W_out ~ N(0, 1/d),
 * W_U ~ N(0, 1/C), biases 0, LayerNorm gains 1.
 * Hook points (forward cache), TransformerLens names: `blocks.l.hook_resid_pre` [n·T, d], `blocks.l.attn.hook_q`
 * [n·P, H·e], `…hook_kv` [n·T, 2·H·e] (k then v), `blocks.l.attn.hook_pattern` [n, H, P, T], `blocks.l.attn.hook_z`
 * [n·P, H·e], `blocks.l.hook_attn_out`, `blocks.l.hook_resid_mid` [n·P, d], `blocks.l.mlp.hook_pre`/`hook_post`
 * [n·P, d_mlp], `blocks.l.hook_resid_post` [n·P, d], with P = T for inner blocks and P = 1 for the last; `hook_post`
 * is the last block's MLP activations (what the rank measures read).
 */
export interface TransformerConfig {
  readonly layers: number;
  readonly dModel: number;
  readonly heads: number;
  readonly dMlp: number;
  readonly layerNorm: boolean;
  readonly eqToken: boolean;
  readonly initScale: number;
}

type Shape = TransformerShape;

/** Parameter names of block l. */
const block = (l: number) => ({
  W_Q: `blocks.${l}.attn.W_Q`,
  W_K: `blocks.${l}.attn.W_K`,
  W_V: `blocks.${l}.attn.W_V`,
  W_O: `blocks.${l}.attn.W_O`,
  W_in: `blocks.${l}.mlp.W_in`,
  b_in: `blocks.${l}.mlp.b_in`,
  W_out: `blocks.${l}.mlp.W_out`,
  b_out: `blocks.${l}.mlp.b_out`,
  ln1w: `blocks.${l}.ln1.w`,
  ln1b: `blocks.${l}.ln1.b`,
  ln2w: `blocks.${l}.ln2.w`,
  ln2b: `blocks.${l}.ln2.b`,
});

export function transformerShape(config: TransformerConfig, data: Dataset): Shape {
  if (data.kind !== "tokens") throw new Error(`model "transformer" needs a token task (got ${data.name}, which has dense inputs)`);
  const { dModel: d, heads: H } = config;
  if (d % H !== 0) throw new Error(`model.heads: ${H} heads do not divide d_model ${d} (d_head = d_model / heads must be an integer)`);
  const extra = config.eqToken ? 1 : 0;
  return {
    V: data.vocab + extra,
    T: data.seqLen + extra,
    seqLen: data.seqLen,
    vocab: data.vocab,
    C: data.nClasses,
    d,
    H,
    e: d / H,
    m: config.dMlp,
    L: config.layers,
    ln: config.layerNorm,
  };
}

export function createTransformer(config: TransformerConfig, data: Dataset, backend: Backend): Model {
  const S = transformerShape(config, data);
  const { V, T, C, d, H, e, m, L, ln } = S;
  const ws = new Workspace(backend);
  const allPositions = Int32Array.from({ length: T }, (_, t) => t);
  const lastPosition = Int32Array.of(T - 1);
  const checked = new WeakSet<Int32Array>();
  // The heads' W_Q and [W_K | W_V] side by side, so each projection is one matrix product (refreshed every forward).
  const packed = Array.from({ length: L }, () => ({ q: backend.alloc(d * d), kv: backend.alloc(2 * d * d) }));
  const gemm = (M: number, N: number, K: number, A: Float32Array, B: Float32Array, Cout: Float32Array, o?: GemmOptions) =>
    backend.gemm(M, N, K, A, B, Cout, o);

  function checkTokens(s: TokenSplit): void {
    if (checked.has(s.x)) return;
    if (s.x.length !== s.n * S.seqLen) throw new Error(`model "transformer": inputs hold ${s.x.length} tokens for ${s.n} examples, expected sequences of ${S.seqLen} tokens`);
    for (const t of s.x) if (!(t >= 0 && t < S.vocab)) throw new Error(`model "transformer": token id ${t} is outside the vocabulary [0, ${S.vocab})`);
    checked.add(s.x);
  }

  function embed(params: Params, s: TokenSplit, X: Float32Array): void {
    const WE = params["embed.W_E"].data, Wp = params["pos_embed.W_pos"].data;
    for (let i = 0; i < s.n; i++) {
      for (let t = 0; t < T; t++) {
        const tok = t < S.seqLen ? s.x[i * S.seqLen + t] : S.vocab;
        const o = (i * T + t) * d, eo = tok * d, po = t * d;
        for (let c = 0; c < d; c++) X[o + c] = WE[eo + c] + Wp[po + c];
      }
    }
  }

  /** Block l over x [n·T, d]; returns x_post [n·P, d] and fills `cache`. */
  function blockForward(l: number, params: Params, split: TokenSplit, X: Float32Array, qPos: Int32Array, cache: Record<string, Float32Array>): Float32Array {
    const n = split.n, nT = n * T, P = qPos.length, nP = n * P, p = block(l), k = `blocks.${l}.`;
    const put = (name: string, len: number) => (cache[k + name] = ws.get(split, k + name, len));
    cache[k + "hook_resid_pre"] = X;
    let A = X;
    if (ln) {
      A = put("ln1.hook_normalized", nT * d);
      layerNormForward(nT, d, X, params[p.ln1w].data, params[p.ln1b].data, A, put("ln1.xhat", nT * d), put("ln1.rstd", nT));
    }
    const Aq = P === T ? A : put("attn.query_input", nP * d);
    if (P !== T) gatherPositions(n, T, d, A, qPos, Aq);
    const He = H * e, W = packed[l];
    packHeads(params[p.W_Q].data, d, H, e, W.q, He, 0);
    packHeads(params[p.W_K].data, d, H, e, W.kv, 2 * He, 0);
    packHeads(params[p.W_V].data, d, H, e, W.kv, 2 * He, He);
    const Q = put("attn.hook_q", nP * He), KV = put("attn.hook_kv", nT * 2 * He);
    gemm(nP, He, d, Aq, W.q, Q);
    gemm(nT, 2 * He, d, A, W.kv, KV);
    const Z = put("attn.hook_z", nP * He);
    attentionForward({ n, T, heads: H, dHead: e, qPos }, Q, KV, put("attn.hook_pattern", n * H * P * T), Z);
    const attnOut = put("hook_attn_out", nP * d);
    gemm(nP, d, He, Z, params[p.W_O].data, attnOut); // W_O [H, e, d] is [H·e, d]
    const mid = put("hook_resid_mid", nP * d);
    mid.set(attnOut);
    addPositions(n, T, d, X, qPos, mid);
    let M = mid;
    if (ln) {
      M = put("ln2.hook_normalized", nP * d);
      layerNormForward(nP, d, mid, params[p.ln2w].data, params[p.ln2b].data, M, put("ln2.xhat", nP * d), put("ln2.rstd", nP));
    }
    const pre = put("mlp.hook_pre", nP * m), post = put("mlp.hook_post", nP * m);
    gemm(nP, m, d, M, params[p.W_in].data, pre);
    backend.biasRelu(nP, m, pre, params[p.b_in].data, post);
    const out = put("hook_resid_post", nP * d);
    gemm(nP, d, m, post, params[p.W_out].data, out);
    backend.addRowVector(nP, d, out, params[p.b_out].data);
    for (let i = 0; i < nP * d; i++) out[i] += mid[i];
    return out;
  }

  /** Backward of block l given d(x_post) [n·P, d]; writes the parameter gradients, returns d(x_pre) [n·T, d]. */
  function blockBackward(l: number, params: Params, grads: Params, split: TokenSplit, cache: Record<string, Float32Array>, dOut: Float32Array, qPos: Int32Array): Float32Array {
    const n = split.n, nT = n * T, P = qPos.length, nP = n * P, p = block(l), k = `blocks.${l}.`;
    const tmp = (name: string, len: number) => ws.get(split, `${k}d/${name}`, len);
    const c = (name: string) => cache[k + name];
    const X = c("hook_resid_pre"), A = ln ? c("ln1.hook_normalized") : X, Aq = P === T ? A : c("attn.query_input");
    const M = ln ? c("ln2.hook_normalized") : c("hook_resid_mid");
    // MLP
    const dMid = tmp("resid_mid", nP * d);
    dMid.set(dOut);
    backend.columnSums(nP, d, dOut, grads[p.b_out].data);
    gemm(m, d, nP, c("mlp.hook_post"), dOut, grads[p.W_out].data, { transA: true });
    const dPre = tmp("mlp_pre", nP * m);
    gemm(nP, m, d, dOut, params[p.W_out].data, dPre, { transB: true });
    backend.reluBackward(nP, m, c("mlp.hook_pre"), dPre, grads[p.b_in].data);
    gemm(d, m, nP, M, dPre, grads[p.W_in].data, { transA: true });
    if (ln) {
      const dM = tmp("ln2", nP * d);
      gemm(nP, d, m, dPre, params[p.W_in].data, dM, { transB: true });
      layerNormBackward(nP, d, dM, params[p.ln2w].data, c("ln2.xhat"), c("ln2.rstd"), dMid, grads[p.ln2w].data, grads[p.ln2b].data, true);
    } else {
      gemm(nP, d, m, dPre, params[p.W_in].data, dMid, { transB: true, accumulate: true });
    }
    // attention
    const He = H * e, W = packed[l];
    const Z = c("attn.hook_z"), Q = c("attn.hook_q"), KV = c("attn.hook_kv");
    gemm(He, d, nP, Z, dMid, grads[p.W_O].data, { transA: true });
    const dZ = tmp("z", nP * He);
    gemm(nP, He, d, dMid, params[p.W_O].data, dZ, { transB: true });
    const dQ = tmp("q", nP * He), dKV = tmp("kv", nT * 2 * He);
    attentionBackward({ n, T, heads: H, dHead: e, qPos }, Q, KV, c("attn.hook_pattern"), dZ, dQ, dKV);
    const dWq = tmp("W_q", d * He), dWkv = tmp("W_kv", d * 2 * He);
    gemm(d, He, nP, Aq, dQ, dWq, { transA: true });
    gemm(d, 2 * He, nT, A, dKV, dWkv, { transA: true });
    unpackHeads(dWq, d, H, e, He, 0, grads[p.W_Q].data);
    unpackHeads(dWkv, d, H, e, 2 * He, 0, grads[p.W_K].data);
    unpackHeads(dWkv, d, H, e, 2 * He, He, grads[p.W_V].data);
    const dA = tmp("attn_in", nT * d);
    gemm(nT, d, 2 * He, dKV, W.kv, dA, { transB: true });
    if (P === T) {
      gemm(nT, d, He, dQ, W.q, dA, { transB: true, accumulate: true });
    } else {
      const dAq = tmp("query_input", nP * d);
      gemm(nP, d, He, dQ, W.q, dAq, { transB: true });
      addPositionsBack(n, T, d, dAq, qPos, dA);
    }
    let dX = dA;
    if (ln) {
      dX = tmp("resid_pre", nT * d);
      layerNormBackward(nT, d, dA, params[p.ln1w].data, c("ln1.xhat"), c("ln1.rstd"), dX, grads[p.ln1w].data, grads[p.ln1b].data, false);
    }
    addPositionsBack(n, T, d, dMid, qPos, dX); // the residual path x → x_mid
    return dX;
  }

  return {
    name: "transformer",
    nOut: C,
    init(key: Key): Params {
      const a = config.initScale;
      const normal = (name: string, shape: number[], std: number) => {
        const size = shape.reduce((x, y) => x * y, 1);
        return { shape, data: normals(fold(key, name), size, a * std, backend.alloc(size)) };
      };
      const constant = (shape: number[], value: number) => {
        const data = backend.alloc(shape[0]);
        data.fill(value);
        return { shape, data };
      };
      const sd = 1 / Math.sqrt(d);
      const params: Params = {
        "embed.W_E": normal("embed.W_E", [V, d], sd),
        "pos_embed.W_pos": normal("pos_embed.W_pos", [T, d], sd),
      };
      for (let l = 0; l < L; l++) {
        const p = block(l);
        if (ln) Object.assign(params, { [p.ln1w]: constant([d], 1), [p.ln1b]: constant([d], 0) });
        params[p.W_Q] = normal(p.W_Q, [H, d, e], sd);
        params[p.W_K] = normal(p.W_K, [H, d, e], sd);
        params[p.W_V] = normal(p.W_V, [H, d, e], sd);
        params[p.W_O] = normal(p.W_O, [H, e, d], sd);
        if (ln) Object.assign(params, { [p.ln2w]: constant([d], 1), [p.ln2b]: constant([d], 0) });
        params[p.W_in] = normal(p.W_in, [d, m], sd);
        params[p.b_in] = constant([m], 0);
        params[p.W_out] = normal(p.W_out, [m, d], sd);
        params[p.b_out] = constant([d], 0);
      }
      if (ln) Object.assign(params, { "ln_final.w": constant([d], 1), "ln_final.b": constant([d], 0) });
      params["unembed.W_U"] = normal("unembed.W_U", [d, C], 1 / Math.sqrt(C));
      return params;
    },

    forward(params: Params, split: Split): ForwardResult {
      const s = split as TokenSplit, n = s.n;
      checkTokens(s);
      const cache: Record<string, Float32Array> = {};
      let X = ws.get(split, "hook_embed", n * T * d);
      embed(params, s, X);
      for (let l = 0; l < L; l++) X = blockForward(l, params, s, X, l === L - 1 ? lastPosition : allPositions, cache);
      let F = X; // [n, d]: the last position of the last block
      if (ln) {
        F = cache["ln_final.hook_normalized"] = ws.get(split, "ln_final.hook_normalized", n * d);
        const xhat = (cache["ln_final.xhat"] = ws.get(split, "ln_final.xhat", n * d));
        const rstd = (cache["ln_final.rstd"] = ws.get(split, "ln_final.rstd", n));
        layerNormForward(n, d, X, params["ln_final.w"].data, params["ln_final.b"].data, F, xhat, rstd);
      }
      cache.hook_final = F;
      cache.hook_post = cache[`blocks.${L - 1}.mlp.hook_post`];
      const logits = ws.get(split, "logits", n * C);
      gemm(n, C, d, F, params["unembed.W_U"].data, logits);
      return { logits, cache };
    },

    backward(params: Params, split: Split, fwd: ForwardResult, dLogits: Float32Array, grads: Params): void {
      const s = split as TokenSplit, n = s.n, cache = fwd.cache;
      gemm(d, C, n, cache.hook_final, dLogits, grads["unembed.W_U"].data, { transA: true });
      let dX = ws.get(split, "d/final", n * d);
      gemm(n, d, C, dLogits, params["unembed.W_U"].data, dX, { transB: true });
      if (ln) {
        const dIn = ws.get(split, "d/ln_final", n * d);
        layerNormBackward(n, d, dX, params["ln_final.w"].data, cache["ln_final.xhat"], cache["ln_final.rstd"], dIn, grads["ln_final.w"].data, grads["ln_final.b"].data, false);
        dX = dIn;
      }
      for (let l = L - 1; l >= 0; l--) dX = blockBackward(l, params, grads, s, cache, dX, l === L - 1 ? lastPosition : allPositions);
      const dWE = grads["embed.W_E"].data, dWp = grads["pos_embed.W_pos"].data;
      dWE.fill(0);
      dWp.fill(0);
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < T; t++) {
          const tok = t < S.seqLen ? s.x[i * S.seqLen + t] : S.vocab;
          const o = (i * T + t) * d, eo = tok * d, po = t * d;
          for (let c = 0; c < d; c++) {
            dWE[eo + c] += dX[o + c];
            dWp[po + c] += dX[o + c];
          }
        }
      }
    },
  };
}

/** out[r, off + h·e + c] = W[h, r, c] for W [H, d, e], out [d, stride]. */
function packHeads(W: Float32Array, d: number, H: number, e: number, out: Float32Array, stride: number, off: number): void {
  for (let h = 0; h < H; h++) for (let r = 0; r < d; r++) for (let c = 0; c < e; c++) out[r * stride + off + h * e + c] = W[(h * d + r) * e + c];
}

/** W[h, r, c] = packed[r, off + h·e + c]: the inverse of packHeads. */
function unpackHeads(packed: Float32Array, d: number, H: number, e: number, stride: number, off: number, W: Float32Array): void {
  for (let h = 0; h < H; h++) for (let r = 0; r < d; r++) for (let c = 0; c < e; c++) W[(h * d + r) * e + c] = packed[r * stride + off + h * e + c];
}

/** out[i·P + j, :] = X[i·T + qPos[j], :] for X [n·T, d]. */
function gatherPositions(n: number, T: number, d: number, X: Float32Array, qPos: Int32Array, out: Float32Array): void {
  const P = qPos.length;
  for (let i = 0; i < n; i++) for (let j = 0; j < P; j++) out.set(X.subarray((i * T + qPos[j]) * d, (i * T + qPos[j] + 1) * d), (i * P + j) * d);
}

/** Y[i·P + j, :] += X[i·T + qPos[j], :] (the residual into the query rows). */
function addPositions(n: number, T: number, d: number, X: Float32Array, qPos: Int32Array, Y: Float32Array): void {
  const P = qPos.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < P; j++) {
      const xo = (i * T + qPos[j]) * d, yo = (i * P + j) * d;
      for (let c = 0; c < d; c++) Y[yo + c] += X[xo + c];
    }
  }
}

/** dX[i·T + qPos[j], :] += dY[i·P + j, :] (the backward of gatherPositions / addPositions). */
function addPositionsBack(n: number, T: number, d: number, dY: Float32Array, qPos: Int32Array, dX: Float32Array): void {
  const P = qPos.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < P; j++) {
      const xo = (i * T + qPos[j]) * d, yo = (i * P + j) * d;
      for (let c = 0; c < d; c++) dX[xo + c] += dY[yo + c];
    }
  }
}
