import { test } from "node:test";
import assert from "node:assert/strict";
import {
  frequencyOccupancy, gromovConstructionRank, gromovJacobian, jacobianSpectrum, laplaceLlc, LLC_ANALYTIC_MEASURES, rankBoundAppliesTo,
} from "../../src/measures/llc/llc-analytic.js";
import { estimateLlc } from "../../src/measures/llc/llc.js";
import { gromovConstruction } from "../../src/models/constructions.js";
import type { Model } from "../../src/models/model.js";
import type { Dataset, TokenSplit } from "../../src/tasks/dataset.js";
import { fold, keyFromSeed, normals } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { trainSnapshots } from "../helpers/train-history.js";
import { mse, mseCentred } from "../../src/train/losses.js";

/** All p² pairs (a, b) as a token split (labels unused by the Jacobian). */
function allPairs(p: number): TokenSplit {
  const x = new Int32Array(2 * p * p), y = new Int32Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) { x[2 * (a * p + b)] = a; x[2 * (a * p + b) + 1] = b; y[a * p + b] = (a + b) % p; }
  return { n: p * p, x, y };
}

test("regular model: linear regression logits = XW has rank J = d, so the bound is exactly d/2", () => {
  // J of F = X W (X [n, dim], W [dim, C]) is X ⊗ I_C: rank dim·C = d for X of full column rank
  const n = 30, dim = 5, C = 3, d = dim * C, X = normals(keyFromSeed(4), n * dim);
  const J = new Float64Array(n * C * d);
  for (let i = 0; i < n; i++) for (let q = 0; q < C; q++) for (let r = 0; r < dim; r++) J[(i * C + q) * d + r * C + q] = X[i * dim + r];
  const s = jacobianSpectrum(J, n * C, d);
  assert.equal(s.rank, d);
  assert.equal(s.rank / 2, d / 2);
  // the Laplace value tends to d/2 as nβ/γ → ∞ and is below it at finite temperature
  assert.ok(Math.abs(laplaceLlc(s.eigenvalues, n * C, 1e9, 1) - d / 2) < 1e-3);
  assert.ok(laplaceLlc(s.eigenvalues, n * C, 10, 1) < d / 2);
});

test("generic quadratic net: rank J = min(d − 2N, n·C), the two symmetries per neuron (rescale, shift) and no more", () => {
  for (const [p, N] of [[5, 4], [7, 6], [7, 20]]) {
    const key = keyFromSeed(p * 100 + N);
    const params: Params = {
      U: { shape: [N, p], data: normals(fold(key, "U"), N * p) },
      V: { shape: [N, p], data: normals(fold(key, "V"), N * p) },
      W: { shape: [p, N], data: normals(fold(key, "W"), p * N) },
    };
    const { J, rows, cols } = gromovJacobian(params, allPairs(p));
    const s = jacobianSpectrum(J, rows, cols);
    assert.equal(cols, 3 * N * p);
    assert.equal(s.rank, Math.min(cols - 2 * N, rows), `p ${p} N ${N}`);
  }
});

test("Gromov's construction: the closed-form rank equals the numerical rank of J over all p² pairs", () => {
  const seen: string[] = [];
  let closedForms = 0;
  // (11, 44, seed 3) is the one p = 11 draw with every class ≥ 6; the Gram of the largest case (1,331) costs ~10 s
  for (const [p, N, seeds] of [[5, 20, [1, 2, 3]], [7, 14, [1, 2]], [7, 28, [1, 2, 3]], [11, 44, [3]]] as const) {
    for (const seed of seeds) {
      const params = gromovConstruction({ p, width: N }, keyFromSeed(seed));
      const occ = frequencyOccupancy(params.U.data, N, p);
      const { J, rows, cols } = gromovJacobian(params, allPairs(p));
      const s = jacobianSpectrum(J, rows, cols);
      const formula = gromovConstructionRank(p, occ);
      seen.push(`p ${p} N ${N} seed ${seed} occupancy [${[...occ]}]: rank ${s.rank} (gap 10^${s.gapLog10.toFixed(1)}), formula ${formula}, d − 2N ${cols - 2 * N}`);
      assert.ok(s.gapLog10 > 6, `clean numerical rank: ${seen.at(-1)}`);
      assert.ok(s.rank <= cols - 2 * N, "never above the generic rank");
      if (formula !== null) {
        closedForms++;
        assert.equal(s.rank, formula, seen.at(-1));
      }
    }
  }
  console.log(seen.join("\n"));
  assert.ok(closedForms >= 5, `the closed form covered ${closedForms} cases`);
  // saturated: 8p² − 19p + 12 (every class ≥ 8 neurons, one ≥ 9)
  assert.equal(gromovConstructionRank(7, [9, 8, 10]), 8 * 49 - 19 * 7 + 12);
  assert.equal(gromovConstructionRank(97, new Array(48).fill(10)), 73441);
});

test("measure: refuses other models, big Jacobians and non-MSE losses with a reason", () => {
  const model = { name: "mlp", nOut: 7 } as unknown as Model;
  const data = { kind: "tokens", name: "modular", vocab: 97, seqLen: 2, nClasses: 97, train: { n: 4704 }, meta: { p: 97 } } as unknown as Dataset;
  const big: Params = { U: { shape: [500, 97], data: new Float32Array(0) }, V: { shape: [500, 97], data: new Float32Array(0) }, W: { shape: [97, 500], data: new Float32Array(0) } };
  assert.match(rankBoundAppliesTo(model, data, big) ?? "", /needs the gromov/);
  assert.match(rankBoundAppliesTo({ ...model, name: "gromov" }, data, big) ?? "", /456288 × 145500.*min\(n·C, d\) ≤ 2000/);
  const p = 5, N = 3, params = gromovConstruction({ p, width: N }, keyFromSeed(1));
  const small = { kind: "tokens", name: "modular", vocab: p, seqLen: 2, nClasses: p, train: allPairs(p), test: allPairs(p), meta: { p } } as Dataset;
  const gromov = { ...model, name: "gromov", nOut: p };
  assert.equal(rankBoundAppliesTo(gromov, small, params), null);
  const ctx = { params, data: small, model: gromov, step: 0 };
  const v = LLC_ANALYTIC_MEASURES["llc/rank_bound"].compute({ ...ctx, loss: mse }) as Record<string, number>;
  assert.equal(v["llc/rank_bound/rank"], N * (3 * p - 2), "three single-frequency neurons are generic");
  assert.throws(() => LLC_ANALYTIC_MEASURES["llc/rank_bound"].compute({ ...ctx, loss: (() => ({ loss: 0, acc: 0 })) as unknown as typeof mse }), /needs the loss mse or mse_centred/);
  // the centred loss: the centred Jacobian, outputs capped at p(n − 1), and its Hessian J_cᵀJ_c/n in the Laplace value
  const c = LLC_ANALYTIC_MEASURES["llc/rank_bound"].compute({ ...ctx, loss: mseCentred, settings: { llc: { nbeta: 1e9, gamma: 1 } } }) as Record<string, number>;
  assert.equal(c["llc/rank_bound/rank"], N * (3 * p - 2));
  assert.equal(c["llc/rank_bound/upper"], Math.min(3 * N * p - 2 * N, p * (p * p - 1)) / 2);
  assert.ok(Math.abs(c["llc/rank_bound/laplace"] - c["llc/rank_bound/lower"]) < 1e-3, "the Laplace value tends to rank/2 as nβ/γ → ∞");
});

test("trained quadratic net (p 13, N 30): rank bound vs SGLD on the memorizing and the grokked checkpoint", async () => {
  // wd 3 makes this small net grok: train acc 1.00 at step 100 (test 0.09), test 0.98 at 700, 1.00 from 1100
  const config = normalizeSpec({
    steps: 1500, seed: 1,
    task: { name: "modular", op: "add", p: 13, train_fraction: 0.5 },
    model: { name: "gromov", width: 30, init_scale: 1 },
    loss: "mse",
    optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.98], weight_decay: 3 },
  });
  const { setup, at } = await trainSnapshots(config, [100, 1500]);
  try {
    assert.ok(at[100].train_acc > 0.99 && at[100].test_acc < 0.3, `step 100 memorizes: ${at[100].train_acc} / ${at[100].test_acc}`);
    assert.ok(at[1500].train_acc > 0.99 && at[1500].test_acc > 0.99, `step 1500 has grokked: ${at[1500].train_acc} / ${at[1500].test_acc}`);
    const measure = LLC_ANALYTIC_MEASURES["llc/rank_bound"];
    const settings = { epsilon: 1e-4, gamma: 100, chains: 4, draws: 200, burn_in: 200, batch_size: null };
    const out: Record<number, { bound: Record<string, number>; sgld: number; std: number }> = {};
    for (const s of [100, 1500]) {
      const ctx = { params: at[s].params, data: setup.data, model: setup.model, step: s, loss: setup.loss, settings: { llc: settings } };
      assert.equal(measure.appliesTo?.(setup.model, setup.data, at[s].params), null);
      const bound = measure.compute(ctx) as Record<string, number>;
      const e = estimateLlc(setup.model, at[s].params, setup.data.train, setup.loss, setup.backend, keyFromSeed(21), settings);
      out[s] = { bound, sgld: e.mean, std: e.std };
      console.log(`step ${s}: rank ${bound["llc/rank_bound/rank"]} → ${bound["llc/rank_bound/lower"]} ≤ λ ≤ ${bound["llc/rank_bound/upper"]}; Laplace ${bound["llc/rank_bound/laplace"].toFixed(3)}; SGLD ${e.mean.toFixed(3)} ± ${e.std.toFixed(3)}`);
    }
    const nC = setup.data.train.n * setup.model.nOut; // 84 · 13 = 1092 < d − 2N = 1110
    for (const s of [100, 1500]) {
      const { bound, sgld } = out[s];
      // J has full row rank at both: the bounds meet, λ = n·C/2 at a realizable minimum (F is a submersion there)
      assert.equal(bound["llc/rank_bound/rank"], nC);
      assert.equal(bound["llc/rank_bound/lower"], bound["llc/rank_bound/upper"]);
      // SGLD at nβ = n/ln n ≈ 19, γ = 100 sees only the stiffest directions: far below rank/2, close to the Laplace value
      assert.ok(sgld < bound["llc/rank_bound/lower"]);
      assert.ok(Math.abs(sgld - bound["llc/rank_bound/laplace"]) < 0.2 * sgld, `step ${s}: SGLD ${sgld} vs Laplace ${bound["llc/rank_bound/laplace"]}`);
    }
    // measured at this size: both the SGLD estimate and the Laplace value are HIGHER at the grokked checkpoint
    assert.ok(out[1500].sgld > out[100].sgld + 0.2 && out[1500].bound["llc/rank_bound/laplace"] > out[100].bound["llc/rank_bound/laplace"] + 0.2);
    assert.equal(setup.loss, mse);
  } finally {
    setup.backend.dispose();
  }
});
