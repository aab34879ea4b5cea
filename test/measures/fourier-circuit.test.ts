import { createEmbedMlp } from "../helpers/models.js";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  circuitLoss, FOURIER_CIRCUIT_MEASURES, frequencyPower, frequencyProjection, gini, keyFrequencies, topFraction,
} from "../../src/measures/fourier/fourier-circuit.js";
import { rfftPower } from "../../src/measures/fourier/fourier.js";
import type { MeasureContext } from "../../src/measures/measure.js";
import { gromovConstruction } from "../../src/models/constructions.js";
import { createGromov } from "../../src/models/gromov.js";
import type { Model } from "../../src/models/model.js";
import type { Dataset } from "../../src/tasks/dataset.js";
import { modularDataset } from "../../src/tasks/modular.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { createBackend } from "../../src/tensor/backend-select.js";
import { fold, keyFromSeed, normals, randint, uniform } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";
import { mse, softmaxCrossEntropy } from "../../src/train/losses.js";

const M = FOURIER_CIRCUIT_MEASURES;
const num = (name: string, ctx: MeasureContext) => M[name].compute(ctx) as number;

/** The frequencies (folded to 1 … ⌊p/2⌋) that gromovConstruction draws for `key`, as it draws them. */
function constructionFrequencies(p: number, N: number, key: ReturnType<typeof keyFromSeed>): Set<number> {
  const out = new Set<number>();
  for (let k = 0; k < N; k++) {
    const s = 1 + randint(fold(key, "sigma"), k, p - 1);
    out.add(Math.min(s, p - s));
  }
  return out;
}

/** Gromov eq. (8)–(9) with σ_k drawn from `sigmas` only (a circuit with few frequencies), W times `scale`. */
function fewFrequencyConstruction(p: number, N: number, sigmas: readonly number[], key: ReturnType<typeof keyFromSeed>, scale = 1): Params {
  const A = Math.cbrt(2 / N);
  const U = new Float32Array(N * p), V = new Float32Array(N * p), W = new Float32Array(p * N);
  for (let k = 0; k < N; k++) {
    const w = (2 * Math.PI * sigmas[k % sigmas.length]) / p;
    const phi1 = 2 * Math.PI * uniform(fold(key, "phi1"), k), phi2 = 2 * Math.PI * uniform(fold(key, "phi2"), k);
    for (let n = 0; n < p; n++) {
      U[k * p + n] = A * Math.cos(w * n + phi1);
      V[k * p + n] = A * Math.cos(w * n + phi2);
      W[n * N + k] = scale * A * Math.cos(-w * n - phi1 - phi2);
    }
  }
  return { U: { shape: [N, p], data: U }, V: { shape: [N, p], data: V }, W: { shape: [p, N], data: W } };
}

const backend = await createBackend("wasm"); // the full-data forwards take seconds on the js backend
after(() => backend.dispose());

function gromovSetup(p: number, N: number, seed: number) {
  const data = modularDataset({ op: "add", p, trainFraction: 0.5 }, keyFromSeed(seed));
  const model = createGromov({ width: N, init_scale: 1 }, data, backend);
  return { data, model };
}

const ctxOf = (model: Model, data: Dataset, params: Params, loss = softmaxCrossEntropy): MeasureContext => ({ model, data, params, step: 0, loss });

test("the gemm spectrum equals the sum of rfftPower over neurons (axis 1 and axis 0, extra entries past p ignored)", () => {
  const p = 13, N = 6, cols = 15;
  const x = normals(keyFromSeed(9), N * cols);
  const want = new Float64Array((p >> 1) + 1);
  for (let n = 0; n < N; n++) rfftPower(x, p, n * cols).forEach((v, j) => { want[j] += v; });
  for (const got of [frequencyPower({ shape: [N, cols], data: x }, p, 1), frequencyPower({ shape: [N, cols], data: x }, p, 1, backend)]) {
    got.forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-4 * (1 + want[j]), `bin ${j}: ${v} vs ${want[j]}`));
  }
  // the same numbers read down the columns of the transposed tensor [cols, N]
  const xt = new Float32Array(cols * N);
  for (let n = 0; n < N; n++) for (let c = 0; c < cols; c++) xt[c * N + n] = x[n * cols + c];
  frequencyPower({ shape: [cols, N], data: xt }, p, 0, backend).forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-4 * (1 + want[j])));
});

test("Gini: 0 for equal values, 1 − m/M for m equal non-zero values among M, scale-free", () => {
  assert.equal(gini([3, 3, 3, 3]), 0);
  assert.ok(Math.abs(gini([0, 0, 0, 2, 2, 0, 0, 0]) - (1 - 2 / 8)) < 1e-15);
  assert.ok(Math.abs(gini([0, 0, 0, 0, 7]) - 0.8) < 1e-15);
  assert.ok(Math.abs(gini([1, 5, 2, 9]) - gini([10, 50, 20, 90])) < 1e-15);
  assert.ok(Number.isNaN(gini([0, 0])));
});

test("the projection onto key frequencies is symmetric and idempotent; restricted + excluded = I + constant direction", () => {
  for (const p of [11, 12]) {
    const ks = p === 11 ? [2, 5] : [1, 6]; // 6 = the Nyquist bin of p = 12
    const P = frequencyProjection(p, ks), R = frequencyProjection(p, ks, { withDc: true }), E = frequencyProjection(p, ks, { complement: true });
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        assert.ok(Math.abs(P[i * p + j] - P[j * p + i]) < 1e-7);
        let pp = 0;
        for (let l = 0; l < p; l++) pp += P[i * p + l] * P[l * p + j];
        assert.ok(Math.abs(pp - P[i * p + j]) < 1e-6, `P² = P at ${i},${j}`);
        assert.ok(Math.abs(R[i * p + j] + E[i * p + j] - ((i === j ? 1 : 0) + 1 / p)) < 1e-6);
      }
    }
    // it keeps cos(ω_k(s − c)) for a key k and removes a non-key frequency entirely
    const s = 3, keep = Float64Array.from({ length: p }, (_, c) => Math.cos((2 * Math.PI * ks[0] * (s - c)) / p));
    const drop = Float64Array.from({ length: p }, (_, c) => Math.sin((2 * Math.PI * 4 * (s - c)) / p));
    for (let c = 0; c < p; c++) {
      let a = 0, b = 0;
      for (let l = 0; l < p; l++) { a += keep[l] * P[l * p + c]; b += drop[l] * P[l * p + c]; }
      assert.ok(Math.abs(a - keep[c]) < 1e-6 && Math.abs(b) < 1e-6);
    }
  }
});

test("Gromov's construction (p = 97, N = 500): key frequencies = the σ_k it used; restricted loss = full loss, excluded ≫ full", () => {
  const p = 97, N = 500, key = keyFromSeed(11);
  const { data, model } = gromovSetup(p, N, 1);
  const params = gromovConstruction({ p, width: N }, key);
  const used = constructionFrequencies(p, N, key);
  const S = frequencyPower(params.U, p, 1);
  const ks = keyFrequencies(S);
  assert.deepEqual(new Set(ks), used, `key ${ks.length}, used ${used.size}`);
  assert.equal(num("fourier/key_frequencies", ctxOf(model, data, params)), used.size);
  // cross-entropy with W × 20 (logits peak at 20 on the answer, so the loss is small and the comparison sharp);
  // MSE with Gromov's own scale (peak 1): the construction is not an MSE minimizer, so only restricted = full is sharp
  for (const [loss, scale] of [[softmaxCrossEntropy, 20], [mse, 1]] as const) {
    const W = params.W.data.map((v) => v * scale);
    const scaled = { ...params, W: { shape: params.W.shape, data: W } };
    const ctx = { ...ctxOf(model, data, scaled, loss), backend };
    const full = loss(model.forward(scaled, data.train).logits, data.train.y, p).loss;
    const restricted = num("fourier/restricted_loss", ctx), excluded = num("fourier/excluded_loss", ctx);
    const restrictedTest = num("fourier/restricted_loss_test", ctx);
    const fullTest = loss(model.forward(scaled, data.test).logits, data.test.y, p).loss;
    const label = loss === mse ? "mse" : "ce";
    // the logits lie exactly in the span of the used frequencies: only float32 rounding of the projection differs
    assert.ok(Math.abs(restricted - full) <= 1e-4 * full + 1e-6, `${label}: restricted ${restricted} vs full ${full}`);
    assert.ok(Math.abs(restrictedTest - fullTest) <= 1e-4 * fullTest + 1e-6);
    // excluded leaves only the constant direction of each logit row: CE → ln p = 4.57, MSE → ≈ (1 − 1/p)/p = 0.0102
    if (loss === softmaxCrossEntropy) {
      assert.ok(full < 1e-3 && Math.abs(excluded - Math.log(p)) < 0.01, `ce: excluded ${excluded} vs full ${full}`);
    } else {
      assert.ok(Math.abs(excluded - (1 - 1 / p) / p) < 5e-4 && excluded > full, `mse: excluded ${excluded} vs full ${full}`);
    }
  }
});

test("a construction on 3 frequencies: exactly those are key, Gini ≈ 1 − 3/48, restricted loss removes added non-key noise", () => {
  const p = 97, N = 500, sigmas = [5, 17, 30];
  const { data, model } = gromovSetup(p, N, 2);
  const params = fewFrequencyConstruction(p, N, sigmas, keyFromSeed(5), 20);
  const ctx = { ...ctxOf(model, data, params), backend };
  assert.deepEqual(keyFrequencies(frequencyPower(params.U, p, 1)).sort((a, b) => a - b), sigmas);
  const g = num("fourier/gini", ctx);
  assert.ok(Math.abs(g - (1 - 3 / 48)) < 1e-3, `Gini ${g}`); // equal neuron counts per σ: three equal norms, 45 zeros
  const spec = M["fourier/spectrum"].compute(ctx) as Record<string, number>;
  assert.ok(Math.abs(spec["fourier/spectrum/top1"] - 1 / 3) < 0.01 && spec["fourier/spectrum/top5"] > 0.999999);
  const clean = num("fourier/restricted_loss", ctx);
  // memorization-like noise in the readout W (any frequency) raises the full loss; restricting to the key
  // frequencies filters most of it out again
  const noise = normals(keyFromSeed(6), p * N, 0.5 * Math.cbrt(2 / N) * 20);
  for (let i = 0; i < noise.length; i++) params.W.data[i] += noise[i];
  const full = softmaxCrossEntropy(model.forward(params, data.train).logits, data.train.y, p).loss;
  const restricted = num("fourier/restricted_loss", ctx);
  assert.ok(restricted < full && restricted < 2 * clean + 1e-3, `clean ${clean}, noisy full ${full}, noisy restricted ${restricted}`);
});

test("random init (p = 97, N = 500): Gini ≈ 0.013 (noise), all 48 frequencies key, top-5 fraction ≈ 5/48", () => {
  const p = 97, N = 500;
  const { data, model } = gromovSetup(p, N, 3);
  const ginis: number[] = [];
  for (const seed of [1, 2, 3, 4]) {
    const ctx = ctxOf(model, data, model.init(keyFromSeed(seed)));
    ginis.push(num("fourier/gini", ctx));
    assert.equal(num("fourier/key_frequencies", ctx), 48);
    const top5 = (M["fourier/spectrum"].compute(ctx) as Record<string, number>)["fourier/spectrum/top5"];
    assert.ok(top5 > 5 / 48 && top5 < 0.13, `top5 ${top5}`);
  }
  // per-frequency power is σ²·χ²(2N): norm cv 1/(2√N), Gini of a normal sample σ/(μ√π) → 1/(2√(πN)) = 0.0126
  const mean = ginis.reduce((a, b) => a + b, 0) / ginis.length;
  assert.ok(Math.abs(mean - 1 / (2 * Math.sqrt(Math.PI * N))) < 0.003, `Gini at init ${ginis.join(", ")}`);
});

test("embed_mlp reads W_E's first p rows (axis 0); a cosine embedding on two frequencies has exactly those keys", () => {
  const p = 23;
  const data = modularDataset({ op: "add", p, trainFraction: 0.5 }, keyFromSeed(1));
  const model = createEmbedMlp({ d_embed: 8, width: 16, activation: "relu", tied_unembed: false, init_scale: 1, embed_init: "normal" }, data, createJsBackend());
  const params = model.init(keyFromSeed(2));
  const [vocab, d] = params.W_E.shape;
  for (let a = 0; a < p; a++) for (let j = 0; j < d; j++) params.W_E.data[a * d + j] = Math.cos((2 * Math.PI * (j < 4 ? 3 : 8) * a) / p + j);
  const ctx = ctxOf(model, data, params);
  assert.equal(num("fourier/key_frequencies", ctx), 2);
  assert.ok(Math.abs(num("fourier/gini", ctx) - (1 - 2 / 11)) < 1e-4);
  assert.ok(vocab >= p);
  for (const name of ["fourier/restricted_loss", "fourier/excluded_loss"]) assert.ok(Number.isFinite(num(name, ctx)));
  assert.ok(Math.abs(circuitLoss(ctx, "restricted", "train", { threshold: 0 }) - softmaxCrossEntropy(model.forward(params, data.train).logits, data.train.y, p).loss) < 1e-4,
    "with every frequency key the restricted loss is the full loss");
});

test("every measure's appliesTo refuses a task without a modulus and names why (and the per-domain one a task without domains)", () => {
  const { data, model } = gromovSetup(11, 8, 1);
  const params = model.init(keyFromSeed(1));
  const dense: Dataset = { kind: "dense", name: "sparse_parity", dim: 4, nClasses: 2, train: { n: 0, x: new Float32Array(0), y: new Int32Array(0) }, test: { n: 0, x: new Float32Array(0), y: new Int32Array(0) }, meta: { n: 4, k: 3 } };
  const noP = { ...data, meta: {} };
  for (const [name, def] of Object.entries(M)) {
    assert.ok(def.appliesTo, name);
    if (name === "domain/restricted_loss") assert.match(def.appliesTo(model, data, params) ?? "", /needs a task with per-domain splits/);
    else assert.equal(def.appliesTo(model, data, params), null, name);
    assert.match(def.appliesTo(model, dense, params) ?? "", /needs a modular-arithmetic task/, name);
    assert.match(def.appliesTo(model, noP, params) ?? "", /needs a modular-arithmetic task/, name);
  }
  assert.match(M["fourier/gini"].appliesTo!(model, data, { W: params.W }) ?? "", /needs a first-layer tensor U or W_E/);
});

test("measure_settings.fourier: max_keys caps the key set (Nanda's top 5); threshold moves the rule; bad values name the key", () => {
  const p = 97, N = 500, sigmas = [5, 17, 30];
  const { data, model } = gromovSetup(p, N, 2);
  const params = fewFrequencyConstruction(p, N, sigmas, keyFromSeed(5), 20);
  const base = { ...ctxOf(model, data, params), backend };
  const withSettings = (fourier: unknown) => ({ ...base, settings: { fourier } });
  assert.equal(num("fourier/key_frequencies", base), 3);
  assert.equal(num("fourier/key_frequencies", withSettings({ max_keys: 2 })), 2);
  assert.equal(num("fourier/key_frequencies", withSettings({ max_keys: 5 })), 3);
  // keeping 1 of the 3 frequencies the logits use throws away two thirds of the circuit: the restricted loss rises
  const all = num("fourier/restricted_loss", base), one = num("fourier/restricted_loss", withSettings({ max_keys: 1 }));
  assert.ok(one > all + 0.1, `restricted loss with every key ${all}, with the strongest only ${one}`);
  assert.throws(() => num("fourier/key_frequencies", withSettings({ max_keys: 0 })), /fourier\.max_keys: must be ≥ 1/);
  assert.throws(() => num("fourier/key_frequencies", withSettings({ threshold: 2 })), /fourier\.threshold: must be in \(0, 1\]/);
  assert.throws(() => num("fourier/key_frequencies", withSettings({ max_key: 3 })), /fourier\.max_key/);
});
