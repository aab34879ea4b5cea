/**
 * Localized SGLD, the sampler behind the local learning coefficient. Welling & Teh (2011) Langevin dynamics with the
 * tempered, localized posterior of Lau et al. (2023, "Quantifying degeneracy in singular models via the learning
 * coefficient", eq. for the SGLD step in their §4), with devinterp's step (`devinterp.optim.SGLD`, `SGMCMC.sgld`):
 *   w ← w − (ε/2)(nβ ∇L̄_batch(w) + γ(w − w*)) + √ε · N(0, I)
 * whose stationary law (ε → 0, full batch) is p(w) ∝ exp(−nβ L(w) − (γ/2)‖w − w*‖²).
 * One step is a pure function of (w, w*, gradient, key): the noise of tensor `name` is drawn from fold(key, name).
 */
import { fold, normals, type Key } from "../../tensor/rng.js";
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
 * One SGLD update of `w` in place. `grads` holds ∇L̄_batch(w) (the gradient of the mean minibatch loss); `noise` is
 * scratch at least as long as the largest tensor.
 */
export function sgldStep(w: Params, wStar: Params, grads: Params, h: SgldHyper, key: Key, noise: Float32Array): void {
  const a = 0.5 * h.epsilon, sq = Math.sqrt(h.epsilon);
  for (const [name, t] of Object.entries(w)) {
    const x = t.data, x0 = wStar[name].data, g = grads[name].data, n = x.length;
    const z = normals(fold(key, name), n, 1, noise.subarray(0, n));
    for (let i = 0; i < n; i++) x[i] += -a * (h.nbeta * g[i] + h.gamma * (x[i] - x0[i])) + sq * z[i];
  }
}
