import { test } from "node:test";
import assert from "node:assert/strict";
import { isPrime, mod, modInverse } from "../../src/tasks/number-theory.js";

/** Sieve of Eratosthenes: an independent primality reference. */
function sieve(n: number): boolean[] {
  const prime = Array.from({ length: n + 1 }, (_, i) => i >= 2);
  for (let i = 2; i * i <= n; i++) if (prime[i]) for (let j = i * i; j <= n; j += i) prime[j] = false;
  return prime;
}

test("isPrime agrees with a sieve on 0..5000 and rejects non-integers", () => {
  const ref = sieve(5000);
  for (let n = 0; n <= 5000; n++) assert.equal(isPrime(n), ref[n], `n = ${n}`);
  assert.equal(ref.filter(Boolean).length, 669); // π(5000) = 669
  for (const n of [-7, 2.5, NaN, Infinity]) assert.equal(isPrime(n), false);
});

test("modInverse: a · a⁻¹ ≡ 1 for every nonzero residue of several primes, and for units of a composite", () => {
  for (const p of [2, 3, 5, 67, 97, 113, 4093]) {
    for (let a = 1; a < p; a++) {
      const b = modInverse(a, p);
      assert.ok(b >= 1 && b < p);
      assert.equal((a * b) % p, 1, `p = ${p}, a = ${a}`);
    }
    assert.equal(modInverse(-1, p), p - 1); // (−1)⁻¹ = −1
  }
  assert.equal((7 * modInverse(7, 20)) % 20, 1);
  assert.throws(() => modInverse(0, 97), /no inverse/);
  assert.throws(() => modInverse(4, 20), /no inverse/);
});

test("mod returns the non-negative residue", () => {
  assert.equal(mod(-1, 97), 96);
  assert.equal(mod(-97, 97), 0);
  assert.equal(mod(195, 97), 1);
});
