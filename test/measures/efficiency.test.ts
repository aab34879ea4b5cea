import { createFiveNeuron } from "../helpers/models.js";
import { createEmbedMlp } from "../helpers/models.js";
import { createMlp } from "../helpers/models.js";
/**
 * Circuit efficiency (Varma et al. 2023): the probed degree of homogeneity of each model, invariance to θ → cθ,
 * the Gromov construction's analytic value, and the generalizing / memorizing split on a perfect generalizer.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { correctLogitStats, EFFICIENCY_MEASURES, efficiencyCircuits, efficiencyTotal, homogeneityDegree } from "../../src/measures/efficiency/efficiency.js";
import type { MeasureContext } from "../../src/measures/measure.js";
import { gromovConstruction } from "../../src/models/constructions.js";
import { createGromov } from "../../src/models/gromov.js";
import { type MlpConfig } from "../../src/models/mlp.js";
import type { Model } from "../../src/models/model.js";
import type { Dataset } from "../../src/tasks/dataset.js";
import { modularDataset } from "../../src/tasks/modular.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { fold, keyFromSeed } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";

const backend = createJsBackend();
const data = (p: number, trainFraction: number): Dataset => modularDataset({ op: "add", p, trainFraction }, keyFromSeed(11));
const ctxOf = (model: Model, d: Dataset, params: Params): MeasureContext => ({ model, data: d, params, step: 0, backend });
const scaled = (params: Params, c: number): Params => Object.fromEntries(Object.entries(params).map(([k, t]) => [k, { shape: t.shape, data: t.data.map((v) => c * v) }]));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

const mlp = (over: Partial<MlpConfig>): MlpConfig => ({ depth: 1, width: 24, activation: "relu", bias: false, init_scale: 1, init: "pytorch", dropout: 0, single_logit: false, ...over });

test("correctLogitStats: centered correct-class logit and margin by hand", () => {
  // rows [3, 1, −1] (label 0) and [0, 2, 4] (label 1): ℓ = 3 − 1 = 2 and 2 − 2 = 0; margins 3 − 1 = 2, 2 − 4 = −2
  const s = correctLogitStats(new Float32Array([3, 1, -1, 0, 2, 4]), new Int32Array([0, 1]), 3);
  assert.deepEqual(s, { logit: 1, margin: 0 });
});

test("degree of homogeneity, probed: quadratic net 3, bias-free ReLU MLP = weight matrices, square doubles, biases and GELU have none", () => {
  const d = data(13, 0.5);
  const cases: [string, Model, number | null][] = [
    ["gromov", createGromov({ width: 16, init_scale: 1 }, d, backend), 3],
    ["mlp depth 2, relu, no bias", createMlp(mlp({ depth: 2 }), d, backend), 3],
    ["mlp depth 1, square, no bias", createMlp(mlp({ activation: "square" }), d, backend), 3], // (x W₀)² W_out: 2 + 1
    ["mlp depth 2, square, no bias", createMlp(mlp({ depth: 2, activation: "square" }), d, backend), 7], // ((x W₀)² W₁)² W_out: (2·1 + 1)·2 + 1
    ["embed_mlp tied, relu", createEmbedMlp({ d_embed: 16, width: 8, activation: "relu", tied_unembed: true, init_scale: 1, embed_init: "normal" }, d, backend), 4],
    ["five_neuron (fixed embedding)", createFiveNeuron({ neurons: 5, init_scale: 1 }, d, backend), 2],
    ["mlp with biases", createMlp(mlp({ bias: true }), d, backend), null],
    ["mlp gelu", createMlp(mlp({ activation: "gelu" }), d, backend), null],
  ];
  for (const [name, model, want] of cases) {
    const params = model.init(fold(keyFromSeed(2), name));
    const probe = homogeneityDegree(model, params, d);
    assert.equal(probe.degree, want, `${name}: ${"why" in probe ? probe.why : probe.degree}`);
    const why = EFFICIENCY_MEASURES["efficiency/logit"].appliesTo!(model, d, params);
    if (want === null) assert.match(why ?? "", /not positively homogeneous/, name);
    else assert.equal(why, null, name);
  }
});

test("efficiency is invariant to scaling the parameters (θ → cθ scales logits by c^α and ‖θ‖^α alike)", () => {
  const d = data(17, 0.5);
  for (const model of [createGromov({ width: 32, init_scale: 1 }, d, backend), createMlp(mlp({ depth: 2 }), d, backend)]) {
    const params = model.init(keyFromSeed(5));
    const base = { ...efficiencyTotal(ctxOf(model, d, params)), ...efficiencyCircuits(ctxOf(model, d, params)) };
    for (const c of [0.37, 3]) {
      const v = { ...efficiencyTotal(ctxOf(model, d, scaled(params, c))), ...efficiencyCircuits(ctxOf(model, d, scaled(params, c))) };
      for (const k of Object.keys(base)) assert.ok(rel(v[k], base[k]) < 1e-4, `${model.name} ×${c}: ${k} ${v[k]} vs ${base[k]}`);
    }
  }
});

test("Gromov construction: efficiency = (N/2)·(3Np/2)^(−3/2) on all p² pairs; the flipped output phase has little", () => {
  // Mean over all pairs of the centered correct logit is N·A³/2 = 1 (every other term sums to 0 over a or b), and
  // ‖θ‖² = 3·N·p·A²/2 (Σ_n cos²(2πσn/p + φ) = p/2 for odd p), so E = 1/‖θ‖³ = (N/2)(3Np/2)^(−3/2), free of A and the draws.
  const p = 31, d = data(p, 1);
  for (const N of [64, 500]) {
    const model = createGromov({ width: N, init_scale: 1 }, d, backend);
    const analytic = (N / 2) * (1.5 * N * p) ** -1.5;
    const good = efficiencyTotal(ctxOf(model, d, gromovConstruction({ p, width: N }, keyFromSeed(3))));
    assert.ok(rel(good["efficiency/logit"], analytic) < 1e-5, `N = ${N}: ${good["efficiency/logit"]} vs analytic ${analytic}`);
    assert.ok(good["efficiency/margin"] > 0, "every pair is classified right: positive mean margin");
    const flipped = efficiencyTotal(ctxOf(model, d, gromovConstruction({ p, width: N, flipOutputPhase: true }, keyFromSeed(3))));
    assert.ok(Math.abs(flipped["efficiency/logit"]) < 0.2 * analytic, `flipped: ${flipped["efficiency/logit"]} vs ${analytic}`);
    assert.ok(flipped["efficiency/margin"] < 0, "the flipped net ranks a wrong class first");
  }
});

test("a perfect generalizer is all generalizing circuit: E_gen ≈ E, E_mem ≈ 0; E_gen needs held-out pairs", () => {
  const p = 31, N = 256, d = data(p, 0.5);
  const model = createGromov({ width: N, init_scale: 1 }, d, backend);
  const params = gromovConstruction({ p, width: N }, keyFromSeed(4));
  const c = efficiencyCircuits(ctxOf(model, d, params));
  const analytic = (N / 2) * (1.5 * N * p) ** -1.5;
  // per-pair noise of the construction is O(1/√N) around 1: a half of the pairs averages it to within a few %
  assert.ok(rel(c["efficiency/gen"], analytic) < 0.05, `E_gen ${c["efficiency/gen"]} vs ${analytic}`);
  assert.ok(Math.abs(c["efficiency/mem"]) < 0.05 * analytic, `E_mem ${c["efficiency/mem"]}`);
  const all = data(p, 1);
  assert.match(EFFICIENCY_MEASURES["efficiency/gen"].appliesTo!(model, all, params) ?? "", /held-out/);
});

test("a memorizer is all memorizing circuit: a lookup table of the training labels has E_gen ≈ 0 < E_mem", () => {
  // A one-parameter model s (homogeneous of degree 1): logit s on each training pair's label, 0 on held-out pairs.
  const p = 13, d = data(p, 0.5);
  const trainRows = new Set<string>();
  for (let i = 0; i < d.train.n; i++) trainRows.add(`${d.train.x[2 * i]},${d.train.x[2 * i + 1]}`);
  const table: Model = {
    name: "table",
    nOut: p,
    init: () => ({ s: { shape: [1], data: new Float32Array([1]) } }),
    forward: (params, split) => {
      const s = split as { n: number; x: Int32Array }, z = new Float32Array(s.n * p), a = params.s.data[0];
      for (let i = 0; i < s.n; i++) if (trainRows.has(`${s.x[2 * i]},${s.x[2 * i + 1]}`)) z[i * p + ((s.x[2 * i] + s.x[2 * i + 1]) % p)] = a;
      return { logits: z, cache: {} };
    },
    backward: () => {},
  };
  const params = table.init(keyFromSeed(0));
  const c = efficiencyCircuits(ctxOf(table, d, params));
  assert.equal(homogeneityDegree(table, params, d).degree, 1);
  assert.equal(c["efficiency/gen"], 0);
  assert.ok(Math.abs(c["efficiency/mem"] - (1 - 1 / p)) < 1e-6, `E_mem ${c["efficiency/mem"]}: ℓ = 1 − 1/p per training pair, ‖θ‖ = 1`);
});
