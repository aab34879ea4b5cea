/**
 * Closed-form bounds on the learning coefficient of the quadratic network logits = W (U e_a + V e_b)² (Gromov 2023),
 * computed beside the SGLD estimate of ./llc.ts. Derived from singular learning theory (Watanabe 2009; the
 * "minimally singular" case of Lau et al. 2023 and Murfet et al.); Cullen et al. (2026)'s closed forms, for their
 * centred loss, are in ./basin-llc.ts. The derivation is in docs/measures/llc.md ("Analytic bounds").
 *
 * F(w) ∈ R^{n·C} are the network outputs on the n training pairs, J = ∂F/∂w [n·C, d]. At a realizable minimum of
 * the MSE loss (F(w*) = one-hot targets) the Hessian is 2 JᵀJ / (n·C), and
 *   rank(J)/2  ≤  λ  ≤  min(d − 2N, n·C)/2,
 * the left by the splitting lemma (equality when rank J is constant near w*: minimally singular), the right because
 * the minima contain each neuron's two-dimensional symmetry orbit (u, v, w) → (cu, cv, w/c²) and (u + t·1, v − t·1, w)
 * and every nonempty fibre of F has codimension ≤ n·C.
 * For Gromov's Fourier construction the rank has a closed form (`gromovConstructionRank`), checked against the SVD.
 */
import type { Model } from "../../models/model.js";
import type { Dataset, TokenSplit } from "../../tasks/dataset.js";
import type { Params } from "../../tensor/tensor.js";
import { mse, mseCentred } from "../../train/losses.js";
import { defaultNbeta, parseLlcSettings } from "./llc.js";
import type { MeasureContext, MeasureDef } from "../measure.js";
import { gramOfShortSide, symmetricEigenvalues } from "../rank/svd.js";

/**
 * Relative threshold on the eigenvalues of the Gram matrix (JᵀJ or JJᵀ, = σ² of J): an eigenvalue counts when it
 * exceeds 1e-10 · λ_max, i.e. σ > 1e-5 · σ_max. Rounding in the float64 Gram and its eigenvalues is ≈ k·eps·λ_max
 * ≤ 2,000 · 2.2e-16 ≈ 4e-13 · λ_max, far below; the smallest genuine σ/σ_max on the construction at p ≤ 13 is
 * ≈ 2.5e-4 (λ ratio 6e-8), far above. `gapLog10` reports how clean the cut was.
 */
export const RANK_REL_TOL = 1e-10;

/** Largest Gram side min(n·C, d) the measure accepts: the eigenvalues cost ≈ (4/3)·k³ flops (~10 s at k = 2,000). */
export const MAX_GRAM_SIDE = 2000;
/** Largest dense Jacobian n·C·d the measure builds (float64, 8 bytes each: 160 MB at the bound). */
export const MAX_JACOBIAN_ENTRIES = 2e7;

export interface JacobianSpectrum {
  /** Numerical rank: Gram eigenvalues above relTol · the largest. */
  readonly rank: number;
  /** Eigenvalues of the Gram of J's short side, descending (= squared singular values of J). */
  readonly eigenvalues: Float64Array;
  /** log10(smallest kept / largest dropped eigenvalue); Infinity when none is dropped. */
  readonly gapLog10: number;
}

/** Rank and squared singular values of J [rows, cols] (row-major, float64). */
export function jacobianSpectrum(J: Float64Array, rows: number, cols: number, relTol = RANK_REL_TOL): JacobianSpectrum {
  const { g, k } = gramOfShortSide(J, rows, cols);
  const asc = symmetricEigenvalues(g, k);
  const eigenvalues = new Float64Array(k);
  for (let i = 0; i < k; i++) eigenvalues[i] = Math.max(asc[k - 1 - i], 0);
  const cut = relTol * eigenvalues[0];
  let rank = 0;
  while (rank < k && eigenvalues[rank] > cut) rank++;
  // a dropped eigenvalue that rounded to 0 is floored at eps² · λ_max, so the gap reads ≤ ~31 decades, never Infinity
  const dropped = rank < k ? Math.max(eigenvalues[rank], Number.EPSILON ** 2 * eigenvalues[0]) : 0;
  const gapLog10 = rank === 0 ? NaN : rank === k ? Infinity : Math.log10(eigenvalues[rank - 1] / dropped);
  return { rank, eigenvalues, gapLog10 };
}

/**
 * J = ∂F/∂w of the gromov net over the pairs of `split`, float64 [n·C, d], row (i, q) = output q on pair i, columns
 * in the order of the parameters' storage: U [N, P] (k·P + a), then V [N, P], then W [C, N] (q·N + k). With
 * h_k = U[k, a] + V[k, b]:  ∂F_iq/∂U[k, a_i] = ∂F_iq/∂V[k, b_i] = 2 W[q, k] h_k,  ∂F_iq/∂W[q, k] = h_k².
 */
export function gromovJacobian(params: Params, split: TokenSplit): { J: Float64Array; rows: number; cols: number } {
  const [N, P] = params.U.shape, C = params.W.shape[0];
  const U = params.U.data, V = params.V.data, W = params.W.data, n = split.n;
  const rows = n * C, cols = 2 * N * P + C * N;
  const J = new Float64Array(rows * cols);
  const h = new Float64Array(N); // [N] pre-activations of pair i
  for (let i = 0; i < n; i++) {
    const a = split.x[2 * i], b = split.x[2 * i + 1];
    for (let k = 0; k < N; k++) h[k] = U[k * P + a] + V[k * P + b];
    for (let q = 0; q < C; q++) {
      const row = (i * C + q) * cols;
      for (let k = 0; k < N; k++) {
        const g = 2 * W[q * N + k] * h[k];
        J[row + k * P + a] = g;
        J[row + N * P + k * P + b] = g;
        J[row + 2 * N * P + q * N + k] = h[k] * h[k];
      }
    }
  }
  return { J, rows, cols };
}

/**
 * `gromovJacobian` with each output column centred over the n examples (P⊥, the projection of Cullen et al.'s
 * `mse_centred` loss), [n·C, d]: its rank is p(n − 1) at most, and at initialisation it is Thm 5.1's r (./basin-llc.ts).
 */
export function centredGromovJacobian(params: Params, split: TokenSplit): { J: Float64Array; rows: number; cols: number } {
  const { J, rows, cols } = gromovJacobian(params, split);
  const C = params.W.shape[0], n = split.n;
  const mean = new Float64Array(cols);
  for (let q = 0; q < C; q++) {
    mean.fill(0);
    for (let i = 0; i < n; i++) for (let k = 0, row = (i * C + q) * cols; k < cols; k++) mean[k] += J[row + k];
    for (let k = 0; k < cols; k++) mean[k] /= n;
    for (let i = 0; i < n; i++) for (let k = 0, row = (i * C + q) * cols; k < cols; k++) J[row + k] -= mean[k];
  }
  return { J, rows, cols };
}

/**
 * Σ_i ½ · nβh_i / (nβh_i + γ) over the eigenvalues h_i of the Gauss–Newton Hessian 2JᵀJ/(n·C) (MSE; `hessianPerGram`
 * = 1/n for the centred loss's J_cᵀJ_c/n): the exact value of
 * the localized estimator nβ(E[L] − L(w*)) for the quadratic (Laplace) approximation L ≈ L* + ½ Σ h_i x_i², where x_i
 * is Gaussian with precision nβh_i + γ. It tends to rank/2 as nβ/γ → ∞ and is what SGLD would report if the loss
 * were exactly quadratic; higher-order terms in the flat directions push the real estimate away from it.
 */
export function laplaceLlc(gramEigenvalues: ArrayLike<number>, nTimesC: number, nbeta: number, gamma: number, hessianPerGram = 2 / nTimesC): number {
  let s = 0;
  for (let i = 0; i < gramEigenvalues.length; i++) {
    const h = hessianPerGram * gramEigenvalues[i];
    if (h > 0) s += (0.5 * nbeta * h) / (nbeta * h + gamma);
  }
  return s;
}

/**
 * Neurons per frequency class of U's rows: class c ∈ 1..(p−1)/2 holds frequencies ±c (cos(2πσn/p) = cos(2π(p−σ)n/p)),
 * each row assigned to its largest DFT power over c ≥ 1. Returns occupancy [(p−1)/2] (index c − 1).
 */
export function frequencyOccupancy(U: ArrayLike<number>, N: number, p: number): Int32Array {
  const K = Math.floor((p - 1) / 2), occ = new Int32Array(K);
  for (let k = 0; k < N; k++) {
    let best = 0, bestPow = -1;
    for (let c = 1; c <= K; c++) {
      let re = 0, im = 0;
      for (let n = 0; n < p; n++) {
        const t = (2 * Math.PI * c * n) / p;
        re += U[k * p + n] * Math.cos(t);
        im += U[k * p + n] * Math.sin(t);
      }
      if (re * re + im * im > bestPow) { bestPow = re * re + im * im; best = c; }
    }
    occ[best - 1]++;
  }
  return occ;
}

/**
 * rank J over all p² pairs at Gromov's construction (odd prime p, generic phases, m_c neurons in frequency class c),
 * or null outside the two regimes with a closed form (see docs/measures/llc.md, "Analytic bounds"):
 *  - every m_c ≤ 3: each neuron is free, rank = N(3p − 2) = d − 2N (only the two symmetries per neuron);
 *  - every m_c ≥ 6: rank = (p − 1)(8p − 15) + Σ_c min(m_c, 8) + [max_c m_c ≥ 9], which saturates at
 *    8p² − 19p + 12 when every m_c ≥ 8 and one m_c ≥ 9.
 */
export function gromovConstructionRank(p: number, occupancy: ArrayLike<number>): number | null {
  const occ = Array.from(occupancy);
  if (occ.length !== (p - 1) / 2) throw new Error(`gromov construction rank: need (p − 1)/2 = ${(p - 1) / 2} class counts for p = ${p}, got ${occ.length}`);
  if (occ.every((m) => m <= 3)) return occ.reduce((a, m) => a + m, 0) * (3 * p - 2);
  if (occ.every((m) => m >= 6)) return (p - 1) * (8 * p - 15) + occ.reduce((a, m) => a + Math.min(m, 8), 0) + (Math.max(...occ) >= 9 ? 1 : 0);
  return null;
}

/** Why the rank bound cannot run on this model and task, or null. */
export function rankBoundAppliesTo(model: Model, data: Dataset, params: Params): string | null {
  if (model.name !== "gromov" || !params.U || !params.V || !params.W) return `needs the gromov quadratic network (the run's model is "${model.name}")`;
  if (data.kind !== "tokens" || data.seqLen !== 2) return `needs a two-token task (task "${data.name}")`;
  const [N, P] = params.U.shape, C = params.W.shape[0];
  const rows = data.train.n * C, cols = 2 * N * P + C * N;
  if (Math.min(rows, cols) > MAX_GRAM_SIDE || rows * cols > MAX_JACOBIAN_ENTRIES) {
    return `the dense Jacobian is ${rows} × ${cols} (n·C × d); the rank bound needs min(n·C, d) ≤ ${MAX_GRAM_SIDE} and n·C·d ≤ ${MAX_JACOBIAN_ENTRIES.toExponential(0)} (e.g. p ≤ 13 with width ≤ 50)`;
  }
  return null;
}

/** The measure: `llc/rank_bound/{rank, lower, upper, laplace, gap_log10}`; nβ and γ of the Laplace value from measure_settings.llc. */
export const rankBoundMeasure: MeasureDef = {
  describe: "learning-coefficient bounds of the quadratic net from the Jacobian rank: rank/2 ≤ λ ≤ min(d − 2N, n·C)/2 (mse_centred: p(n − 1) for n·C), and the Laplace value at the llc settings (SLT; Watanabe 2009)",
  appliesTo: rankBoundAppliesTo,
  compute: (ctx: MeasureContext) => {
    const why = rankBoundAppliesTo(ctx.model, ctx.data, ctx.params);
    if (why) throw new Error(`measure "llc/rank_bound": ${why}`);
    const centred = ctx.loss === mseCentred;
    if (ctx.loss && ctx.loss !== mse && !centred) throw new Error(`measure "llc/rank_bound": needs the loss mse or mse_centred (the Hessian is 2JᵀJ/(n·C), or J_cᵀJ_c/n, only for squared error)`);
    const split = ctx.data.train as TokenSplit;
    const { J, rows, cols } = (centred ? centredGromovJacobian : gromovJacobian)(ctx.params, split);
    const spec = jacobianSpectrum(J, rows, cols);
    const s = parseLlcSettings(ctx.settings?.llc ?? {});
    const nbeta = s.nbeta ?? defaultNbeta(split.n);
    const N = ctx.params.U.shape[0], C = ctx.params.W.shape[0];
    return {
      "llc/rank_bound/rank": spec.rank,
      "llc/rank_bound/lower": spec.rank / 2,
      // centred: the outputs live in p(n − 1) dimensions
      "llc/rank_bound/upper": Math.min(cols - 2 * N, centred ? C * (split.n - 1) : rows) / 2,
      "llc/rank_bound/laplace": laplaceLlc(spec.eigenvalues, rows, nbeta, s.gamma, centred ? 1 / split.n : 2 / rows),
      "llc/rank_bound/gap_log10": spec.gapLog10,
    };
  },
};

export const LLC_ANALYTIC_MEASURES: Readonly<Record<string, MeasureDef>> = { "llc/rank_bound": rankBoundMeasure };
