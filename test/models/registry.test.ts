import { test } from "node:test";
import assert from "node:assert/strict";
import { buildModel, MODEL_NAMES, MODEL_REGISTRY, parseModelConfig } from "../../src/models/registry.js";
import type { DenseDataset, TokenDataset } from "../../src/tasks/dataset.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { keyFromSeed, randint } from "../../src/tensor/rng.js";

function pairs(p: number, n: number): TokenDataset {
  const key = keyFromSeed(1);
  const x = new Int32Array(2 * n), y = new Int32Array(n);
  for (let i = 0; i < 2 * n; i++) x[i] = randint(key, i, p);
  for (let i = 0; i < n; i++) y[i] = (x[2 * i] + x[2 * i + 1]) % p;
  const split = { n, x, y };
  return { kind: "tokens", name: "pairs", vocab: p, seqLen: 2, nClasses: p, train: split, test: split, meta: { p } };
}

test("model registry: every name has a factory, and a bare name gets the documented defaults", () => {
  assert.deepEqual(Object.keys(MODEL_REGISTRY).sort(), [...MODEL_NAMES].sort());
  for (const name of MODEL_NAMES) assert.ok(MODEL_REGISTRY[name].describe.length > 10 && !MODEL_REGISTRY[name].describe.includes("\n"), name);
  assert.deepEqual(parseModelConfig({ name: "mlp" }), { name: "mlp", depth: 1, width: 64, activation: "relu", bias: true, init_scale: 1, init: "pytorch", dropout: 0, single_logit: false });
  assert.deepEqual(parseModelConfig({ name: "embed_mlp" }), {
    name: "embed_mlp", d_embed: 500, width: 24, activation: "relu", tied_unembed: true, init_scale: 1, embed_init: "variance_scaling", init_draw: "normal", dropout: 0,
  });
  assert.deepEqual(parseModelConfig({ name: "five_neuron" }), { name: "five_neuron", neurons: 5, init_scale: 1 });
  assert.deepEqual(parseModelConfig({ name: "gromov", width: 64 }), { name: "gromov", width: 64, init_scale: 1 });
  assert.deepEqual(parseModelConfig({ name: "transformer" }), {
    name: "transformer", layers: 1, d_model: 128, heads: 4, d_mlp: 512, layer_norm: false, eq_token: true, init_scale: 1, dropout: 0,
  });
});

test("model registry: bad configs fail with the offending key named", () => {
  assert.throws(() => parseModelConfig({ name: "mlp", widht: 3 }), /^Error: model\.widht: unknown key for model "mlp"/);
  assert.throws(() => parseModelConfig({ name: "mlp", width: 0 }), /^Error: model\.width: /);
  assert.throws(() => parseModelConfig({ name: "mlp", depth: 1.5 }), /^Error: model\.depth: must be an integer/);
  assert.throws(() => parseModelConfig({ name: "mlp", activation: "sigmoid" }), /^Error: model\.activation: /);
  assert.throws(() => parseModelConfig({ name: "embed_mlp", embed_init: "xavier" }), /^Error: model\.embed_init: /);
  assert.throws(() => parseModelConfig({ name: "gromov", init_scale: -1 }), /^Error: model\.init_scale: /);
  assert.throws(() => parseModelConfig({ name: "lstm" }), /^Error: model\.name: unknown model "lstm"/);
  assert.throws(() => parseModelConfig({ name: "transformer", d_model: 10, heads: 4 }), /^Error: model\.heads: must divide d_model/);
  assert.throws(() => parseModelConfig("mlp"), /^Error: model: must be an object/);
});

test("model registry: buildModel builds each model, whose forward gives finite logits of the task's shape", () => {
  const backend = createJsBackend();
  const data = pairs(7, 5);
  const dense: DenseDataset = { kind: "dense", name: "d", dim: 4, nClasses: 2, train: { n: 3, x: new Float32Array(12).fill(1), y: new Int32Array(3) }, test: { n: 3, x: new Float32Array(12), y: new Int32Array(3) }, meta: {} };
  const cases = [
    [{ name: "gromov", width: 8 }, data],
    [{ name: "mlp", width: 8, depth: 2, activation: "gelu" }, data],
    [{ name: "mlp", width: 8 }, dense],
    [{ name: "embed_mlp", d_embed: 6, width: 4 }, data],
    [{ name: "embed_mlp", d_embed: 6, width: 4, tied_unembed: false, embed_init: "normal" }, data],
    [{ name: "five_neuron" }, data],
    [{ name: "transformer", d_model: 8, heads: 2, d_mlp: 8, layers: 2, layer_norm: true }, data],
  ] as const;
  for (const [config, d] of cases) {
    const model = buildModel(config, d, backend);
    assert.equal(model.name, config.name);
    const z = model.forward(model.init(keyFromSeed(2)), d.train).logits;
    assert.equal(z.length, d.train.n * d.nClasses);
    assert.ok(z.every(Number.isFinite), JSON.stringify(config));
  }
});
