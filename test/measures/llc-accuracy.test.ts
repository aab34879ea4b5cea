/**
 * devinterp's accuracy cases (`tests/slt/sampler_accuracy_test.py`): the normal-crossing polynomial f(x) = x·∏ w_j^k_j
 * fitted to pure noise, whose learning coefficient is λ = min_j 1/(2k_j) (Watanabe 2009): 1/2, 1/4 and 1/6 for the
 * highest power 1, 2 and 3. Its setting: n = 1,000, x ~ N(0, 2²), y = 0.25·N(0, 1), MSE, w* = 0, full batch, ε = 4e-4,
 * no localization, nβ = n / ln n, 10 chains × 5,000 draws, no burn-in; a case passes when |mean − λ| < 3.5σ, σ the
 * standard deviation over chains.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { estimateLlc } from "../../src/measures/llc/llc.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import { mse } from "../../src/train/losses.js";
import { backend, noiseData, origin, polynomialModel } from "../helpers/llc-polynomial.js";

const CASES: readonly [number[], number][] = [
  [[0, 1], 1 / 2], [[1, 1], 1 / 2],
  [[0, 2], 1 / 4], [[1, 2], 1 / 4], [[2, 2], 1 / 4],
  [[0, 3], 1 / 6], [[1, 3], 1 / 6], [[2, 3], 1 / 6], [[3, 3], 1 / 6],
];

const DEVINTERP = { epsilon: 4e-4, gamma: 0, chains: 10, draws: 5000, burn_in: 0, batch_size: null } as const;

test("devinterp's accuracy cases: polynomial models with λ = 1/2, 1/4, 1/6, |mean − λ| < 3.5σ over chains", () => {
  const split = noiseData();
  const lines: string[] = [];
  const t0 = performance.now();
  for (const [powers, lambda] of CASES) {
    const e = estimateLlc(polynomialModel(powers), origin(powers.length), split, mse, backend, keyFromSeed(42), DEVINTERP);
    const d = e.diagnostics;
    lines.push(`[${powers}] λ ${lambda.toFixed(3)}: λ̂ ${e.mean.toFixed(3)} ± ${e.std.toFixed(3)}; R̂ ${d.rhat.toFixed(3)}, max |drift| ${Math.max(...d.drift.map(Math.abs)).toFixed(2)}, MALA ${e.mala.toFixed(3)}, ${d.settled ? "settled" : d.reasons.join("; ")}`);
    assert.ok(Math.abs(e.mean - lambda) < 3.5 * e.std, `powers [${powers}]: λ̂ ${e.mean} ± ${e.std} vs λ = ${lambda}`);
  }
  console.log(lines.join("\n") + `\n(${(performance.now() - t0).toFixed(0)} ms)`);
});
