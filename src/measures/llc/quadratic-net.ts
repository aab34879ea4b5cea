/**
 * Closed-form learning coefficients of the shallow quadratic network f_c(x) = Σ_k A_ck (w_k·x)² (width m, inputs
 * x ∈ R^d, C outputs) at generic realizing parameters, for inputs whose quadratic forms are identifiable (e.g.
 * x ~ N(0, I_d): E[(xᵀΔx)²] = 2‖Δ‖² + (tr Δ)² is a positive definite form in the symmetric Δ). Derived here from
 * singular learning theory (Watanabe 2009, ch. 2 and 7) before Cullen et al. (2026) was available to us; the C ≥ 2 case
 * is their Cor. 4.2 (./basin-llc.ts), C = 1 a defective case it excludes. Derivation and SGLD checks in
 * docs/measures/llc.md ("Quadratic networks in closed form").
 *
 * The network computes C symmetric matrices M_c = W diag(A_c) Wᵀ and K(θ) ≍ Σ_c ‖M_c(θ) − M_c*‖². At a point where
 * the map θ ↦ (M_c) has constant rank r nearby (minimally singular), λ = r/2, r the dimension of its image:
 * - one output (C = 1): the image is the symmetric matrices of rank R = min(m, d) and the weights' signature, a
 *   manifold of dimension R·d − R(R − 1)/2, so λ = R(2d − R + 1)/4. Under-parameterized (m < d) it grows with the
 *   width; from m = d on (over-parameterized) it stays at d(d + 1)/4, half the symmetric matrices' dimension,
 *   however many neurons are added (their directions are all degenerate).
 * - C ≥ 2 outputs, m ≤ d: only each neuron's scale (w_k, A_·k) → (s·w_k, A_·k/s²) remains a continuous symmetry of the
 *   shared factor W, so the image has dimension m(d + C − 1), capped by the C·d(d + 1)/2 of C symmetric matrices.
 */

/** λ of the one-output quadratic network of width m on R^d at generic weights: R(2d − R + 1)/4, R = min(m, d). */
export function quadraticNetLlc(d: number, m: number): number {
  check(d, m, 1);
  const R = Math.min(m, d);
  return (R * (2 * d - R + 1)) / 4;
}

/**
 * Dimension of the image of θ = (W [d, m], A [C, m]) ↦ (W diag(A_c) Wᵀ)_c at generic θ: m(d + C − 1) for C ≥ 2 and
 * m ≤ d, R·d − R(R − 1)/2 for C = 1; null where no closed form is derived here (C ≥ 2 and m > d).
 */
export function quadraticNetImageDim(d: number, m: number, C: number): number | null {
  check(d, m, C);
  if (C === 1) {
    const R = Math.min(m, d);
    return R * d - (R * (R - 1)) / 2;
  }
  return m <= d ? Math.min(m * (d + C - 1), (C * d * (d + 1)) / 2) : null;
}

function check(d: number, m: number, C: number): void {
  for (const [name, v] of [["d", d], ["m", m], ["C", C]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`quadratic net: ${name} must be a positive integer (got ${v})`);
  }
}
