import { createMlp } from "../helpers/models.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACTIVATIONS, type Activation } from "../../src/tensor/kernels/activations.js";
import { type MlpConfig } from "../../src/models/mlp.js";
import type { DenseDataset, TokenDataset } from "../../src/tasks/dataset.js";
import { fold, keyFromSeed, normals, randint } from "../../src/tensor/rng.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { gradcheck } from "../helpers/gradcheck.js";
import { softmaxCrossEntropy } from "../../src/train/losses.js";

function tinyDense(dim: number, nClasses: number, n: number, seed: number): DenseDataset {
  const key = keyFromSeed(seed);
  const x = normals(fold(key, "x"), n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = randint(fold(key, "y"), i, nClasses);
  const split = { n, x, y };
  return { kind: "dense", name: "tiny-dense", dim, nClasses, train: split, test: split, meta: {} };
}

function tinyTokens(vocab: number, seqLen: number, n: number, seed: number): TokenDataset {
  const key = keyFromSeed(seed);
  const x = new Int32Array(seqLen * n), y = new Int32Array(n);
  for (let i = 0; i < seqLen * n; i++) x[i] = randint(key, i, vocab);
  for (let i = 0; i < n; i++) y[i] = x[i * seqLen] % vocab;
  const split = { n, x, y };
  return { kind: "tokens", name: "tiny-tokens", vocab, seqLen, nClasses: vocab, train: split, test: split, meta: {} };
}

const cfg = (over: Partial<MlpConfig> = {}): MlpConfig => ({ depth: 2, width: 5, activation: "relu", bias: true, init_scale: 1, init: "pytorch", dropout: 0, single_logit: false, ...over });

/** The MLP written out with plain loops: h = f(h W + b) per layer, logits = h W_out + b_out. */
function directMlp(params: Record<string, { shape: readonly number[]; data: Float32Array }>, x: Float64Array, dIn: number, c: MlpConfig): Float64Array {
  const f = (v: number): number => ({ relu: Math.max(v, 0), gelu: 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))), tanh: Math.tanh(v), square: v * v })[c.activation];
  const layer = (h: Float64Array, W: Float32Array, b: Float32Array | undefined, rows: number, cols: number, act: boolean): Float64Array => {
    const out = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      let s = b ? b[j] : 0;
      for (let r = 0; r < rows; r++) s += h[r] * W[r * cols + j];
      out[j] = act ? f(s) : s;
    }
    return out;
  };
  let h = x, rows = dIn;
  for (let l = 0; l < c.depth; l++) {
    h = layer(h, params[`W_${l}`].data, params[`b_${l}`]?.data, rows, c.width, true);
    rows = c.width;
  }
  return layer(h, params.W_out.data, params.b_out?.data, rows, params.W_out.shape[1], false);
}

for (const activation of ACTIVATIONS) {
  test(`mlp (dense, ${activation}): backward matches float64 finite differences`, () => {
    const data = tinyDense(6, 3, 9, 1);
    const model = createMlp(cfg({ activation }), data, createFloat64Backend());
    const params = model.init(keyFromSeed(2));
    assert.deepEqual(Object.keys(params), ["W_0", "b_0", "W_1", "b_1", "W_out", "b_out"]);
    gradcheck(model, params, data.train, keyFromSeed(3));
  });
}

test("mlp (tokens, gelu, depth 2): backward of the gathered one-hot layer matches finite differences", () => {
  const data = tinyTokens(5, 3, 11, 4);
  const model = createMlp(cfg({ activation: "gelu" }), data, createFloat64Backend());
  const params = model.init(keyFromSeed(5));
  assert.deepEqual(params.W_0.shape, [15, 5]);
  gradcheck(model, params, data.train, keyFromSeed(6), { maxCoords: 100 });
});

test("mlp (tokens, relu, depth 1, no bias): backward matches finite differences", () => {
  const data = tinyTokens(4, 2, 10, 7);
  const model = createMlp(cfg({ depth: 1, bias: false }), data, createFloat64Backend());
  const params = model.init(keyFromSeed(8));
  assert.deepEqual(Object.keys(params), ["W_0", "W_out"]);
  gradcheck(model, params, data.train, keyFromSeed(9));
});

for (const activation of ["tanh", "gelu"] as Activation[]) {
  test(`mlp (dense, ${activation}): logits and hook points equal the layers computed directly`, () => {
    const c = cfg({ activation, depth: 2, width: 4 });
    const data = tinyDense(3, 2, 5, 10);
    const model = createMlp(c, data, createFloat64Backend());
    const params = model.init(keyFromSeed(11));
    const fwd = model.forward(params, data.train);
    assert.deepEqual(Object.keys(fwd.cache).sort(), ["hook_post_0", "hook_post_1", "hook_pre_0", "hook_pre_1"]);
    for (let i = 0; i < 5; i++) {
      const want = directMlp(params, Float64Array.from(data.train.x.subarray(3 * i, 3 * i + 3)), 3, c);
      for (let q = 0; q < 2; q++) assert.ok(Math.abs(fwd.logits[2 * i + q] - want[q]) < 1e-12, `logit [${i},${q}]`);
    }
    const f = (v: number) => (activation === "tanh" ? Math.tanh(v) : 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
    fwd.cache.hook_pre_1.forEach((v, i) => assert.ok(Math.abs(fwd.cache.hook_post_1[i] - f(v)) < 1e-15));
  });
}

test("mlp (tokens): the gathered first layer equals the MLP on concatenated one-hot vectors", () => {
  const c = cfg({ activation: "square", depth: 2, width: 3 });
  const vocab = 4, seqLen = 2;
  const data = tinyTokens(vocab, seqLen, 6, 12);
  const model = createMlp(c, data, createFloat64Backend());
  const params = model.init(keyFromSeed(13));
  const z = model.forward(params, data.train).logits;
  for (let i = 0; i < 6; i++) {
    const onehot = new Float64Array(seqLen * vocab);
    for (let j = 0; j < seqLen; j++) onehot[j * vocab + data.train.x[i * seqLen + j]] = 1;
    const want = directMlp(params, onehot, seqLen * vocab, c);
    for (let q = 0; q < vocab; q++) assert.ok(Math.abs(z[i * vocab + q] - want[q]) < 1e-12, `logit [${i},${q}]`);
  }
});

test("mlp: init is PyTorch's nn.Linear default, U(±α/√fan_in) for weights and biases", () => {
  const alpha = 3;
  const data = tinyDense(400, 2, 1, 14);
  const model = createMlp(cfg({ depth: 2, width: 300, init_scale: alpha }), data, createFloat64Backend());
  const params = model.init(keyFromSeed(15));
  for (const [name, fan] of [["W_0", 400], ["b_0", 400], ["W_1", 300], ["b_1", 300], ["W_out", 300]] as const) {
    const bound = alpha / Math.sqrt(fan), d = params[name].data;
    let max = 0, sq = 0, sum = 0;
    for (const v of d) { max = Math.max(max, Math.abs(v)); sq += v * v; sum += v; }
    assert.ok(max <= bound && max > 0.9 * bound, `${name}: max |w| ${max} vs bound ${bound}`);
    if (d.length > 1000) {
      // U(−B, B) has mean 0 and variance B²/3; with n ≥ 1.2e5 draws the sample variance is within 1% (≈ 4 sd)
      assert.ok(Math.abs(sq / d.length / (bound * bound / 3) - 1) < 0.01, `${name}: variance`);
      assert.ok(Math.abs(sum / d.length) < 4 * bound / Math.sqrt(3 * d.length), `${name}: mean`);
    }
  }
  // a different key gives different weights; the same key the same ones
  assert.notDeepEqual(params.W_1.data, model.init(keyFromSeed(16)).W_1.data);
  assert.deepEqual(params.W_1.data, model.init(keyFromSeed(15)).W_1.data);
});

test("mlp: init haiku is hk.Linear's default, N(0, α²/fan_in) cut at ±2σ for weights, zero biases", () => {
  const alpha = 3;
  const data = tinyDense(400, 2, 1, 14);
  const params = createMlp(cfg({ depth: 2, width: 300, init_scale: alpha, init: "haiku" }), data, createFloat64Backend()).init(keyFromSeed(15));
  for (const [name, fan] of [["W_0", 400], ["W_1", 300]] as const) {
    const sigma = alpha / Math.sqrt(fan), d = params[name].data;
    let max = 0, sq = 0;
    for (const v of d) { max = Math.max(max, Math.abs(v)); sq += v * v; }
    assert.ok(max <= 2 * sigma * (1 + 1e-6) && max > 1.99 * sigma, `${name}: max |w| ${max} vs 2σ ${2 * sigma}`);
    // variance 0.7737σ² (the ±2σ truncated normal's); n ≥ 9e4 draws: within 1.5% (≈ 3 sd)
    assert.ok(Math.abs(sq / d.length / (0.87962566103423978 * sigma) ** 2 - 1) < 0.015, `${name}: variance`);
  }
  for (const name of ["b_0", "b_1", "b_out"]) assert.ok(params[name].data.every((v) => v === 0), `${name}: zero`);
});

test("mlp single_logit: W_out is one column, the logits are (0, z), their cross-entropy is the sigmoid's, and the backward matches finite differences", () => {
  const c = cfg({ depth: 1, width: 6, single_logit: true });
  const data = tinyDense(4, 2, 9, 21);
  const model = createMlp(c, data, createFloat64Backend());
  const params = model.init(keyFromSeed(22));
  assert.deepEqual(params.W_out.shape, [6, 1]);
  assert.deepEqual(params.b_out.shape, [1]);
  assert.equal(model.nOut, 2);
  const logits = model.forward(params, data.train).logits;
  let bce = 0;
  for (let i = 0; i < 9; i++) {
    const z = directMlp(params, Float64Array.from(data.train.x.subarray(4 * i, 4 * i + 4)), 4, c)[0];
    assert.equal(logits[2 * i], 0, `row ${i}: class 0's logit`);
    assert.ok(Math.abs(logits[2 * i + 1] - z) < 1e-12, `row ${i}: class 1's logit is z`);
    bce += Math.log1p(Math.exp(-(2 * data.train.y[i] - 1) * z)); // −log σ(±z)
  }
  const ce = softmaxCrossEntropy(logits, data.train.y, 2).loss;
  assert.ok(Math.abs(ce - bce / 9) < 1e-12, `cross-entropy ${ce} vs binary cross-entropy ${bce / 9}`);
  gradcheck(model, params, data.train, keyFromSeed(23));
});

test("mlp single_logit: a task with other than two classes is rejected, naming the key", () => {
  assert.throws(() => createMlp(cfg({ single_logit: true }), tinyDense(3, 3, 2, 1), createFloat64Backend()), /single_logit needs a two-class task/);
});

test("mlp: bad depth or width is rejected with the key named", () => {
  const data = tinyDense(3, 2, 2, 1);
  assert.throws(() => createMlp(cfg({ depth: 0 }), data, createFloat64Backend()), /depth/);
  assert.throws(() => createMlp(cfg({ width: 2.5 }), data, createFloat64Backend()), /width/);
});
