import { createFiveNeuron } from "../helpers/models.js";
import { createEmbedMlp } from "../helpers/models.js";
import { createMlp } from "../helpers/models.js";
/** Pruning hidden neurons by per-neuron Fourier IPR (Doshi et al. 2024): which weights, which neurons, bad input. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { lowIprMask, neuronIprsOf, pruneApplies, pruneNeurons } from "../../src/measures/memorization/prune.js";
import { createGromov } from "../../src/models/gromov.js";
import type { Model } from "../../src/models/model.js";
import { sparseParityDataset } from "../../src/tasks/sparse-parity.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";
import { tinyPairs } from "../helpers/tiny-data.js";

const P = 13;
const data = tinyPairs(P, 40, 1);
const backend = createFloat64Backend(); // float64: the additivity check below is exact up to rounding of sums

/** Neurons 0, 3, 4, 8 (of 10) in the mask. */
const MASK = Uint8Array.of(1, 0, 0, 1, 1, 0, 0, 0, 1, 0);
const complement = (m: Uint8Array): Uint8Array => m.map((v) => 1 - v);

/**
 * A network that sums its hidden neurons' contributions (logits = Σ_k out_k(h_k) + bias) splits exactly: pruning a
 * set S and pruning its complement give logits that add up to the full network's plus the output bias once more.
 */
function assertAdditive(model: Model, params: Params, outBias: Float64Array | null): void {
  const logits = (p: Params) => Float64Array.from(model.forward(p, data.train).logits);
  const full = logits(params);
  const a = logits(pruneNeurons(model.name, params, MASK));
  const b = logits(pruneNeurons(model.name, params, complement(MASK)));
  const C = model.nOut;
  let worst = 0, scale = 0;
  for (let i = 0; i < full.length; i++) {
    const d = a[i] + b[i] - full[i] - (outBias ? outBias[i % C] : 0);
    worst = Math.max(worst, Math.abs(d));
    scale = Math.max(scale, Math.abs(full[i]));
  }
  assert.ok(worst <= 1e-12 * Math.max(1, scale), `${model.name}: pruned halves do not add up (max error ${worst})`);
  assert.notDeepEqual(a, full, "pruning changes the output");
}

test("gromov: a neuron's row of U and V and column of W are zeroed; pruned halves add up to the full network", () => {
  const model = createGromov({ width: 10, init_scale: 1 }, data, backend);
  const params = model.init(keyFromSeed(1));
  const before = params.U.data.slice();
  const pruned = pruneNeurons("gromov", params, MASK);
  assert.deepEqual(params.U.data, before, "the input params are not modified");
  for (let k = 0; k < 10; k++) {
    const zero = MASK[k] === 1;
    assert.equal(pruned.U.data.slice(k * P, (k + 1) * P).every((v) => v === 0), zero, `U row ${k}`);
    assert.equal(pruned.V.data.slice(k * P, (k + 1) * P).every((v) => v === 0), zero, `V row ${k}`);
    for (let c = 0; c < P; c++) assert.equal(pruned.W.data[c * 10 + k] === 0, zero, `W[${c}, ${k}]`);
  }
  assertAdditive(model, params, null);
  assert.throws(() => pruneNeurons("gromov", params, new Uint8Array(9)), /mask has 9 entries, model "gromov" has 10 neurons/);
});

test("mlp (one and two hidden layers, with biases) and embed_mlp: pruned halves add up to the full network", () => {
  for (const depth of [1, 2]) {
    const model = createMlp({ depth, width: 10, activation: "relu", bias: true, init_scale: 1 }, data, backend);
    const params = model.init(keyFromSeed(2));
    const pruned = pruneNeurons("mlp", params, MASK);
    assert.equal(pruned.b_0.data[0], 0);
    assert.notEqual(pruned.b_0.data[1], 0);
    if (depth === 1) assertAdditive(model, params, Float64Array.from(params.b_out.data));
  }
  // depth 2: the second layer mixes the neurons nonlinearly, so check the zeroed weights instead
  const deep = createMlp({ depth: 2, width: 10, activation: "relu", bias: true, init_scale: 1 }, data, backend);
  const dp = pruneNeurons("mlp", deep.init(keyFromSeed(3)), MASK);
  for (let k = 0; k < 10; k++) {
    assert.equal(dp.W_1.data.slice(k * 10, (k + 1) * 10).every((v) => v === 0), MASK[k] === 1, `W_1 row ${k}`);
    let colZero = true;
    for (let r = 0; r < 2 * P; r++) colZero &&= dp.W_0.data[r * 10 + k] === 0;
    assert.equal(colZero, MASK[k] === 1, `W_0 column ${k}`);
  }
  const embed = createEmbedMlp({ d_embed: 6, width: 10, activation: "relu", tied_unembed: true, init_scale: 1, embed_init: "normal" }, data, backend);
  assertAdditive(embed, embed.init(keyFromSeed(4)), null);
});

test("per-neuron IPR: a neuron whose input weights are one cosine scores 1, a random one far less; NaN neurons are kept", () => {
  const model = createGromov({ width: 4, init_scale: 1 }, data, backend);
  const params = model.init(keyFromSeed(5));
  for (let n = 0; n < P; n++) {
    params.U.data[n] = Math.cos((2 * Math.PI * 3 * n) / P + 0.4); // neuron 0: frequency 3
    params.U.data[P + n] = 2 * Math.sin((2 * Math.PI * 5 * n) / P); // neuron 1: frequency 5
  }
  params.U.data.fill(0, 3 * P, 4 * P); // neuron 3: all zero
  const iprs = neuronIprsOf(model, params, data);
  assert.ok(Math.abs(iprs[0] - 1) < 1e-12 && Math.abs(iprs[1] - 1) < 1e-12, `${iprs[0]}, ${iprs[1]}`);
  assert.ok(iprs[2] < 0.6, `random neuron: ${iprs[2]}`);
  assert.ok(Number.isNaN(iprs[3]));
  assert.deepEqual([...lowIprMask(iprs, 0.99)], [0, 0, 1, 0]);
});

test("models and tasks without a per-neuron Fourier IPR are refused with the reason", () => {
  const five = createFiveNeuron({ neurons: 5, init_scale: 1 }, data, backend);
  assert.match(pruneApplies(five, data) ?? "", /model "five_neuron" has no neurons with a per-neuron Fourier IPR .*fixed circle embedding/);
  assert.throws(() => neuronIprsOf(five, five.init(keyFromSeed(1)), data), /^Error: prune: model "five_neuron"/);
  assert.throws(() => pruneNeurons("five_neuron", five.init(keyFromSeed(1)), new Uint8Array(5)), /has no neurons to prune/);
  const parity = sparseParityDataset({ nTrain: 20, nTest: 10 }, keyFromSeed(1));
  const mlp = createMlp({ depth: 1, width: 8, activation: "relu", bias: true, init_scale: 1 }, parity, backend);
  assert.match(pruneApplies(mlp, parity) ?? "", /needs a modular-arithmetic task/);
});
