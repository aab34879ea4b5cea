/**
 * The quadratic network's learning coefficient in closed form (src/measures/llc/quadratic-net.ts): the image
 * dimension checked against the numerical rank of the Jacobian of θ ↦ (W diag(A_c) Wᵀ)_c at random weights, and λ
 * checked against the SGLD estimator on Gaussian inputs below and above the input dimension (the under- and
 * over-parameterized regimes), and at a singular point (a rank-one teacher fitted by three neurons).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { estimateLlc, type LlcSettingsInput } from "../../src/measures/llc/llc.js";
import { jacobianSpectrum } from "../../src/measures/llc/llc-analytic.js";
import { quadraticNetImageDim, quadraticNetLlc } from "../../src/measures/llc/quadratic-net.js";
import { fold, keyFromSeed, normals } from "../../src/tensor/rng.js";
import { mse } from "../../src/train/losses.js";
import type { Params } from "../../src/tensor/tensor.js";
import { backend, quadraticNetModel, quadraticParams, randomQuadraticParams, teacherData } from "../helpers/quadratic-net.js";

/** J of θ = (W [d, m], A [C, m]) ↦ the upper triangles of M_c = W diag(A_c) Wᵀ, at random θ; returns its rank. */
function imageRank(d: number, m: number, C: number, seed: number): number {
  const key = keyFromSeed(seed);
  const W = normals(fold(key, "W"), d * m), A = normals(fold(key, "A"), C * m);
  const pairs: [number, number][] = [];
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) pairs.push([i, j]);
  const rows = C * pairs.length, cols = d * m + C * m;
  const J = new Float64Array(rows * cols);
  pairs.forEach(([i, j], q) => {
    for (let c = 0; c < C; c++) {
      const r = (c * pairs.length + q) * cols;
      for (let k = 0; k < m; k++) {
        const a = A[c * m + k], wi = W[i * m + k], wj = W[j * m + k];
        J[r + i * m + k] += a * wj; // ∂(Σ_k a w_ik w_jk)/∂w_ik
        J[r + j * m + k] += a * wi;
        J[r + d * m + c * m + k] = wi * wj;
      }
    }
  });
  return jacobianSpectrum(J, rows, cols).rank;
}

test("image dimension of the quadratic network: closed form = numerical Jacobian rank", () => {
  let checked = 0;
  for (const C of [1, 2, 3]) {
    for (let d = 1; d <= 5; d++) {
      for (let m = 1; m <= 7; m++) {
        const closed = quadraticNetImageDim(d, m, C);
        if (closed === null) continue;
        assert.equal(imageRank(d, m, C, 100 * d + m), closed, `d ${d}, m ${m}, C ${C}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 60, `${checked} cases`);
  assert.equal(quadraticNetLlc(3, 2), 2.5);
  assert.equal(quadraticNetLlc(3, 5), 3);
  assert.throws(() => quadraticNetLlc(0, 2), /d must be a positive integer/);
});

// n = 1,000 Gaussian inputs at a fixed nβ = 50 (not n / ln n ≈ 145): the quartic directions of the singular case then
// spread to r ~ nβ^(−1/4) ≈ 0.4, which steps of √ε ≈ 0.0045 cross in a few thousand steps, while ε·nβ·h/4 stays
// ≲ 0.05 on the stiffest direction (h ≈ 200). A weak localization (γ = 1 ≪ nβ·h) keeps the chains near w* without
// biting the regular directions. Measured (8 chains × 8,000 draws): m = 1, 2, 3, 5 gave 1.54, 2.52, 3.16, 3.20
// against λ = 1.5, 2.5, 3, 3; ε = 2e-5 at nβ = n / ln n gave 5.1 at m = 5 (the step-size bias on stiff directions).
const SGLD: LlcSettingsInput = { epsilon: 2e-5, gamma: 1, nbeta: 50, chains: 8, draws: 8000, burn_in: 500, batch_size: null };

function estimate(teacher: Params, student: Params, draws: number) {
  const data = teacherData(keyFromSeed(7), teacher, 1000);
  const [m, d] = student.W.shape;
  return estimateLlc(quadraticNetModel(d, m), student, data, mse, backend, keyFromSeed(11), { ...SGLD, draws });
}

test("SGLD recovers λ = R(2d − R + 1)/4 below and above the input dimension (d = 3), not the regular (parameters)/2", () => {
  const d = 3;
  const lines: string[] = [];
  for (const m of [1, 2, 3, 5]) {
    const p = randomQuadraticParams(keyFromSeed(20 + m), d, Array.from({ length: m }, (_, k) => (k % 2 === 0 ? 1 : -1)));
    const e = estimate(p, p, SGLD.draws!);
    const lambda = quadraticNetLlc(d, m);
    lines.push(`m ${m}: λ ${lambda} (regular ${(m * (d + 1)) / 2}); SGLD ${e.mean.toFixed(3)} ± ${e.std.toFixed(3)}, R̂ ${e.diagnostics.rhat.toFixed(2)}`);
    assert.ok(Math.abs(e.mean - lambda) < 0.12 * lambda, lines.at(-1));
  }
  console.log(lines.join("\n"));
});

test("a singular point: a rank-one teacher fitted by three neurons, two of them off, sits between rank/2 and the generic λ", () => {
  // neuron 1 is the teacher's, neurons 2 and 3 have w = 0 and a = +1: the Jacobian there spans only neuron 1's
  // tangent (rank 3, so rank/2 = 3/2), the two idle neurons add K ≍ r⁴ in their four normal coordinates (λ = 4/4 = 1):
  // λ = 5/2, below the generic 3 of m = d = 3 (docs/measures/llc.md)
  const d = 3;
  const teacher = randomQuadraticParams(keyFromSeed(21), d, [1]);
  const w1 = Array.from(teacher.W.data);
  const student = quadraticParams([w1, [0, 0, 0], [0, 0, 0]], [1, 1, 1]);
  const e = estimate(teacher, student, 8000);
  const line = `rank-one teacher, m = 3: λ 2.5 (rank/2 1.5, generic ${quadraticNetLlc(d, 3)}); SGLD ${e.mean.toFixed(3)} ± ${e.std.toFixed(3)}, R̂ ${e.diagnostics.rhat.toFixed(2)}`;
  console.log(line);
  assert.ok(e.mean > 1.5 + 0.4 && e.mean < quadraticNetLlc(d, 3) - 0.4, line);
  assert.ok(Math.abs(e.mean - 2.5) < 0.4, line);
});
