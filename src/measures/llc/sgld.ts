/**
 * Localized SGLD, the sampler behind the local learning coefficient. Welling & Teh (2011) Langevin dynamics with the
 * tempered, localized posterior of Lau et al. (2023, "Quantifying degeneracy in singular models via the learning
 * coefficient", eq. for the SGLD step in their §4), with devinterp's step (`devinterp.optim.SGLD`, `SGMCMC.sgld`):
 *   w ← w − (ε/2)(nβ ∇L̄_batch(w) + γ(w − w*)) + √ε · N(0, I)
 * whose stationary law (ε → 0, full batch) is p(w) ∝ exp(−nβ L(w) − (γ/2)‖w − w*‖²).
 * One step is a pure function of (w, w*, gradient, key): the noise of tensor `name` is drawn from fold(key, name).
 */
import type { Backend } from "../../tensor/backend.js";
import { fold, type Key } from "../../tensor/rng.js";
import type { Params } from "../../tensor/tensor.js";

export interface SgldHyper {
  /** Step size ε (devinterp's `lr`). */
  readonly epsilon: number;
  /** Localization strength γ (devinterp's `localization`). */
  readonly gamma: number;
  /** Inverse temperature nβ (devinterp's `nbeta`). */
  readonly nbeta: number;
}

/**
 * What the MALA acceptance of a step needs from the step before: its drift ∇U and noise ξ per tensor, and U, with
 * U(w) = nβ L̄_batch(w) + (γ/2)‖w − w*‖² (devinterp's `MalaAcceptanceRate`: the batch loss times nβ plus the
 * localization term). Allocate with `malaState`.
 */
export interface MalaState {
  readonly dU: Record<string, Float64Array>;
  readonly xi: Record<string, Float64Array>;
  /** U at the step's start point; NaN before the first step. */
  u: number;
}

/** The state for `params`' tensors; with `backend`, in its memory (where its sgldUpdate reads it without a copy). */
export function malaState(params: Params, backend?: Pick<Backend, "alloc">): MalaState {
  const f64 = (n: number): Float64Array => {
    if (!backend) return new Float64Array(n);
    const bytes = backend.alloc(2 * n); // zero-filled, at least 8n bytes whatever the backend's element type
    return new Float64Array(bytes.buffer, bytes.byteOffset, n);
  };
  const dU: Record<string, Float64Array> = {}, xi: Record<string, Float64Array> = {};
  for (const [name, t] of Object.entries(params)) (dU[name] = f64(t.data.length)), (xi[name] = f64(t.data.length));
  return { dU, xi, u: NaN };
}

/**
 * One SGLD update of `w` in place. `grads` holds ∇L̄_batch(w) (the gradient of the mean minibatch loss); `noise` is
 * scratch at least as long as the largest tensor, filled with rng.ts's normals by the backend (the same draws on
 * every backend; the wasm kernel takes under half the time of the TypeScript loop on one thread).
 *
 * With `mala` (and the batch loss at w), it also returns the Metropolis-adjusted Langevin acceptance probability of
 * the previous step, the move w_prev → w that this step's gradient completes (Roberts & Tweedie 1996; the step is
 * never rejected, the number only says how far SGLD is from its exact-posterior limit). With ξ the previous noise
 * (w − w_prev = −(ε/2)∇U(w_prev) + √ε ξ) and S = ∇U(w_prev) + ∇U(w), the ratio of the Gaussian proposal densities
 * back and forth is exp(−(ε/8)‖S‖² + (√ε/2) ξ·S), so
 *   log α = U(w_prev) − U(w) − (ε/8)‖S‖² + (√ε/2) ξ·S,   α = min(1, e^{log α}).
 * NaN for the first step of a chain. With minibatches, U(w_prev) − U(w) is taken on one batch, the previous step's
 * (`prevBatchLoss`: the loss at w on that batch): devinterp takes it across the two steps' batches, whose difference
 * in batch loss, times nβ, then swamps the acceptance (≈ 0.68 at any ε on its polynomial with batch 100).
 */
export function sgldStep(w: Params, wStar: Params, grads: Params, h: SgldHyper, key: Key, noise: Float32Array, backend: Pick<Backend, "normals" | "sgldUpdate">, mala?: { state: MalaState; loss: number; prevBatchLoss?: number }): number {
  const a = 0.5 * h.epsilon, sq = Math.sqrt(h.epsilon);
  const coef = Float64Array.of(a, sq, h.nbeta, h.gamma), sums = new Float64Array(3); // Σ r², Σ S², Σ ξ·S
  for (const [name, t] of Object.entries(w)) {
    const n = t.data.length, z = noise.subarray(0, n);
    backend.normals(n, fold(key, name), 1, z);
    backend.sgldUpdate(n, t.data, wStar[name].data, grads[name].data, z, coef, mala?.state.dU[name] ?? null, mala?.state.xi[name] ?? null, sums);
  }
  if (!mala) return NaN;
  const [dist2, sum2, xiSum] = sums;
  const local = 0.5 * h.gamma * dist2, prev = mala.state.u;
  mala.state.u = h.nbeta * mala.loss + local;
  if (Number.isNaN(prev)) return NaN;
  const u = h.nbeta * (mala.prevBatchLoss ?? mala.loss) + local;
  const logAlpha = prev - u - (h.epsilon / 8) * sum2 + (sq / 2) * xiSum;
  return logAlpha >= 0 ? 1 : Math.exp(logAlpha);
}
