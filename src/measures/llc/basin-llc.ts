/**
 * Closed-form local learning coefficients of Cullen, Estan-Ruiz, Danait & Li (2026), "A Basin-Selection Perspective on
 * Grokking via Singular Learning Theory" (arXiv 2603.01192; versions 1–2 titled "Grokking as a Phase Transition between
 * Competing Basins: a Singular Learning Theory Approach"), for the two-layer quadratic network without biases
 *   Ŷ = V σ(Wᵀ X),  σ(t) = t²,  W [d, K],  V [p, K],
 * under the centred square loss ½‖(Y − Ŷ)P⊥‖²_F (`mse_centred`). In grokscope's `gromov` model the first layer is
 * (U, V) (Wᵀ = [U V], d = 2p for modular addition) and the paper's V is our W.
 *
 * - Cor. 4.2 (a generic true solution of a non-defective architecture): λ = ½ r_exp with the expected secant dimension
 *   r_exp = min(K(p + d − 1), p·d(d + 1)/2) — each neuron's atom v ⊗ wwᵀ adds d + p − 1 directions (its scale
 *   (w, v) → (cw, v/c²) removed) until the p symmetric d × d matrices are filled. Under-parameterized while
 *   K(p + d − 1) < p·d(d + 1)/2, over-parameterized from there on.
 * - Thm 5.1 (the NTK-linearised model): λ = r/2, r the rank of its Fisher information, i.e. of the Jacobian.
 * - Thm 5.2 / Cor. 5.3 (lazy regime, W frozen, V the ridge solution): λ = ½ p·min(l, K), l the dimension of the
 *   features' span; with σ = t² and 2p − 1 < K ≪ p²: ½p(2p − 1) ≤ λ ≤ ½pK.
 * - Cor. 5.4 (late feature learning, d = 2p, under-parameterized): λ = ½ K(3p − 1).
 *
 * What the data adds (our analysis, checked numerically in test/measures/llc-basins.test.ts): the loss sees the
 * network only through its centred outputs on the n training pairs, so λ ≤ ½ p(n − 1) whatever the width, and on
 * one-hot pairs the input (e_a, e_b) reaches W only through u_a + v_b, which is unchanged by (u + t·1, v − t·1): each
 * neuron then adds 3p − 2 directions, not 3p − 1. At generic weights the centred data Jacobian has rank
 * min(K(3p − 2), p(n − 1)) (`oneHotDataRank`), and where the rank is constant nearby λ is half of it.
 */

import type { Params } from "../../tensor/tensor.js";
import type { TokenSplit } from "../../tasks/dataset.js";
import { jacobianSpectrum, RANK_REL_TOL } from "./llc-analytic.js";

export { centredGromovJacobian } from "./llc-analytic.js";

export type Parameterization = "under" | "over";

export interface SecantLlc {
  /** Expected dimension of the K-th secant variety's cone, min(K(p + d − 1), p·d(d + 1)/2). */
  readonly rExp: number;
  /** ½ r_exp. */
  readonly lambda: number;
  /** "under" while K(p + d − 1) < p·d(d + 1)/2 (the paper's subabundant regime), "over" once the ambient space is filled. */
  readonly regime: Parameterization;
}

function positiveInts(what: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what}: ${name} must be a positive integer (got ${v})`);
  }
}

/** Cor. 4.2: λ of a generic true solution of the non-defective architecture (d inputs, p outputs, width K). */
export function secantLlc(d: number, p: number, K: number): SecantLlc {
  positiveInts("secant LLC", { d, p, K });
  const perNeuron = K * (p + d - 1), ambient = (p * d * (d + 1)) / 2;
  const rExp = Math.min(perNeuron, ambient);
  return { rExp, lambda: rExp / 2, regime: perNeuron < ambient ? "under" : "over" };
}

/** Cor. 5.4: the late (feature-learning) basin on modular addition mod p, d = 2p: ½K(3p − 1) while under-parameterized. */
export function featureLearningLlc(p: number, K: number): SecantLlc {
  return secantLlc(2 * p, p, K);
}

/** Thm 5.2: λ of the lazy ridge solution, ½ p·min(l, K), l the dimension of the frozen features' span. */
export function memorizationLlc(p: number, l: number, K: number): number {
  positiveInts("memorization LLC", { p, l, K });
  return (p * Math.min(l, K)) / 2;
}

/** Cor. 5.3: the bracket ½p(2p − 1) ≤ λ ≤ ½pK of the lazy basin with σ = t², stated for 2p − 1 < K ≪ p². */
export function memorizationBracket(p: number, K: number): { lower: number; upper: number } {
  positiveInts("memorization bracket", { p, K });
  if (K <= 2 * p - 1) throw new RangeError(`memorization bracket: needs K > 2p − 1 = ${2 * p - 1} (got K = ${K})`);
  return { lower: (p * (2 * p - 1)) / 2, upper: (p * K) / 2 };
}

/**
 * Rank of the centred data Jacobian of the quadratic network at generic weights on n one-hot pairs (a, b) of Z_p:
 * min(K(3p − 2), p(n − 1)). Ours, not the paper's (see the file comment); λ = rank/2 where the rank is constant nearby.
 */
export function oneHotDataRank(p: number, K: number, n: number): number {
  positiveInts("one-hot data rank", { p, K, n });
  return Math.min(K * (3 * p - 2), p * (n - 1));
}

/**
 * Rank of the Jacobian of θ = (W [K, d] row-major, V [p, K]) ↦ Σ_j v_j ⊗ w_j w_jᵀ, the p symmetric d × d matrices in
 * their upper triangles (p·d(d + 1)/2 coordinates). By Terracini's lemma, at generic θ this is the dimension of the
 * secant variety that Cor. 4.2 counts; it equals r_exp exactly when the architecture is non-defective.
 */
export function secantJacobianRank(W: ArrayLike<number>, V: ArrayLike<number>, d: number, p: number, K: number, relTol = RANK_REL_TOL): number {
  positiveInts("secant Jacobian", { d, p, K });
  if (W.length !== K * d || V.length !== p * K) throw new Error(`secant Jacobian: W must hold K·d = ${K * d} and V p·K = ${p * K} numbers (got ${W.length}, ${V.length})`);
  const D = (d * (d + 1)) / 2, rows = p * D, cols = K * (d + p);
  const J = new Float64Array(rows * cols);
  const upper: Array<[number, number]> = [];
  for (let r = 0; r < d; r++) for (let c = r; c < d; c++) upper.push([r, c]);
  for (let j = 0; j < K; j++) {
    const w = (i: number) => W[j * d + i];
    for (let q = 0; q < p; q++) {
      const v = V[q * K + j];
      upper.forEach(([r, c], e) => {
        const row = (q * D + e) * cols;
        // ∂(v_q w_r w_c)/∂v_q = w_r w_c;  ∂/∂w_i = v_q (δ_ir w_c + δ_ic w_r)
        J[row + j * (d + p) + d + q] = w(r) * w(c);
        J[row + j * (d + p) + r] += v * w(c);
        J[row + j * (d + p) + c] += v * w(r);
      });
    }
  }
  return jacobianSpectrum(J, rows, cols, relTol).rank;
}

/**
 * The centred features P⊥F [n, N] on `split`, F[i, k] = (U[k, a_i] + V[k, b_i])²: the design of Thm 5.2's lazy model,
 * in which only the readout moves (its Hessian per output under `mse_centred` is FᵀP⊥F/n).
 */
export function centredLazyFeatures(params: Params, split: TokenSplit): Float64Array {
  const [N, P] = params.U.shape, n = split.n, U = params.U.data, V = params.V.data;
  const F = new Float64Array(n * N), mean = new Float64Array(N);
  for (let i = 0; i < n; i++) {
    const a = split.x[2 * i], b = split.x[2 * i + 1];
    for (let k = 0; k < N; k++) {
      const h = U[k * P + a] + V[k * P + b];
      F[i * N + k] = h * h;
      mean[k] += (h * h) / n;
    }
  }
  for (let i = 0; i < n; i++) for (let k = 0; k < N; k++) F[i * N + k] -= mean[k];
  return F;
}

/** l of Thm 5.2 on `split`: the rank of the centred features P⊥F. */
export function lazyFeatureRank(params: Params, split: TokenSplit, relTol = RANK_REL_TOL): number {
  return jacobianSpectrum(centredLazyFeatures(params, split), split.n, params.U.shape[0], relTol).rank;
}
