import type { Backend } from "../tensor/backend.js";
import { fold, normals, symmetricUniforms, type Key } from "../tensor/rng.js";
import type { Params, Tensor } from "../tensor/tensor.js";
import type { Dataset, Split, TokenSplit } from "../tasks/dataset.js";
import type { ForwardResult, Model } from "./model.js";
import { Workspace } from "./workspace.js";
import { add, embedding, matmul, square, tokenColumn, transpose } from "../autograd/index.js";
import { defineModel, type ModelDefinition } from "./define.js";

/**
 * Gromov (2023) "Grokking modular arithmetic", eq. (2): a two-layer network with quadratic activation,
 *   logits = W · (U e_a + V e_b)²          U, V: [N, p]   W: [p, N]   (elementwise square, no biases)
 * The one-hot products U e_a are column gathers; we gather rows of Uᵀ instead (contiguous), so no matmul with a
 * one-hot matrix is ever formed. Init (`init`): "normal", fan-in normals U, V ~ N(0, 1/p), W ~ N(0, 1/N); "pytorch",
 * nn.Linear's default for the same layers written as Linear(2p → N) and Linear(N → C) without bias (Cullen et al.
 * 2026's code): U, V ~ U(±1/√(2p)), W ~ U(±1/√N). Either times `init_scale` (Omnigrok's α).
 * Hook points: `hook_pre` = U e_a + V e_b and `hook_post` = its square, each [n, N].
 *
 * Two implementations: `gromovDefinition`, forward-only on the autograd ops (used for interventions and as the
 * reference), and `createGromov`, the hand-fused training path — one gather-sum-square kernel forward and a gemm
 * with the 2H ∘ · epilogue backward, 0.6× PyTorch's step time where the autograd version takes about twice as long
 * (bench). The tests check that the two give the same logits and gradients.
 */
export const GROMOV_INITS = ["normal", "pytorch"] as const;
export type GromovInit = (typeof GROMOV_INITS)[number];

export interface GromovConfig {
  readonly width: number; // N
  readonly init_scale: number;
  readonly init?: GromovInit; // "normal" when absent
}

/** The draws of `init` for U, V [N, p] and W [C, N]: (name, shape, scale) → tensor, normal std or uniform bound. */
function gromovInit<T>(c: GromovConfig, p: number, C: number, draw: { normal(n: string, s: number[], std: number): T; uniform(n: string, s: number[], bound: number): T }): Record<"U" | "V" | "W", T> {
  const N = c.width, a = c.init_scale;
  if (c.init === "pytorch") {
    const b = a / Math.sqrt(2 * p);
    return { U: draw.uniform("U", [N, p], b), V: draw.uniform("V", [N, p], b), W: draw.uniform("W", [C, N], a / Math.sqrt(N)) };
  }
  return { U: draw.normal("U", [N, p], a / Math.sqrt(p)), V: draw.normal("V", [N, p], a / Math.sqrt(p)), W: draw.normal("W", [C, N], a / Math.sqrt(N)) };
}

export const gromovDefinition: ModelDefinition<GromovConfig> = defineModel<GromovConfig>({
  name: "gromov",
  validate(_c, data) {
    if (data.kind !== "tokens" || data.seqLen !== 2) throw new Error(`model "gromov" needs a two-token task (got ${data.name})`);
  },
  init({ config: c, data, normal, uniform }) {
    return gromovInit(c, data.kind === "tokens" ? data.vocab : 0, data.nClasses, { normal, uniform });
  },
  forward(g, params, batch) {
    const x = batch.tokens!;
    const h = add(g, embedding(g, transpose(g, params.U), tokenColumn(x, 2, 0)), embedding(g, transpose(g, params.V), tokenColumn(x, 2, 1)));
    const s = g.hook("hook_post", square(g, g.hook("hook_pre", h)));
    return matmul(g, s, params.W, { transB: true });
  },
});

export function createGromov(config: GromovConfig, data: Dataset, backend: Backend): Model {
  if (data.kind !== "tokens" || data.seqLen !== 2) throw new Error(`model "gromov" needs a two-token task (got ${data.name})`);
  const p = data.vocab, N = config.width, nOut = data.nClasses;
  const ws = new Workspace(backend);
  const Ut = backend.alloc(p * N), Vt = backend.alloc(p * N); // [p, N] transposed copies, refreshed per forward
  const dUt = backend.alloc(p * N), dVt = backend.alloc(p * N);

  return {
    name: "gromov",
    nOut,
    init(key: Key): Params {
      const size = (shape: number[]) => shape[0] * shape[1];
      return gromovInit<Tensor>(config, p, nOut, {
        normal: (name, shape, std) => ({ shape, data: normals(fold(key, name), size(shape), std, backend.alloc(size(shape))) }),
        uniform: (name, shape, bound) => ({ shape, data: symmetricUniforms(fold(key, name), size(shape), bound, backend.alloc(size(shape))) }),
      });
    },
    forward(params: Params, split: Split): ForwardResult {
      const s = split as TokenSplit, n = s.n;
      backend.transpose(N, p, params.U.data, Ut);
      backend.transpose(N, p, params.V.data, Vt);
      const H = ws.get(split, "hook_pre", n * N); // [n, N]  U e_a + V e_b
      const S = ws.get(split, "hook_post", n * N); // [n, N]  H²
      const Z = ws.get(split, "logits", n * nOut); // [n, p]
      backend.gatherSumSquare(n, N, Ut, tokenColumn(s.x, 2, 0), Vt, tokenColumn(s.x, 2, 1), H, S);
      backend.gemm(n, nOut, N, S, params.W.data, Z, { transB: true });
      return { logits: Z, cache: { hook_pre: H, hook_post: S } };
    },
    backward(params: Params, split: Split, fwd: ForwardResult, dZ: Float32Array, grads: Params): void {
      const s = split as TokenSplit, n = s.n;
      const { hook_pre: H, hook_post: S } = fwd.cache;
      const dH = ws.get(split, "d_pre", n * N);
      backend.gemm(nOut, N, n, dZ, S, grads.W.data, { transA: true }); // dW = dZᵀ S
      backend.gemm(n, N, nOut, dZ, params.W.data, dH, { mul: H, scale: 2 }); // dH = 2H ∘ (dZ W)
      dUt.fill(0);
      dVt.fill(0);
      backend.scatterAdd2(n, N, dH, tokenColumn(s.x, 2, 0), dUt, tokenColumn(s.x, 2, 1), dVt);
      backend.transpose(p, N, dUt, grads.U.data);
      backend.transpose(p, N, dVt, grads.V.data);
    },
  };
}
