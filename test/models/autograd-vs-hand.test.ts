/**
 * The models are written forward-only and differentiated by the autograd tape. These tests hold them to the
 * hand-derived implementations they replaced (test/models/hand/, kept as references): same parameters, and
 * bit-identical logits and gradients on the reference kernels and on the WebAssembly kernels with one and two
 * threads — so every reproduction measured with the hand-derived models stands. The hand-fused gromov path, still
 * used for training, is checked the other way round: against the autograd definition, to the tolerances.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { buildModel } from "../../src/models/registry.js";
import { createGromov } from "../../src/models/gromov.js";
import type { Model } from "../../src/models/model.js";
import type { Dataset } from "../../src/tasks/dataset.js";
import type { Backend } from "../../src/tensor/backend.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { createWasmBackend } from "../../src/tensor/wasm/backend-wasm.js";
import { spawnNodeWorker } from "../../src/tensor/wasm/node-threads.js";
import { fold, keyFromSeed, normals } from "../../src/tensor/rng.js";
import { zerosLike, type Params } from "../../src/tensor/tensor.js";
import { sparseParityDataset } from "../../src/tasks/sparse-parity.js";
import { createMlp as handMlp } from "./hand/mlp.js";
import { createEmbedMlp as handEmbedMlp } from "./hand/embed-mlp.js";
import { createFiveNeuron as handFiveNeuron } from "./hand/five-neuron.js";
import { createTransformer as handTransformer } from "./hand/transformer.js";
import { tinyPairs } from "../helpers/tiny-data.js";

const pairs = tinyPairs(11, 40, 3);
const parity = sparseParityDataset({ nBits: 10, kRelevant: 3, nTrain: 64, nTest: 16, bias: false, labelNoise: 0 }, keyFromSeed(2));

interface Case {
  readonly label: string;
  readonly data: Dataset;
  readonly config: Record<string, unknown> & { name: string };
  readonly hand: (b: Backend) => Model;
}

const cases: Case[] = [
  { label: "mlp, dense inputs, 2 layers", data: parity, config: { name: "mlp", depth: 2, width: 16 }, hand: (b) => handMlp({ depth: 2, width: 16, activation: "relu", bias: true, initScale: 1 }, parity, b) },
  { label: "mlp, token inputs, no bias", data: pairs, config: { name: "mlp", width: 12, bias: false }, hand: (b) => handMlp({ depth: 1, width: 12, activation: "relu", bias: false, initScale: 1 }, pairs, b) },
  { label: "embed_mlp, tied", data: pairs, config: { name: "embed_mlp", d_embed: 10, width: 6 }, hand: (b) => handEmbedMlp({ dEmbed: 10, width: 6, activation: "relu", tiedUnembed: true, initScale: 1, embedInit: "variance_scaling" }, pairs, b) },
  { label: "embed_mlp, untied", data: pairs, config: { name: "embed_mlp", d_embed: 10, width: 6, tied_unembed: false }, hand: (b) => handEmbedMlp({ dEmbed: 10, width: 6, activation: "relu", tiedUnembed: false, initScale: 1, embedInit: "variance_scaling" }, pairs, b) },
  { label: "five_neuron", data: pairs, config: { name: "five_neuron" }, hand: (b) => handFiveNeuron({ neurons: 5, initScale: 1 }, pairs, b) },
  { label: "transformer, 1 layer", data: pairs, config: { name: "transformer", d_model: 16, heads: 4, d_mlp: 32 }, hand: (b) => handTransformer({ layers: 1, dModel: 16, heads: 4, dMlp: 32, layerNorm: false, eqToken: true, initScale: 1 }, pairs, b) },
  { label: "transformer, 2 layers, LayerNorm, no =", data: pairs, config: { name: "transformer", layers: 2, d_model: 16, heads: 2, d_mlp: 24, layer_norm: true, eq_token: false }, hand: (b) => handTransformer({ layers: 2, dModel: 16, heads: 2, dMlp: 24, layerNorm: true, eqToken: false, initScale: 1 }, pairs, b) },
];

/** Logits and gradients of a model at its seed-1 init, for dLogits drawn from a fixed key. */
function logitsAndGrads(model: Model, data: Dataset, backend: Backend): { params: Params; logits: Float32Array; grads: Params } {
  const params = model.init(keyFromSeed(1));
  const fwd = model.forward(params, data.train);
  const logits = fwd.logits.slice();
  const dLogits = backend.alloc(logits.length);
  dLogits.set(normals(fold(keyFromSeed(1), "dLogits"), logits.length));
  const grads = zerosLike(params, (n) => backend.alloc(n));
  model.backward(params, data.train, fwd, dLogits, grads);
  return { params, logits, grads };
}

const bits = (x: Float32Array) => Array.from(new Uint32Array(Float32Array.from(x).buffer));

const backends: Array<[string, () => Promise<Backend>]> = [
  ["js", async () => createJsBackend()],
  ["wasm×1", () => createWasmBackend({ threads: 1 })],
  ["wasm×2", () => createWasmBackend({ threads: 2, spawnWorker: spawnNodeWorker, minParallelWork: 0 })],
];
const opened: Backend[] = [];
after(() => opened.forEach((b) => b.dispose()));

for (const [bname, make] of backends) {
  test(`autograd models equal the hand-derived ones bit for bit (${bname}: init, logits, every gradient)`, async () => {
    const backend = await make();
    opened.push(backend);
    for (const c of cases) {
      const ours = logitsAndGrads(buildModel(c.config, c.data, backend), c.data, backend);
      const ref = logitsAndGrads(c.hand(backend), c.data, backend);
      assert.deepEqual(Object.keys(ours.params), Object.keys(ref.params), `${c.label}: parameter names and order`);
      for (const k of Object.keys(ref.params)) assert.deepEqual(bits(ours.params[k].data), bits(ref.params[k].data), `${c.label}: init of ${k}`);
      assert.deepEqual(bits(ours.logits), bits(ref.logits), `${c.label}: logits`);
      for (const k of Object.keys(ref.grads)) assert.deepEqual(bits(ours.grads[k].data), bits(ref.grads[k].data), `${c.label}: gradient of ${k}`);
    }
  });
}

test("the hand-fused gromov path matches the autograd gromov: float32 ≤ 1e-5 relative, float64 ≤ 1e-10", async () => {
  const data = tinyPairs(13, 60, 4);
  const wasm = await createWasmBackend({ threads: 1 });
  opened.push(wasm);
  for (const [backend, tol] of [[createJsBackend(), 1e-5], [wasm, 1e-5], [createFloat64Backend(), 1e-10]] as const) {
    const fused = logitsAndGrads(createGromov({ width: 24, init_scale: 1 }, data, backend), data, backend);
    const auto = logitsAndGrads(buildModel({ name: "gromov", width: 24 }, data, backend, { autograd: true }), data, backend);
    const rel = (a: Float32Array, b: Float32Array) => {
      let num = 0, den = 0;
      for (let i = 0; i < a.length; i++) {
        num = Math.max(num, Math.abs(a[i] - b[i]));
        den = Math.max(den, Math.abs(b[i]));
      }
      return num / den;
    };
    for (const k of ["U", "V", "W"]) assert.deepEqual(bits(fused.params[k].data), bits(auto.params[k].data), `init of ${k}`);
    assert.ok(rel(fused.logits, auto.logits) <= tol, `${backend.name}: logits differ by ${rel(fused.logits, auto.logits)}`);
    for (const k of ["U", "V", "W"]) {
      const r = rel(fused.grads[k].data, auto.grads[k].data);
      assert.ok(r <= tol, `${backend.name}: gradient of ${k} differs by ${r} (relative to its largest entry)`);
    }
  }
});
