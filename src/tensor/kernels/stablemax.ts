import { argmaxRow } from "./cross-entropy.js";

/** StableMax's ramp (Prieto et al. 2025): s(x) = x + 1 for x ≥ 0, 1 / (1 − x) for x < 0. */
export function stableS(x: number): number {
  return x >= 0 ? x + 1 : 1 / (1 - x);
}

/** s′(x) = 1 for x ≥ 0, 1 / (1 − x)² for x < 0 (continuous at 0). */
function stableSPrime(x: number): number {
  if (x >= 0) return 1;
  const r = 1 / (1 - x);
  return r * r;
}

/**
 * The rows of StableMax cross-entropy (src/train/losses.ts `stablemax_cross_entropy`), in float64. With S = Σ_k s(z_k)
 * and R = Σ_{k ≠ y} s(z_k) summed in k order: per[i] = log1p(R / s(z_y)); d[i, j] = s′(z_j) / (S n) for j ≠ y and
 * −s′(z_y) R / (S s(z_y) n) at y. Returns the number of rows whose argmax (first on ties, never NaN) is the label.
 * Labels must already be checked to lie in [0, C). `d` null: no gradient.
 */
export function stableMaxCrossEntropyRows(n: number, C: number, logits: Float32Array, labels: Int32Array, d: Float32Array | null, per: Float64Array): number {
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const o = i * C, y = labels[i];
    if (argmaxRow(logits, i, C) === y) correct++;
    let R = 0;
    for (let j = 0; j < C; j++) if (j !== y) R += stableS(logits[o + j]);
    const zy = logits[o + y], sy = stableS(zy), S = R + sy;
    per[i] = Math.log1p(R / sy);
    if (d) {
      const inv = 1 / (S * n);
      for (let j = 0; j < C; j++) d[o + j] = stableSPrime(logits[o + j]) * inv;
      d[o + y] = (-stableSPrime(zy) * R) / (S * sy * n);
    }
  }
  return correct;
}
