/** Small number-theory helpers for modular-arithmetic tasks (exact for integers below 2^26). */

/** True when n is a prime (trial division by 6k ± 1; n is at most a few thousand here). */
export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n < 4) return true;
  if (n % 2 === 0 || n % 3 === 0) return false;
  for (let d = 5; d * d <= n; d += 6) if (n % d === 0 || n % (d + 2) === 0) return false;
  return true;
}

/** a mod m in [0, m) for any integer a (JavaScript's % keeps the sign of a). */
export function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r + 0; // + 0 turns the −0 of (−m) % m into 0
}

/**
 * The inverse of a modulo m: the b in [0, m) with a·b ≡ 1 (mod m), by the extended Euclidean algorithm.
 * Throws when gcd(a, m) ≠ 1 (e.g. a ≡ 0), where no inverse exists.
 */
export function modInverse(a: number, m: number): number {
  if (!Number.isInteger(a) || !Number.isInteger(m) || m < 2) {
    throw new Error(`modInverse: need integers a and m ≥ 2, got a=${a}, m=${m}`);
  }
  // Invariant: r_i ≡ s_i · a (mod m).
  let r0 = m;
  let r1 = mod(a, m);
  let s0 = 0;
  let s1 = 1;
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1) throw new Error(`modInverse: ${a} has no inverse modulo ${m} (gcd = ${r0})`);
  return mod(s0, m);
}
