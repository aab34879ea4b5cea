import type { Backend } from "../../../src/tensor/backend.js";
import { fold, uniform, type Key } from "../../../src/tensor/rng.js";
import type { Params } from "../../../src/tensor/tensor.js";
import type { Dataset, DenseSplit, Split, TokenSplit } from "../../../src/tasks/dataset.js";
import { activationBackward, biasActivate, type Activation } from "../../../src/tensor/kernels/activations.js";
import type { ForwardResult, Model } from "../../../src/models/model.js";
import { Workspace } from "../../../src/models/workspace.js";
import { gatherRowsSum, scatterRowsAdd } from "../../../src/tensor/kernels/gather.js";

/**
 * A multilayer perceptron, "x W + b" convention (weights stored [fan_in, fan_out], row-major):
 *   h_0 = f(x W_0 + b_0),  h_l = f(h_{l−1} W_l + b_l) for l < depth,  logits = h_{depth−1} W_out + b_out
 *   W_0 [d_in, width]   W_l [width, width]   b_l [width]   W_out [width, nOut]   b_out [nOut]
 * Dense inputs (sparse parity, docs/reproductions.md R3): x [n, dim] is the dataset's input, d_in = dim.
 * Token inputs (Prieto et al. 2025, docs/reproductions.md R6): x is the concatenation of the one-hot codes of the seqLen
 * tokens, d_in = seqLen · vocab, so x W_0 is the sum of the rows W_0[j·vocab + token_j] — computed as row gathers
 * (and its backward as row scatter-adds), never as a matmul with one-hot vectors.
 * Init: PyTorch's nn.Linear default (kaiming-uniform with a = √5): weight and bias ~ U(−1/√fan_in, 1/√fan_in),
 * every parameter times `initScale` (Omnigrok's α, Liu et al. 2023).
 * Hook points: `hook_pre_<l>` (x W_l + b_l) and `hook_post_<l>` (after f), each [n, width].
 */
export interface MlpConfig {
  readonly depth: number; // hidden layers, ≥ 1
  readonly width: number;
  readonly activation: Activation;
  readonly bias: boolean;
  readonly initScale: number;
}

export function createMlp(config: MlpConfig, data: Dataset, backend: Backend): Model {
  const { depth, width: H, activation, bias } = config;
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`model "mlp": depth must be an integer ≥ 1, got ${depth}`);
  if (!Number.isInteger(H) || H < 1) throw new Error(`model "mlp": width must be an integer ≥ 1, got ${H}`);
  const tokens = data.kind === "tokens";
  const seqLen = data.kind === "tokens" ? data.seqLen : 0;
  const vocab = data.kind === "tokens" ? data.vocab : 0;
  const dIn = data.kind === "tokens" ? data.seqLen * data.vocab : data.dim;
  const nOut = data.nClasses;
  const fanIn = (l: number): number => (l === 0 ? dIn : H);
  const ws = new Workspace(backend);
  const copiedFrom = new WeakMap<Float32Array, Float32Array>(); // workspace buffer → the inputs it holds

  /** Dense inputs copied into backend memory (a workspace buffer per batch size, refilled when the split changes). */
  function denseInput(split: DenseSplit): Float32Array {
    if (split.x.length !== split.n * dIn) throw new Error(`model "mlp": dense inputs have ${split.x.length} values, expected n·dim = ${split.n * dIn}`);
    const x = ws.get(split, "input", split.x.length);
    if (copiedFrom.get(x) !== split.x) {
      x.set(split.x);
      copiedFrom.set(x, split.x);
    }
    return x;
  }

  return {
    name: "mlp",
    nOut,
    init(key: Key): Params {
      const a = config.initScale;
      const params: Params = {};
      const linear = (name: string, rows: number, cols: number, fan: number): void => {
        const bound = a / Math.sqrt(fan);
        params[`W_${name}`] = { shape: [rows, cols], data: uniformInit(fold(key, `W_${name}`), rows * cols, bound, backend.alloc(rows * cols)) };
        if (bias) params[`b_${name}`] = { shape: [cols], data: uniformInit(fold(key, `b_${name}`), cols, bound, backend.alloc(cols)) };
      };
      for (let l = 0; l < depth; l++) linear(String(l), fanIn(l), H, fanIn(l));
      linear("out", H, nOut, H);
      return params;
    },

    forward(params: Params, split: Split): ForwardResult {
      const n = split.n;
      const cache: Record<string, Float32Array> = {};
      let h: Float32Array | null = null; // [n, fan_in] input of the current layer (null: token inputs)
      for (let l = 0; l < depth; l++) {
        const pre = ws.get(split, `hook_pre_${l}`, n * H); // [n, H]
        if (l === 0 && tokens) gatherRowsSum(n, seqLen, H, params.W_0.data, (split as TokenSplit).x, vocab, pre);
        else backend.gemm(n, H, fanIn(l), h ?? denseInput(split as DenseSplit), params[`W_${l}`].data, pre);
        const post = ws.get(split, `hook_post_${l}`, n * H); // [n, H]
        const b = bias ? params[`b_${l}`].data : null;
        if (activation === "relu") backend.biasRelu(n, H, pre, b, post);
        else biasActivate(activation, pre, post, n, H, b);
        cache[`hook_pre_${l}`] = pre;
        cache[`hook_post_${l}`] = post;
        h = post;
      }
      const Z = ws.get(split, "logits", n * nOut); // [n, nOut]
      backend.gemm(n, nOut, H, h!, params.W_out.data, Z);
      if (bias) backend.addRowVector(n, nOut, Z, params.b_out.data);
      return { logits: Z, cache };
    },

    backward(params: Params, split: Split, fwd: ForwardResult, dZ: Float32Array, grads: Params): void {
      const n = split.n;
      const c = fwd.cache;
      backend.gemm(H, nOut, n, c[`hook_post_${depth - 1}`], dZ, grads.W_out.data, { transA: true }); // dW_out = h_{L−1}ᵀ dZ
      if (bias) backend.columnSums(n, nOut, dZ, grads.b_out.data);
      let dUp = dZ, Wup = params.W_out.data, up = nOut; // gradient w.r.t. the next layer's pre-activation, its weight, its width
      for (let l = depth - 1; l >= 0; l--) {
        const dPre = ws.get(split, `d_pre_${l}`, n * H); // [n, H] = f′(pre_l) ∘ (dUp Wupᵀ)
        backend.gemm(n, H, up, dUp, Wup, dPre, { transB: true });
        const dB = bias ? grads[`b_${l}`].data : null;
        if (activation === "relu") backend.reluBackward(n, H, c[`hook_pre_${l}`], dPre, dB);
        else activationBackward(activation, c[`hook_pre_${l}`], c[`hook_post_${l}`], dPre, n, H, dB);
        if (l === 0 && tokens) {
          grads.W_0.data.fill(0);
          scatterRowsAdd(n, seqLen, H, dPre, (split as TokenSplit).x, vocab, grads.W_0.data);
        } else {
          const hIn = l === 0 ? denseInput(split as DenseSplit) : c[`hook_post_${l - 1}`];
          backend.gemm(fanIn(l), H, n, hIn, dPre, grads[`W_${l}`].data, { transA: true }); // dW_l = h_{l−1}ᵀ dPre
        }
        dUp = dPre;
        Wup = params[`W_${l}`].data;
        up = H;
      }
    },
  };
}

/** out[i] = (2u − 1) · bound with u uniform in [0, 1): U(−bound, bound). */
export function uniformInit(key: Key, n: number, bound: number, out: Float32Array): Float32Array {
  for (let i = 0; i < n; i++) out[i] = (2 * uniform(key, i) - 1) * bound;
  return out;
}

