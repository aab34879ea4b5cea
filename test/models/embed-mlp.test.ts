import { createEmbedMlp } from "../helpers/models.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { type EmbedMlpConfig } from "../../src/models/embed-mlp.js";
import { modularDataset } from "../../src/tasks/modular.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { gradcheck } from "../helpers/gradcheck.js";
import { tinyPairs } from "../helpers/tiny-data.js";


const cfg = (over: Partial<EmbedMlpConfig> = {}): EmbedMlpConfig =>
  ({ d_embed: 4, width: 3, activation: "relu", tied_unembed: true, init_scale: 1, embed_init: "variance_scaling", init_draw: "normal", dropout: 0, ...over });

for (const tied_unembed of [true, false]) {
  for (const activation of ["relu", "gelu"] as const) {
    test(`embed_mlp (${tied_unembed ? "tied" : "untied"}, ${activation}): backward matches float64 finite differences`, () => {
      const data = tinyPairs(7, 12, 1);
      const model = createEmbedMlp(cfg({ tied_unembed, activation, embed_init: "normal" }), data, createFloat64Backend());
      const params = model.init(keyFromSeed(2));
      assert.deepEqual(Object.keys(params), tied_unembed ? ["W_E", "W_in", "W_out"] : ["W_E", "W_in", "W_out", "W_U"]);
      gradcheck(model, params, data.train, keyFromSeed(3), { maxCoords: 100 });
    });
  }
}

/** logits[q] = Σ_j f(Σ_e (W_E[a,e] + W_E[b,e]) W_in[e,j]) … written out with loops. */
function direct(params: Params, a: number, b: number, c: EmbedMlpConfig, vocab: number, nOut: number): Float64Array {
  const D = c.d_embed, H = c.width;
  const WE = params.W_E.data, Win = params.W_in.data, Wout = params.W_out.data;
  const post = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let s = 0;
    for (let e = 0; e < D; e++) s += WE[a * D + e] * Win[e * H + j] + WE[b * D + e] * Win[e * H + j];
    post[j] = c.activation === "square" ? s * s : Math.max(s, 0);
  }
  const out = new Float64Array(D);
  for (let e = 0; e < D; e++) for (let j = 0; j < H; j++) out[e] += post[j] * Wout[j * D + e];
  const z = new Float64Array(nOut);
  for (let q = 0; q < nOut; q++) {
    for (let e = 0; e < D; e++) z[q] += out[e] * (c.tied_unembed ? WE[q * D + e] : params.W_U.data[e * nOut + q]);
  }
  assert.equal(vocab, params.W_E.shape[0]);
  return z;
}

for (const tied_unembed of [true, false]) {
  test(`embed_mlp (${tied_unembed ? "tied" : "untied"}): logits equal the layers computed directly`, () => {
    const c = cfg({ tied_unembed, activation: "square" });
    const nOut = tied_unembed ? 5 : 3;
    const data = tinyPairs(5, 6, 4, nOut);
    const model = createEmbedMlp(c, data, createFloat64Backend());
    const params = model.init(keyFromSeed(5));
    const fwd = model.forward(params, data.train);
    assert.deepEqual(Object.keys(fwd.cache).sort(), ["hook_out", "hook_post", "hook_pre"]);
    for (let i = 0; i < 6; i++) {
      const want = direct(params, data.train.x[2 * i], data.train.x[2 * i + 1], c, 5, nOut);
      for (let q = 0; q < nOut; q++) assert.ok(Math.abs(fwd.logits[i * nOut + q] - want[q]) < 1e-12, `logit [${i},${q}]`);
    }
  });
}

test("embed_mlp: init variances follow the notebook (W_E ~ N(0, 2/vocab), Linear layers 0.88²/fan_in) times α²", () => {
  const vocab = 67, D = 500, H = 24, alpha = 0.5;
  const data = tinyPairs(vocab, 1, 1);
  const variance = (x: Float32Array) => x.reduce((s, v) => s + v * v, 0) / x.length;
  const vs = createEmbedMlp(cfg({ d_embed: D, width: H, init_scale: alpha }), data, createFloat64Backend()).init(keyFromSeed(6));
  const t = 0.87962566103423978 ** 2;
  // relative sd of a sample variance from n normals is √(2/n): ≤ 0.009 for n ≥ 12,000; allow ~4.5 sd
  assert.ok(Math.abs(variance(vs.W_E.data) / ((alpha ** 2 * 2) / vocab) - 1) < 0.04);
  assert.ok(Math.abs(variance(vs.W_in.data) / ((alpha ** 2 * t) / D) - 1) < 0.04);
  assert.ok(Math.abs(variance(vs.W_out.data) / ((alpha ** 2 * t) / H) - 1) < 0.04);
  const nm = createEmbedMlp(cfg({ d_embed: D, width: H, embed_init: "normal", tied_unembed: false }), data, createFloat64Backend()).init(keyFromSeed(6));
  assert.ok(Math.abs(variance(nm.W_E.data) - 1) < 0.04);
  assert.ok(Math.abs(variance(nm.W_U.data) / (1 / D) - 1) < 0.04);
});

test("embed_mlp: init_draw truncated_normal keeps every variance and bounds each draw at ±2σ (Haiku's TruncatedNormal)", () => {
  const vocab = 67, D = 500, H = 24;
  const data = tinyPairs(vocab, 1, 1);
  const tn = createEmbedMlp(cfg({ d_embed: D, width: H, init_draw: "truncated_normal" }), data, createFloat64Backend()).init(keyFromSeed(6));
  const plain = createEmbedMlp(cfg({ d_embed: D, width: H }), data, createFloat64Backend()).init(keyFromSeed(6));
  const variance = (x: Float32Array) => x.reduce((s, v) => s + v * v, 0) / x.length;
  const maxAbs = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const t = 0.87962566103423978;
  // σ of the underlying normal: VarianceScaling's √(2/vocab)/0.8796 for W_E, Linear's 1/√fan_in for W_in and W_out
  for (const [name, sigma] of [["W_E", Math.sqrt(2 / vocab) / t], ["W_in", 1 / Math.sqrt(D)], ["W_out", 1 / Math.sqrt(H)]] as const) {
    assert.ok(Math.abs(variance(tn[name].data) / (t * sigma) ** 2 - 1) < 0.04, name);
    assert.ok(maxAbs(tn[name].data) <= 2 * sigma * (1 + 1e-6), `${name}: |w| ≤ 2σ`);
    assert.ok(maxAbs(plain[name].data) > 2.5 * t * sigma, `${name}: the plain draw has tails beyond the truncation`);
  }
});

test("embed_mlp: a tied unembedding needs as many classes as tokens", () => {
  assert.throws(() => createEmbedMlp(cfg(), tinyPairs(5, 2, 1, 3), createFloat64Backend()), /tied_unembed/);
});

test("embed_mlp: separate vocabularies (vocab 2p, p classes) need an untied unembedding, and the error says so", () => {
  const data = modularDataset({ op: "add", p: 7, trainFraction: 0.5, separateVocab: true }, keyFromSeed(1));
  assert.throws(() => createEmbedMlp(cfg(), data, createFloat64Backend()), /tied_unembed.*14 tokens\); task\.separate_vocab .*tied_unembed: false/);
  const model = createEmbedMlp(cfg({ tied_unembed: false }), data, createFloat64Backend());
  const params = model.init(keyFromSeed(2));
  assert.deepEqual(params.W_E.shape, [14, 4]);
  assert.deepEqual(params.W_U.shape, [4, 7]);
});
