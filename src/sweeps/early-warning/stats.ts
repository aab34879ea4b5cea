/** Small float64 statistics for the early-warning predictor: ranks, correlations, least-squares fits, SPD solves. */

/** Ranks 1..n of `x`, ties given the mean of the ranks they span (the convention of Spearman's ρ with ties). */
export function ranks(x: readonly number[]): Float64Array {
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    const mean = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]] = mean;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation; NaN when either side is constant or there are fewer than 2 pairs. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new Error(`pearson: ${n} x values but ${y.length} y values`);
  if (n < 2) return NaN;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) (mx += x[i]), (my += y[i]);
  mx /= n;
  my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation ρ: Pearson's r of the (tie-averaged) ranks. NaN when a side is constant. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`spearman: ${x.length} x values but ${y.length} y values`);
  return pearson(ranks(x), ranks(y));
}

/**
 * ROC AUC of `scores` for binary `labels` (Mann–Whitney U / (n₊·n₋), a tie counting ½): the chance that a random
 * positive scores above a random negative. NaN when a class is empty.
 */
export function auc(scores: readonly number[], labels: readonly boolean[]): number {
  const r = ranks(scores);
  let nPos = 0, rankSum = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) (nPos++, (rankSum += r[i]));
  const nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Least-squares slope of y on x; NaN with fewer than 2 distinct x. */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  // Values are taken relative to the first, so a constant y gives a slope of exactly 0, not rounding noise.
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) (mx += x[i] - x[0]), (my += y[i] - y[0]);
  mx /= n;
  my /= n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - x[0] - mx;
    (sxy += dx * (y[i] - y[0] - my)), (sxx += dx * dx);
  }
  return sxx === 0 ? NaN : sxy / sxx;
}

/** The c₂ of the least-squares fit y ≈ c₀ + c₁x + c₂x² (half the second derivative); NaN with < 3 distinct x. */
export function curvature(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 3) return NaN;
  let mx = 0;
  for (const v of x) mx += v;
  mx /= n;
  // Centering x changes c₀ and c₁ only; it keeps the 3×3 normal equations well conditioned.
  const G = new Float64Array(9), b = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    const u = x[i] - mx, f = [1, u, u * u];
    for (let r = 0; r < 3; r++) {
      b[r] += f[r] * (y[i] - y[0]); // shifting y moves c₀ only; a constant y gives c₂ = 0 exactly
      for (let c = 0; c < 3; c++) G[r * 3 + c] += f[r] * f[c];
    }
  }
  const c = solveSpd(G, b, 3);
  return c === null ? NaN : c[2];
}

/**
 * Solves A·x = b for a symmetric positive-definite A ([n, n], row-major) by Cholesky; null when A is not
 * (numerically) positive definite.
 */
export function solveSpd(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(A[i * n + i]));
  const tiny = 1e-13 * Math.max(maxDiag, 1e-300);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > tiny)) return null;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * z[k];
    z[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}
