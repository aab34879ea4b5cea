import type { Backend } from "../../../src/tensor/backend.js";
import { fold, type Key } from "../../../src/tensor/rng.js";
import type { Params } from "../../../src/tensor/tensor.js";
import type { Dataset, Split, TokenSplit } from "../../../src/tasks/dataset.js";
import { activate, activationDerivative } from "../../../src/tensor/kernels/activations.js";
import type { ForwardResult, Model } from "../../../src/models/model.js";
import { gatherRowsSum, scatterRowsAdd } from "../../../src/tensor/kernels/gather.js";
import { uniformInit } from "./mlp.js";
import { circleEmbedding } from "../../../src/models/five-neuron.js";
import { Workspace } from "../../../src/models/workspace.js";

/**
 * PAIR's five-neuron modular-addition model (the fixed-embedding notebook of "Do machine learning models memorize
 * or generalize?"; docs/reproductions.md R4). A fixed embedding E [M, 2] puts token a on a circle,
 *   E[a, :] = (cos(2πa/M), sin(2πa/M)), each column scaled to unit L2 norm over a,
 * both operands go through one shared bias-free map W_in, the results are summed, ReLU, a bias-free map W_out back
 * to the plane, and the fixed unembedding Eᵀ gives M logits:
 *   logits = relu(E[a] W_in + E[b] W_in) W_out Eᵀ      W_in [2, K]   W_out [K, 2]   (K = 5: 20 trainable numbers)
 * Column k of W_in is neuron k's input direction in the plane, row k of W_out its output direction.
 * Init: PyTorch's nn.Linear default without bias, W_in ~ U(±1/√2), W_out ~ U(±1/√K), times `initScale`.
 * (The notebook's Haiku Linear draws a ±2σ truncated normal with σ = 1/√fan_in instead.)
 * Hook points: `hook_pre`, `hook_post` [n, K], `hook_out` [n, 2].
 */
export interface FiveNeuronConfig {
  readonly neurons: number; // K
  readonly initScale: number;
}

export function createFiveNeuron(config: FiveNeuronConfig, data: Dataset, backend: Backend): Model {
  if (data.kind !== "tokens") throw new Error(`model "five_neuron" needs a token task (got ${data.name})`);
  const K = config.neurons, M = data.vocab, seqLen = data.seqLen;
  if (!Number.isInteger(K) || K < 1) throw new Error(`model "five_neuron": neurons must be an integer ≥ 1, got ${K}`);
  if (data.nClasses !== M) throw new Error(`model "five_neuron": the unembedding Eᵀ needs as many classes as tokens (task ${data.name} has ${data.nClasses} classes, ${M} tokens)`);
  if (M < 3) throw new Error(`model "five_neuron": needs at least 3 tokens to place them on a circle (task ${data.name} has ${M})`);
  const ws = new Workspace(backend);
  const E = circleEmbedding(M, backend.alloc(2 * M)); // [M, 2], fixed
  const T = backend.alloc(M * K); // [M, K] = E W_in, refreshed per forward
  const dT = backend.alloc(M * K);

  return {
    name: "five_neuron",
    nOut: M,
    init(key: Key): Params {
      const a = config.initScale;
      return {
        W_in: { shape: [2, K], data: uniformInit(fold(key, "W_in"), 2 * K, a / Math.sqrt(2), backend.alloc(2 * K)) },
        W_out: { shape: [K, 2], data: uniformInit(fold(key, "W_out"), 2 * K, a / Math.sqrt(K), backend.alloc(2 * K)) },
      };
    },

    forward(params: Params, split: Split): ForwardResult {
      const s = split as TokenSplit, n = s.n;
      backend.gemm(M, K, 2, E, params.W_in.data, T);
      const pre = ws.get(split, "hook_pre", n * K); // [n, K]
      gatherRowsSum(n, seqLen, K, T, s.x, 0, pre);
      const post = ws.get(split, "hook_post", n * K);
      activate("relu", pre, post, n * K);
      const out = ws.get(split, "hook_out", n * 2); // [n, 2]
      backend.gemm(n, 2, K, post, params.W_out.data, out);
      const Z = ws.get(split, "logits", n * M); // [n, M]
      backend.gemm(n, M, 2, out, E, Z, { transB: true });
      return { logits: Z, cache: { hook_pre: pre, hook_post: post, hook_out: out } };
    },

    backward(params: Params, split: Split, fwd: ForwardResult, dZ: Float32Array, grads: Params): void {
      const s = split as TokenSplit, n = s.n;
      const { hook_pre: pre, hook_post: post } = fwd.cache;
      const dOut = ws.get(split, "d_out", n * 2);
      backend.gemm(n, 2, M, dZ, E, dOut); // dOut = dZ E
      backend.gemm(K, 2, n, post, dOut, grads.W_out.data, { transA: true }); // dW_out = postᵀ dOut
      const fprime = ws.get(split, "d_act", n * K);
      activationDerivative("relu", pre, post, fprime, n * K);
      const dPre = ws.get(split, "d_pre", n * K); // relu′(pre) ∘ (dOut W_outᵀ)
      backend.gemm(n, K, 2, dOut, params.W_out.data, dPre, { transB: true, mul: fprime });
      dT.fill(0);
      scatterRowsAdd(n, seqLen, K, dPre, s.x, 0, dT);
      backend.gemm(2, K, M, E, dT, grads.W_in.data, { transA: true }); // dW_in = Eᵀ dT
    },
  };
}
