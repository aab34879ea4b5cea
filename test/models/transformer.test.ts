import { createTransformer } from "../helpers/models.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { type TransformerConfig } from "../../src/models/transformer.js";
import { parseModelConfig } from "../../src/models/registry.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { gradcheck } from "../helpers/gradcheck.js";
import { tinyPairs } from "../helpers/tiny-data.js";
import { sparseParityDataset } from "../../src/tasks/sparse-parity.js";

const cfg = (over: Partial<TransformerConfig> = {}): TransformerConfig =>
  ({ layers: 1, d_model: 8, heads: 2, d_mlp: 6, layer_norm: false, eq_token: true, init_scale: 1, dropout: 0, ...over });

const variants: Array<[string, Partial<TransformerConfig>]> = [
  ["1 layer, [a, b, =]", {}],
  ["2 layers, LayerNorm", { layers: 2, layer_norm: true }],
  ["2 layers, no = token, 4 heads", { layers: 2, eq_token: false, heads: 4 }],
];

for (const [label, over] of variants) {
  test(`transformer (${label}): backward matches float64 finite differences`, () => {
    const data = tinyPairs(5, 7, 1);
    const model = createTransformer(cfg(over), data, createFloat64Backend());
    const params = model.init(keyFromSeed(2));
    if (over.layer_norm) perturbLayerNorms(params); // gains 1 and biases 0 would leave part of their gradient untested
    gradcheck(model, params, data.train, keyFromSeed(3), { maxCoords: 60 });
  });

  test(`transformer (${label}): logits equal a direct all-positions implementation`, () => {
    const data = tinyPairs(5, 9, 4, 3);
    const c = cfg(over);
    const model = createTransformer(c, data, createFloat64Backend());
    const params = model.init(keyFromSeed(5));
    if (c.layer_norm) perturbLayerNorms(params);
    const got = model.forward(params, data.train).logits;
    for (let i = 0; i < data.train.n; i++) {
      const tokens = [...data.train.x.subarray(i * data.seqLen, (i + 1) * data.seqLen)];
      if (c.eq_token) tokens.push(data.vocab);
      const want = direct(params, tokens, c);
      for (let q = 0; q < 3; q++) assert.ok(Math.abs(got[i * 3 + q] - want[q]) < 1e-12, `example ${i} class ${q}: ${got[i * 3 + q]} vs ${want[q]}`);
    }
  });
}

test("transformer: parameter names and shapes follow TransformerLens; init scales as Nanda et al.", () => {
  const data = tinyPairs(7, 40, 1);
  const model = createTransformer(cfg({ d_model: 64, heads: 4, d_mlp: 32 }), data, createJsBackend());
  const p = model.init(keyFromSeed(1));
  assert.deepEqual(p["embed.W_E"].shape, [8, 64]); // 7 tokens + "="
  assert.deepEqual(p["pos_embed.W_pos"].shape, [3, 64]);
  assert.deepEqual(p["blocks.0.attn.W_Q"].shape, [4, 64, 16]);
  assert.deepEqual(p["blocks.0.attn.W_O"].shape, [4, 16, 64]);
  assert.deepEqual(p["blocks.0.mlp.W_in"].shape, [64, 32]);
  assert.deepEqual(p["unembed.W_U"].shape, [64, 7]);
  const std = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  assert.ok(Math.abs(std(p["blocks.0.attn.W_Q"].data) - 1 / 8) < 0.01); // N(0, 1/d_model), 4,096 draws
  assert.ok(Math.abs(std(p["unembed.W_U"].data) - 1 / Math.sqrt(7)) < 0.04); // N(0, 1/C), 448 draws
  const fwd = model.forward(p, data.train);
  const pattern = fwd.cache["blocks.0.attn.hook_pattern"]; // [n, H, 1, T]: the last position's attention
  for (let r = 0; r < data.train.n * 4; r++) {
    const row = pattern.subarray(r * 3, r * 3 + 3);
    assert.ok(Math.abs(row[0] + row[1] + row[2] - 1) < 1e-6);
  }
});

test("transformer: bad configs and inputs get messages naming the key", () => {
  assert.throws(() => parseModelConfig({ name: "transformer", d_model: 30, heads: 4 }), /model\.heads: must divide d_model/);
  assert.throws(() => parseModelConfig({ name: "transformer", layers: 0 }), /model\.layers/);
  const dense = sparseParityDataset({ nBits: 6, kRelevant: 2, nTrain: 8, nTest: 8, bias: false, labelNoise: 0 }, keyFromSeed(1));
  assert.throws(() => createTransformer(cfg(), dense, createJsBackend()), /needs a token task/);
  const data = tinyPairs(5, 4, 1);
  const model = createTransformer(cfg(), data, createJsBackend());
  const bad = { n: 1, x: Int32Array.of(1, 9), y: Int32Array.of(0) };
  assert.throws(() => model.forward(model.init(keyFromSeed(1)), bad), /token id 9 is outside the vocabulary \[0, 5\)/);
  const short = { n: 2, x: Int32Array.of(1, 2, 3), y: Int32Array.of(0, 1) };
  assert.throws(() => model.forward(model.init(keyFromSeed(1)), short), /expected sequences of 2 tokens/);
});

/** Gains and biases of every LayerNorm set away from (1, 0). */
function perturbLayerNorms(params: Params): void {
  for (const [name, t] of Object.entries(params)) {
    if (!/ln/.test(name)) continue;
    for (let i = 0; i < t.data.length; i++) t.data[i] = (name.endsWith(".w") ? 1 : 0) + 0.3 * Math.sin(7 * i + name.length);
  }
}

/** The model written out naively for one sequence, every position, float64. */
function direct(params: Params, tokens: number[], c: TransformerConfig): number[] {
  const d = c.d_model, H = c.heads, e = d / H, T = tokens.length;
  const P = (name: string) => params[name].data;
  const ln = (x: number[], w: Float32Array, b: Float32Array) => {
    const mu = x.reduce((s, v) => s + v, 0) / d;
    const v = x.reduce((s, u) => s + (u - mu) ** 2, 0) / d;
    return x.map((u, j) => ((u - mu) / Math.sqrt(v + 1e-5)) * w[j] + b[j]);
  };
  const matvec = (x: number[], W: Float32Array, offset: number, rows: number, cols: number) =>
    Array.from({ length: cols }, (_, j) => x.reduce((s, u, r) => (r < rows ? s + u * W[offset + r * cols + j] : s), 0));
  let X = tokens.map((tok, t) => Array.from({ length: d }, (_, j) => P("embed.W_E")[tok * d + j] + P("pos_embed.W_pos")[t * d + j]));
  for (let l = 0; l < c.layers; l++) {
    const k = `blocks.${l}.`;
    const A = c.layer_norm ? X.map((x) => ln(x, P(k + "ln1.w"), P(k + "ln1.b"))) : X;
    const mid = X.map((x) => [...x]);
    for (let h = 0; h < H; h++) {
      const q = A.map((a) => matvec(a, P(k + "attn.W_Q"), h * d * e, d, e));
      const kk = A.map((a) => matvec(a, P(k + "attn.W_K"), h * d * e, d, e));
      const v = A.map((a) => matvec(a, P(k + "attn.W_V"), h * d * e, d, e));
      for (let s = 0; s < T; s++) {
        const sc = kk.slice(0, s + 1).map((kt) => kt.reduce((acc, u, j) => acc + u * q[s][j], 0) / Math.sqrt(e));
        const mx = Math.max(...sc), ex = sc.map((u) => Math.exp(u - mx)), sum = ex.reduce((a, b) => a + b, 0);
        const z = Array.from({ length: e }, (_, j) => ex.reduce((acc, w, t) => acc + (w / sum) * v[t][j], 0));
        const o = matvec(z, P(k + "attn.W_O"), h * e * d, e, d);
        for (let j = 0; j < d; j++) mid[s][j] += o[j];
      }
    }
    X = mid.map((x) => {
      const mIn = c.layer_norm ? ln(x, P(k + "ln2.w"), P(k + "ln2.b")) : x;
      const hid = matvec(mIn, P(k + "mlp.W_in"), 0, d, c.d_mlp).map((u, j) => Math.max(u + P(k + "mlp.b_in")[j], 0));
      const out = matvec(hid, P(k + "mlp.W_out"), 0, c.d_mlp, d);
      return x.map((u, j) => u + out[j] + P(k + "mlp.b_out")[j]);
    });
  }
  let f = X[T - 1];
  if (c.layer_norm) f = ln(f, P("ln_final.w"), P("ln_final.b"));
  const C = params["unembed.W_U"].shape[1];
  return matvec(f, P("unembed.W_U"), 0, d, C);
}
