/**
 * Low-rank factors of a weight matrix, for the complexity measure's SVD truncation (../complexity/complexity.ts).
 *
 * For A [m, n] with k = min(m, n), the Gram of the shorter side gives the singular vectors of that side:
 * n ≤ m: AᵀA = V Σ² Vᵀ, and A_r = (A V_r)(V_rᵀ);   m < n: AAᵀ = U Σ² Uᵀ, and A_r = (U_r)(U_rᵀ A).
 * Either way A_r is the orthogonal projection of A onto its top r singular directions, the best rank-r approximation
 * (Eckart–Young). The factors are split scale-balanced, L = U_r Σ_r^½ [m, r] and R = Σ_r^½ V_rᵀ [r, n], so both hold
 * numbers of the same magnitude and one quantization bin fits both. Everything is float64.
 */
import { gramOfShortSide, householderTridiagonal } from "./svd.js";

export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  readonly values: Float64Array;
  /** Eigenvectors as columns of a row-major [n, n] matrix, in the order of `values`. */
  readonly vectors: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric S [n, n] (row-major, destroyed): Householder reduction to tridiagonal form with
 * the reflections accumulated, S = Q T Qᵀ, then the implicit-shift QL iteration on T (Golub & Van Loan, Matrix
 * Computations, §8.3; the EISPACK tred2/tql2 pair), its plane rotations applied to Qᵀ's rows. O(n³), exact to
 * ~eps·‖S‖. Rows of Qᵀ are kept (not columns of Q) so every update runs over contiguous memory.
 */
export function symmetricEigen(s: Float64Array, n: number): SymmetricEigen {
  if (s.length !== n * n) throw new Error(`low-rank: symmetric matrix has ${s.length} entries, expected ${n}²`);
  const zt = new Float64Array(n * n); // Qᵀ, then the eigenvectors as rows
  for (let i = 0; i < n; i++) zt[i * n + i] = 1;
  const { d, e } = householderTridiagonal(s, n, zt);
  tridiagonalQl(d, e, zt, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b] - d[a]);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = zt[src * n + k];
  });
  return { values, vectors };
}

/**
 * Implicit-shift QL on the symmetric tridiagonal (d, e), e[i] coupling i and i + 1: d becomes the eigenvalues and
 * each plane rotation of rows i, i + 1 is applied to zt's rows i, i + 1 as well. Wilkinson-type shift from the
 * leading 2×2 block; an off-diagonal is taken as zero below eps·(|d_m| + |d_m+1|).
 */
function tridiagonalQl(d: Float64Array, e: Float64Array, zt: Float64Array, n: number): void {
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (iter === 60) throw new Error("low-rank: QL iteration did not converge");
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i], b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        const a = i * n, bb = (i + 1) * n;
        for (let k = 0; k < n; k++) {
          const zi = zt[a + k], zi1 = zt[bb + k];
          zt[bb + k] = s * zi + c * zi1;
          zt[a + k] = c * zi - s * zi1;
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/** A matrix's singular structure, computed once and truncated at any rank. */
export interface LowRankBasis {
  readonly m: number;
  readonly n: number;
  /** Singular values, descending, length min(m, n). */
  readonly sigma: Float64Array;
  /** The best rank-r approximation as scale-balanced factors L [m, r], R [r, n] (row-major). */
  factors(r: number): { left: Float64Array; right: Float64Array };
}

/** The singular basis of A [m, n] (row-major) from the eigen-decomposition of its shorter side's Gram. */
export function lowRankBasis(a: ArrayLike<number>, m: number, n: number): LowRankBasis {
  const { g, k } = gramOfShortSide(a, m, n);
  const { values, vectors: w } = symmetricEigen(g, k); // w [k, k]: columns are singular vectors of the short side
  const sigma = values.map((x) => Math.sqrt(Math.max(x, 0)));
  const rightSide = n <= m; // w holds V (A's right singular vectors) when n ≤ m, else U
  return {
    m,
    n,
    sigma,
    factors(r: number) {
      if (!Number.isInteger(r) || r < 0 || r > k) throw new Error(`low-rank: rank ${r} is not in 0…${k}`);
      const left = new Float64Array(m * r), right = new Float64Array(r * n);
      // a zero singular value contributes nothing: its factors stay zero
      const sq = Array.from(sigma.subarray(0, r), (x) => (x > 0 ? Math.sqrt(x) : 0));
      if (rightSide) {
        // L = A V_r Σ_r^-½ [m, r],  R = Σ_r^½ V_rᵀ [r, n]
        for (let i = 0; i < m; i++) {
          const o = i * r;
          for (let c = 0; c < n; c++) {
            const aic = a[i * n + c];
            if (aic === 0) continue;
            for (let j = 0; j < r; j++) left[o + j] += aic * w[c * k + j];
          }
          for (let j = 0; j < r; j++) left[o + j] = sq[j] > 0 ? left[o + j] / sq[j] : 0;
        }
        for (let j = 0; j < r; j++) for (let c = 0; c < n; c++) right[j * n + c] = sq[j] * w[c * k + j];
      } else {
        // L = U_r Σ_r^½ [m, r],  R = Σ_r^-½ U_rᵀ A [r, n]
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < r; j++) {
            left[i * r + j] = sq[j] * w[i * k + j];
            const f = w[i * k + j];
            if (f === 0) continue;
            for (let c = 0; c < n; c++) right[j * n + c] += f * a[i * n + c];
          }
        }
        for (let j = 0; j < r; j++) for (let c = 0; c < n; c++) right[j * n + c] = sq[j] > 0 ? right[j * n + c] / sq[j] : 0;
      }
      return { left, right };
    },
  };
}

/** The smallest rank r whose singular values hold at least a share τ of Σσ (DeMoss et al.'s truncation threshold). */
export function rankForThreshold(sigma: ArrayLike<number>, tau: number): number {
  const k = sigma.length;
  if (tau >= 1) return k;
  let total = 0;
  for (let i = 0; i < k; i++) total += sigma[i];
  if (!(total > 0)) return 0;
  let acc = 0;
  for (let r = 0; r < k; r++) {
    if (acc >= tau * total) return r;
    acc += sigma[r];
  }
  return k;
}
