/**
 * ⊥Grad (Prieto et al. 2025, "Grokking at the edge of numerical stability", section "⊥Grad"; the authors' orthograd.py): before the optimizer
 * step, each weight tensor's gradient g is replaced by its component orthogonal to the weights w, rescaled to
 * the original gradient norm:
 *   g⊥ = g − (wᵀg / wᵀw) w,    g ← g⊥ · ‖g‖ / ‖g⊥‖.
 * The removed component is the naive-loss-minimization (NLM) direction — for a positively homogeneous net, moving
 * along w only scales the logits — so the update can no longer decrease the loss by growing the weights.
 * Per tensor (each parameter flattened), as the authors' `OrthoGrad` wrapper does. Sums are taken in float64.
 * Edge cases: w = 0 (nothing to project out) and g ∥ w (g⊥ = 0) leave g unchanged — the authors' code adds 1e-30
 * to both denominators, which gives the same result for w = 0 and a zero gradient for g ∥ w; we keep g there,
 * since a tensor whose whole gradient is radial is exactly where zeroing it would silently stop learning.
 */
import type { Params } from "../tensor/tensor.js";

/** g⊥ of one flattened tensor, rescaled to ‖g‖, written into `out` (may alias g). Returns out. */
export function orthogonalize(w: Float32Array, g: Float32Array, out: Float32Array = g): Float32Array {
  const n = w.length;
  if (g.length !== n || out.length !== n) throw new Error(`orthograd: weight has ${n} entries, gradient ${g.length}, output ${out.length}`);
  let ww = 0, wg = 0, gg = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i], gi = g[i];
    ww += wi * wi;
    wg += wi * gi;
    gg += gi * gi;
  }
  if (ww === 0 || gg === 0) {
    if (out !== g) out.set(g);
    return out;
  }
  const c = wg / ww;
  // ‖g⊥‖² = ‖g‖² − (wᵀg)²/‖w‖², computed directly from the projected entries to avoid cancellation
  let pp = 0;
  for (let i = 0; i < n; i++) {
    const v = g[i] - c * w[i];
    pp += v * v;
  }
  if (pp === 0 || !Number.isFinite(pp)) {
    if (out !== g) out.set(g);
    return out;
  }
  const scale = Math.sqrt(gg / pp);
  for (let i = 0; i < n; i++) out[i] = (g[i] - c * w[i]) * scale;
  return out;
}

/** ⊥Grad over a parameter record: out[name] = orthogonalize(params[name], grads[name]). `out` may be `grads`. */
export function orthogonalizeAll(params: Params, grads: Params, out: Params = grads): Params {
  for (const [name, t] of Object.entries(params)) {
    const g = grads[name], o = out[name];
    if (!g || !o) throw new Error(`orthograd: no gradient for parameter "${name}"`);
    orthogonalize(t.data, g.data, o.data);
  }
  return out;
}
