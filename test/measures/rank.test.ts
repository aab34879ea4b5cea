import { createMlp } from "../helpers/models.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { effectiveRank, effectiveRankOfSpectrum, hiddenEffectiveRank, hiddenHookName, relativeChange, RANK_MEASURES, weightEffectiveRanks } from "../../src/measures/rank/rank.js";
import { singularValues } from "../../src/measures/rank/svd.js";
import { runMeasure } from "../../src/measures/registry.js";
import type { MeasureContext } from "../../src/measures/measure.js";
import { createGromov } from "../../src/models/gromov.js";
import { sparseParityDataset } from "../../src/tasks/sparse-parity.js";
import { modularDataset } from "../../src/tasks/modular.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { cloneParams } from "../../src/tensor/tensor.js";
import { keyFromSeed, normals } from "../../src/tensor/rng.js";

const eye = (n: number) => {
  const a = new Float32Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 1;
  return a;
};

test("effective rank (Roy & Vetterli 2007): identity n×n = n, diag(1,1,0) = 2, rank-1 = 1", () => {
  for (const n of [1, 3, 17, 64]) assert.ok(Math.abs(effectiveRank(eye(n), n, n) - n) < 1e-9 * n, `identity ${n}`);
  assert.ok(Math.abs(effectiveRank(Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 0), 3, 3) - 2) < 1e-12);
  // rank 1: u vᵀ with u [5], v [7], both orientations
  const u = [1, -2, 3, 0.5, 4], v = [2, 1, -1, 3, 0.25, -4, 1];
  const a = new Float32Array(35);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 7; j++) a[i * 7 + j] = u[i] * v[j];
  assert.ok(Math.abs(effectiveRank(a, 5, 7) - 1) < 1e-6, `${effectiveRank(a, 5, 7)}`);
  const at = new Float32Array(35);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 7; j++) at[j * 5 + i] = a[i * 7 + j];
  assert.ok(Math.abs(effectiveRank(at, 7, 5) - 1) < 1e-6);
  // spectrum (3, 1): p = (3/4, 1/4), erank = exp(H) = 4 / 3^(3/4)
  assert.ok(Math.abs(effectiveRankOfSpectrum([3, 1]) - 4 / Math.pow(3, 0.75)) < 1e-12);
  assert.ok(Number.isNaN(effectiveRankOfSpectrum([0, 0])));
});

test("singular values: a known 2×3 matrix, and effective rank invariant to scaling and transposition", () => {
  // [[3, 0, 0], [0, -4, 0]] has σ = (4, 3)
  const s = singularValues(Float32Array.of(3, 0, 0, 0, -4, 0), 2, 3);
  assert.ok(Math.abs(s[0] - 4) < 1e-12 && Math.abs(s[1] - 3) < 1e-12, `${s}`);
  // a random 40×30 Gaussian matrix: Σσ² = ‖A‖_F² (trace of the Gram), erank(cA) = erank(A) = erank(Aᵀ)
  const m = 40, n = 30, a = normals(keyFromSeed(7), m * n, 1, new Float32Array(m * n));
  const sv = singularValues(a, m, n);
  const fro2 = a.reduce((acc, x) => acc + x * x, 0), sum2 = sv.reduce((acc, x) => acc + x * x, 0);
  assert.ok(Math.abs(sum2 / fro2 - 1) < 1e-10, `Σσ² ${sum2} vs ‖A‖² ${fro2}`);
  const t = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  const r = effectiveRank(a, m, n);
  assert.ok(Math.abs(effectiveRank(a.map((x) => x * 1000), m, n) - r) < 1e-9 * r);
  assert.ok(Math.abs(effectiveRank(a.map((x) => x * 1e-3), m, n) - r) < 1e-9 * r);
  assert.ok(Math.abs(effectiveRank(t, n, m) - r) < 1e-9 * r);
  assert.ok(r > 1 && r < 30, `${r}`);
});

test("relative change: 0 at init, exact for a known shift, NaN without θ₀", () => {
  const p = { A: { shape: [2], data: Float32Array.of(3, 4) }, B: { shape: [1], data: Float32Array.of(0) } };
  const init = cloneParams(p);
  assert.equal(relativeChange(p, init)["regime/relative_change"], 0);
  p.A.data[0] = 6; // ‖Δ‖ = 3, ‖θ₀‖ = 5
  const r = relativeChange(p, init);
  assert.ok(Math.abs(r["regime/relative_change"] - 0.6) < 1e-12 && Math.abs(r["regime/relative_change/A"] - 0.6) < 1e-12);
  assert.ok(!("regime/relative_change/B" in r)); // 0/0: a zero-initialized tensor has no relative change, no key
  assert.ok(Number.isNaN(relativeChange(p, undefined)["regime/relative_change"]));
});

test("on gromov at init: weight ranks, hidden rank and relative change through the registry entries", (t) => {
  const data = modularDataset({ op: "add", p: 97, trainFraction: 0.5 }, keyFromSeed(1));
  const model = createGromov({ width: 500, init_scale: 1 }, data, createJsBackend());
  const params = model.init(keyFromSeed(1));
  const ctx: MeasureContext = { params, data, model, step: 0, init: cloneParams(params) };
  const all: Record<string, number> = {};
  const ms: Record<string, number> = {};
  for (const [name, def] of Object.entries(RANK_MEASURES)) {
    assert.equal(def.appliesTo?.(model, data, params) ?? null, null);
    const t0 = performance.now();
    Object.assign(all, runMeasure(name, def, ctx));
    ms[name] = performance.now() - t0;
  }
  t.diagnostic(`gromov init: ${JSON.stringify(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, +v.toFixed(2)])))}; ms ${JSON.stringify(Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v)])))}`);
  // a Gaussian N×p matrix (aspect ratio c = p/N) has a Marchenko–Pastur spectrum: erank well above p/2, below p
  for (const k of ["U", "V", "W"]) assert.ok(all[`rank/effective/${k}`] > 0.8 * 97 && all[`rank/effective/${k}`] < 97, `${k}: ${all[`rank/effective/${k}`]}`);
  assert.equal(all["regime/relative_change"], 0);
  assert.ok(all["rank/hidden"] > 1 && all["rank/hidden"] <= 500);
  assert.deepEqual(Object.keys(weightEffectiveRanks(params)).sort(), ["rank/effective/U", "rank/effective/V", "rank/effective/W"]);
  // subsampling is deterministic
  assert.equal(hiddenEffectiveRank(model, params, data), hiddenEffectiveRank(model, params, data));
});

test("rank/hidden on an mlp reads the last hook_post_<l>; a 2-layer net's hidden rank is ≤ its width", async () => {
  assert.equal(hiddenHookName({ hook_pre_0: new Float32Array(), hook_post_0: new Float32Array(), hook_post_1: new Float32Array() }), "hook_post_1");
  assert.equal(hiddenHookName({ hook_pre: new Float32Array(), hook_post: new Float32Array() }), "hook_post");
  assert.equal(hiddenHookName({ logits: new Float32Array() }), null);
  const data = sparseParityDataset({ nBits: 10, kRelevant: 3, nTrain: 200, nTest: 50, bias: true }, keyFromSeed(3));
  const model = createMlp({ depth: 2, width: 16, activation: "relu", bias: true, init_scale: 1 }, data, createJsBackend());
  const params = model.init(keyFromSeed(4));
  const r = hiddenEffectiveRank(model, params, data);
  assert.ok(r > 1 && r <= 16, `${r}`);
  // the 2-D tensors only: W_0 [11, 16], W_1 [16, 16], W_out [16, 2]; biases skipped
  assert.deepEqual(Object.keys(weightEffectiveRanks(params)).sort(), ["rank/effective/W_0", "rank/effective/W_1", "rank/effective/W_out"]);
  assert.ok(weightEffectiveRanks(params)["rank/effective/W_out"] <= 2);
});
