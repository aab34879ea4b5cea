/**
 * The symmetric group S_n as a table. Elements are the n! permutations of {0, …, n−1} in one-line notation
 * (π = [π(0), …, π(n−1)]), indexed in lexicographic order, so index 0 is the identity and the last index is the
 * reversal. Composition convention: (x · y)(i) = x(y(i)) — apply y first, then x (right-to-left, as functions).
 */

export interface PermutationGroup {
  readonly degree: number; // n
  readonly order: number; // n!
  /** One-line notation of every element: [order, degree]. */
  readonly elements: Int32Array;
  /** product[a · order + b] = index of a · b: [order, order]. */
  readonly product: Int32Array;
  /** inverse[a] = index of a⁻¹: [order]. */
  readonly inverse: Int32Array;
  /** Index of the identity (0 in lexicographic order). */
  readonly identity: number;
}

export function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** All permutations of 0..n−1 in lexicographic order: [n!, n]. */
export function lexicographicPermutations(n: number): Int32Array {
  const count = factorial(n);
  const out = new Int32Array(count * n);
  const cur = Int32Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < count; r++) {
    out.set(cur, r * n);
    // Next permutation (Narayana Pandita): find the last ascent i, swap a[i] with the last a[j] > a[i], reverse the tail.
    let i = n - 2;
    while (i >= 0 && cur[i] > cur[i + 1]) i--;
    if (i < 0) break;
    let j = n - 1;
    while (cur[j] < cur[i]) j--;
    [cur[i], cur[j]] = [cur[j], cur[i]];
    for (let a = i + 1, b = n - 1; a < b; a++, b--) [cur[a], cur[b]] = [cur[b], cur[a]];
  }
  return out;
}

/** Lexicographic rank of a permutation in one-line notation (its Lehmer code read in the factorial number system). */
export function permutationRank(perm: ArrayLike<number>): number {
  const n = perm.length;
  let rank = 0;
  for (let i = 0; i < n; i++) {
    let smaller = 0; // later entries smaller than perm[i]
    for (let j = i + 1; j < n; j++) if (perm[j] < perm[i]) smaller++;
    rank = rank * (n - i) + smaller;
  }
  return rank;
}

export function symmetricGroup(n: number): PermutationGroup {
  if (!Number.isInteger(n) || n < 1 || n > 7) throw new Error(`symmetricGroup: degree must be an integer in [1, 7], got ${n}`);
  const order = factorial(n);
  const elements = lexicographicPermutations(n);
  const product = new Int32Array(order * order);
  const inverse = new Int32Array(order);
  const tmp = new Int32Array(n);
  for (let a = 0; a < order; a++) {
    const x = elements.subarray(a * n, (a + 1) * n);
    for (let b = 0; b < order; b++) {
      const y = elements.subarray(b * n, (b + 1) * n);
      for (let i = 0; i < n; i++) tmp[i] = x[y[i]]; // (x · y)(i) = x(y(i))
      product[a * order + b] = permutationRank(tmp);
    }
    for (let i = 0; i < n; i++) tmp[x[i]] = i; // x⁻¹(x(i)) = i
    inverse[a] = permutationRank(tmp);
  }
  return { degree: n, order, elements, product, inverse, identity: 0 };
}
