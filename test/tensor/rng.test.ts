import assert from "node:assert/strict";
import test from "node:test";
import { fold, keyFromSeed, truncatedNormals } from "../../src/tensor/rng.js";

test("truncatedNormals: N(0, σ²) cut at ±2σ — bounds, standard deviation 0.8796σ, mass within ±σ 0.6827/0.9545, reproducible", () => {
  const n = 200_000, sigma = 0.3;
  const z = truncatedNormals(fold(keyFromSeed(7), "tn"), n, sigma);
  let sum = 0, sq = 0, inner = 0, max = 0;
  for (const v of z) {
    sum += v;
    sq += v * v;
    if (Math.abs(v) < sigma) inner++;
    max = Math.max(max, Math.abs(v));
  }
  assert.ok(max <= 2 * sigma * (1 + 1e-6) && max > 1.99 * sigma, `max |z| ${max}`);
  // analytic: Var = 1 − 2·2φ(2)/(2Φ(2) − 1) = 0.773741 (σ = 1); sd of the sample variance ≈ 0.0016 at n = 2e5
  assert.ok(Math.abs(sq / n / sigma ** 2 - 0.87962566103423978 ** 2) < 0.006, `variance ${sq / n / sigma ** 2}`);
  assert.ok(Math.abs(sum / n) < 5 * sigma * 0.88 / Math.sqrt(n), `mean ${sum / n}`);
  assert.ok(Math.abs(inner / n - 0.682689 / 0.954500) < 0.005, `mass within ±σ ${inner / n}`);
  // a prefix of a longer draw is the shorter draw: value i depends only on the key
  assert.deepEqual(truncatedNormals(fold(keyFromSeed(7), "tn"), 1000, sigma), z.subarray(0, 1000));
  assert.notDeepEqual(truncatedNormals(fold(keyFromSeed(8), "tn"), 1000, sigma), z.subarray(0, 1000));
});
