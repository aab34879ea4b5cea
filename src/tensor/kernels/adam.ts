/**
 * One Adam / AdamW step over a tensor in place (src/train/optimizers.ts), the reference every backend matches bit for
 * bit: scalars and arithmetic in float64, the moments stored in the arrays' type (float32, or float64 under the
 * float64 backend) and read back rounded:
 *   gi = g + l2·p + l1·sign p;  m ← b1 m + (1 − b1) gi;  v ← b2 v + (1 − b2) gi gi;
 *   p ← p · decay − (stepSize · m) / (sqrt(v) / bc2Sqrt + eps),  then 0 if |p| < flushBelow (0: never)
 */
export interface AdamCoefficients {
  /** 1 − lr·wd for AdamW's decoupled decay, 1 for Adam. */
  readonly decay: number;
  /** Adam's L2 term (wd), 0 for AdamW. */
  readonly l2: number;
  readonly l1: number;
  readonly b1: number;
  readonly b2: number;
  /** lr / (1 − b1ᵗ). */
  readonly stepSize: number;
  /** sqrt(1 − b2ᵗ). */
  readonly bc2Sqrt: number;
  readonly eps: number;
  /**
   * A new parameter value below this magnitude is stored as 0 (`optimizer.flush_below`). Absent or 0: no flush. NaN is
   * kept. The moments are not flushed: flushing a decaying weight's first moment would freeze the weight where it is
   * (its update m/eps becomes 0) instead of letting it reach the bound.
   */
  readonly flushBelow?: number;
}

/** A flush bound for nets cubic in their weights: a product of three weights below it underflows float32 (2^-126). */
export const FLUSH_BELOW_CUBIC = 2 ** -42;

export function adamUpdate(len: number, p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamCoefficients): void {
  const { decay, l2, l1, b1, b2, stepSize, bc2Sqrt, eps } = c, flushBelow = c.flushBelow ?? 0;
  for (let i = 0; i < len; i++) {
    const pi = p[i];
    const gi = g[i] + l2 * pi + l1 * Math.sign(pi);
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    const next = pi * decay - (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
    p[i] = Math.abs(next) < flushBelow ? 0 : next;
  }
}
