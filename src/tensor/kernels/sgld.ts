/**
 * One SGLD step over n weights (src/measures/llc/sgld.ts), in float64: coef = [a, sq, nβ, γ], z the step's normals,
 *   x ← x − a (nβ g + γ (x − x0)) + sq·z
 * With the MALA state (dU, xi; null for none) the drift and noise are kept — dU ← nβ g + γ r, xi ← z — and
 * sums = [Σ r², Σ S², Σ xi_prev·S] (S = dU + dU_prev) are added to in element order.
 */
export function sgldUpdate(n: number, x: Float32Array, x0: Float32Array, g: Float32Array, z: Float32Array, coef: Float64Array, dU: Float64Array | null, xi: Float64Array | null, sums: Float64Array): void {
  const a = coef[0], sq = coef[1], nbeta = coef[2], gamma = coef[3];
  if (!dU || !xi) {
    for (let i = 0; i < n; i++) x[i] += -a * (nbeta * g[i] + gamma * (x[i] - x0[i])) + sq * z[i];
    return;
  }
  let dist2 = sums[0], sum2 = sums[1], xiSum = sums[2];
  for (let i = 0; i < n; i++) {
    const r = x[i] - x0[i], d = nbeta * g[i] + gamma * r, S = d + dU[i];
    dist2 += r * r;
    sum2 += S * S;
    xiSum += xi[i] * S;
    dU[i] = d;
    xi[i] = z[i];
    x[i] += -a * d + sq * z[i];
  }
  sums[0] = dist2;
  sums[1] = sum2;
  sums[2] = xiSum;
}
