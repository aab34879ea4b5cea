/**
 * Singular values of a small dense matrix, for spectral measures (effective rank). Everything is float64.
 *
 * σ(A) are the square roots of the eigenvalues of the Gram matrix of A's shorter side (AᵀA or AAᵀ). The Gram's
 * eigenvalues come from a Householder reduction to tridiagonal form followed by Sturm-sequence bisection, which needs
 * no iteration-convergence heuristics and is exact to ~eps·‖G‖ per eigenvalue. Squaring loses singular values below
 * ~1e-8·σ_max; entropy-type measures weigh those by p·log p ≈ 0, so they do not notice.
 * Cost: the Gram (m·n·min(m,n) multiply-adds) dominates; the eigenvalues are O(k³) for k = min(m, n).
 */

/** G = AᵀA [n, n] when n ≤ m, else AAᵀ [m, m], for A [m, n] row-major; returns the Gram and its size. */
export function gramOfShortSide(a: ArrayLike<number>, m: number, n: number): { g: Float64Array; k: number } {
  if (a.length !== m * n) throw new Error(`svd: matrix has ${a.length} entries, expected ${m}·${n}`);
  if (n <= m) {
    // AᵀA: accumulate outer products of the rows, four rows per pass over G (G's traffic is the bottleneck)
    const g = new Float64Array(n * n);
    const r0 = new Float64Array(n), r1 = new Float64Array(n), r2 = new Float64Array(n), r3 = new Float64Array(n);
    for (let r = 0; r < m; r += 4) {
      const rows = Math.min(4, m - r);
      for (let j = 0; j < n; j++) {
        r0[j] = a[r * n + j];
        r1[j] = rows > 1 ? a[(r + 1) * n + j] : 0;
        r2[j] = rows > 2 ? a[(r + 2) * n + j] : 0;
        r3[j] = rows > 3 ? a[(r + 3) * n + j] : 0;
      }
      for (let i = 0; i < n; i++) {
        const a0 = r0[i], a1 = r1[i], a2 = r2[i], a3 = r3[i];
        if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
        const off = i * n;
        for (let j = i; j < n; j++) g[off + j] += a0 * r0[j] + a1 * r1[j] + a2 * r2[j] + a3 * r3[j];
      }
    }
    mirrorUpper(g, n);
    return { g, k: n };
  }
  // AAᵀ: dot products of rows
  const g = new Float64Array(m * m);
  const rows = Float64Array.from(a as ArrayLike<number>);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += rows[i * n + c] * rows[j * n + c];
      g[i * m + j] = s;
    }
  }
  mirrorUpper(g, m);
  return { g, k: m };
}

function mirrorUpper(g: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) g[j * n + i] = g[i * n + j];
}

/**
 * Householder reduction of a symmetric S [n, n] (row-major, destroyed) to tridiagonal form T = Qᵀ S Q: for each
 * column k, a reflector H = I − 2vvᵀ zeroes S[k+2.., k]; the trailing block becomes H S H, applied as
 * S ← S − 2vqᵀ − 2qvᵀ with p = Sv, q = p − (vᵀp)v. Returns the diagonal d [n] and the sub-diagonal e [n]
 * (e[i] = T[i+1, i], e[n−1] = 0). When `zt` [n, n] is given (the identity on entry) the reflections are accumulated
 * into it as Qᵀ — rows of Qᵀ rather than columns of Q, so every update runs over contiguous memory.
 */
export function householderTridiagonal(s: Float64Array, n: number, zt: Float64Array | null = null): { d: Float64Array; e: Float64Array } {
  if (s.length !== n * n) throw new Error(`svd: symmetric matrix has ${s.length} entries, expected ${n}²`);
  const d = new Float64Array(n), e = new Float64Array(n);
  const v = new Float64Array(n), p = new Float64Array(n), w = zt ? new Float64Array(n) : null;
  for (let k = 0; k < n - 2; k++) {
    let norm2 = 0;
    for (let i = k + 1; i < n; i++) norm2 += s[i * n + k] * s[i * n + k];
    const norm = Math.sqrt(norm2);
    d[k] = s[k * n + k];
    if (norm === 0) {
      e[k] = 0;
      continue;
    }
    const x0 = s[(k + 1) * n + k];
    const alpha = x0 >= 0 ? -norm : norm; // reflect x onto alpha·e_1, sign chosen against cancellation
    v.fill(0);
    for (let i = k + 1; i < n; i++) v[i] = s[i * n + k];
    v[k + 1] -= alpha;
    let vn = 0;
    for (let i = k + 1; i < n; i++) vn += v[i] * v[i];
    vn = Math.sqrt(vn);
    e[k] = alpha;
    if (vn === 0) continue;
    for (let i = k + 1; i < n; i++) v[i] /= vn;
    let K = 0;
    for (let i = k + 1; i < n; i++) {
      let acc = 0;
      const off = i * n;
      for (let j = k + 1; j < n; j++) acc += s[off + j] * v[j];
      p[i] = acc;
      K += v[i] * acc;
    }
    for (let i = k + 1; i < n; i++) p[i] -= K * v[i]; // p now holds q
    for (let i = k + 1; i < n; i++) {
      const off = i * n, vi = v[i], qi = p[i];
      for (let j = k + 1; j < n; j++) s[off + j] -= 2 * (vi * p[j] + qi * v[j]);
    }
    if (zt && w) {
      // Qᵀ ← H Qᵀ (Q = H_0 H_1 …): Qᵀ ← Qᵀ − 2 v (vᵀ Qᵀ)
      w.fill(0);
      for (let i = k + 1; i < n; i++) {
        const vi = v[i];
        for (let j = 0; j < n; j++) w[j] += vi * zt[i * n + j];
      }
      for (let i = k + 1; i < n; i++) {
        const f = 2 * v[i];
        for (let j = 0; j < n; j++) zt[i * n + j] -= f * w[j];
      }
    }
  }
  if (n >= 2) {
    d[n - 2] = s[(n - 2) * n + (n - 2)];
    e[n - 2] = s[(n - 1) * n + (n - 2)];
  }
  if (n >= 1) d[n - 1] = s[(n - 1) * n + (n - 1)];
  return { d, e };
}

/** Eigenvalues (ascending) of a symmetric matrix S [n, n] (row-major, destroyed): Householder, then bisection. */
export function symmetricEigenvalues(s: Float64Array, n: number): Float64Array {
  const { d, e } = householderTridiagonal(s, n);
  return tridiagonalEigenvalues(d, e.subarray(0, Math.max(n - 1, 0)));
}

/** Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal d and sub-diagonal e, by bisection. */
export function tridiagonalEigenvalues(d: Float64Array, e: Float64Array): Float64Array {
  const n = d.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  // Gershgorin interval
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < n - 1 ? Math.abs(e[i]) : 0);
    lo = Math.min(lo, d[i] - r);
    hi = Math.max(hi, d[i] + r);
  }
  const scale = Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  const tol = 4 * Number.EPSILON * scale;
  const e2 = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n - 1; i++) e2[i] = e[i] * e[i];
  const pivmin = Number.MIN_VALUE * 1e10 + tol * tol * 1e-10;
  /** Number of eigenvalues < x: negative pivots of the LDLᵀ factorization of T − xI. */
  const countBelow = (x: number): number => {
    let c = 0, q = d[0] - x;
    if (Math.abs(q) < pivmin) q = -pivmin;
    if (q < 0) c++;
    for (let i = 1; i < n; i++) {
      q = d[i] - x - e2[i - 1] / q;
      if (Math.abs(q) < pivmin) q = -pivmin;
      if (q < 0) c++;
    }
    return c;
  };
  for (let k = 0; k < n; k++) {
    let a = lo - tol, b = hi + tol; // invariant: countBelow(a) ≤ k < countBelow(b)
    while (b - a > tol && b - a > 2 * Number.EPSILON * Math.max(Math.abs(a), Math.abs(b))) {
      const mid = 0.5 * (a + b);
      if (countBelow(mid) > k) b = mid;
      else a = mid;
    }
    out[k] = 0.5 * (a + b);
  }
  return out;
}

/** Singular values (descending) of A [m, n] row-major. */
export function singularValues(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const { g, k } = gramOfShortSide(a, m, n);
  const ev = symmetricEigenvalues(g, k);
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = Math.sqrt(Math.max(ev[k - 1 - i], 0));
  return out;
}
