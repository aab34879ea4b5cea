/** Interventions (src/autograd/interventions.ts): forward values against their definitions, VJPs against float64 finite differences. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ad from "../../src/autograd/index.js";
import { Graph, gradCheck, type Intervention, type Var } from "../../src/autograd/index.js";
import { captureHooks, hookShapes, meanAblation, orthonormalRows, patch, zeroAblation } from "../../src/autograd/interventions.js";
import { embeddingFourierDirections, neuronFrequencies, neuronsOfFrequencies } from "../../src/measures/fourier/frequency-units.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { fold, keyFromSeed, normals } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";
import { createGromovAutograd, createTransformer } from "../helpers/models.js";
import { tinyPairs } from "../helpers/tiny-data.js";

const f64 = createFloat64Backend();
const key = keyFromSeed(5);
const R = 4, D = 6;

function matrix(name: string, rows: number, cols: number): Float64Array {
  return Float64Array.from(normals(fold(key, name), rows * cols));
}

/** Applies an intervention to a constant [R, D] value and returns its output. */
function apply(f: Intervention, x: Float64Array): Float64Array {
  const g = new Graph(f64);
  g.begin();
  const v = g.constant([x.length / D, D], Float64Array.from(x) as unknown as Float32Array);
  return Float64Array.from(f(g, v, "h").data);
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

/** x with columns `cols` replaced per row by `r(i, j)`. */
function replaced(x: Float64Array, cols: number[], r: (i: number, j: number) => number): Float64Array {
  const y = x.slice();
  for (let i = 0; i < x.length / D; i++) for (const j of cols) y[i * D + j] = r(i, j);
  return y;
}

test("zero ablation of neurons, of heads and keep mode set exactly the selected columns to 0", () => {
  const x = matrix("x", R, D);
  close(apply(zeroAblation({ neurons: [1, 4] }), x), replaced(x, [1, 4], () => 0));
  close(apply(zeroAblation({ neurons: [1, 4], keep: true }), x), replaced(x, [0, 2, 3, 5], () => 0));
  close(apply(zeroAblation({ heads: [1], dHead: 2 }), x), replaced(x, [2, 3], () => 0));
  close(apply(zeroAblation({ heads: [0, 2], dHead: 2, keep: true }), x), replaced(x, [2, 3], () => 0));
  close(apply(zeroAblation({ all: true }), x), new Float64Array(R * D));
  close(apply(zeroAblation({ neurons: [], keep: true }), x), new Float64Array(R * D));
});

test("mean ablation: a given mean (per ablated unit or a full row) and the batch mean", () => {
  const x = matrix("x", R, D);
  close(apply(meanAblation({ neurons: [0, 3] }, [7, -2]), x), replaced(x, [0, 3], (_i, j) => (j === 0 ? 7 : -2)));
  const row = [1, 2, 3, 4, 5, 6];
  close(apply(meanAblation({ neurons: [2], keep: true }, row), x), replaced(x, [0, 1, 3, 4, 5], (_i, j) => row[j]));
  const colMean = (j: number) => [0, 1, 2, 3].reduce((s, i) => s + x[i * D + j], 0) / R;
  close(apply(meanAblation({ heads: [2], dHead: 2 }), x), replaced(x, [4, 5], (_i, j) => colMean(j)), 1e-12);
  assert.throws(() => apply(meanAblation({ neurons: [0, 3] }, [1, 2, 3]), x), /mean: 3 values for the neurons of hook "h": give 6 \(a full row\) or one per ablated unit \(2\)/);
});

test("direction ablation removes the span (x − Px), keep mode keeps only it (Px); dependent directions change nothing", () => {
  const x = matrix("x", R, D);
  const u = Float64Array.from([1, 1, 0, 0, 0, 0]), w = Float64Array.from([0, 1, 0, 1, 0, 0]);
  // P onto span{u, w}: orthonormal basis q1 = u/√2, q2 = (w − (w·q1)q1)/‖·‖ = (−1, 1, 0, 2, 0, 0)/√6
  const q1 = [1, 1, 0, 0, 0, 0].map((v) => v / Math.SQRT2), q2 = [-1, 1, 0, 2, 0, 0].map((v) => v / Math.sqrt(6));
  const Px = new Float64Array(R * D);
  for (let i = 0; i < R; i++) {
    for (const q of [q1, q2]) {
      const dot = q.reduce((s, qj, j) => s + qj * x[i * D + j], 0);
      for (let j = 0; j < D; j++) Px[i * D + j] += dot * q[j];
    }
  }
  const dirs = Float64Array.from([...u, ...w]);
  close(apply(zeroAblation({ directions: dirs }), x), x.map((v, i) => v - Px[i]), 1e-12);
  close(apply(zeroAblation({ directions: dirs, keep: true }), x), Px, 1e-12);
  const redundant = Float64Array.from([...u, ...w, ...u.map((v, j) => 2 * v - 3 * w[j])]);
  close(apply(zeroAblation({ directions: redundant }), x), x.map((v, i) => v - Px[i]), 1e-12);
  assert.equal(orthonormalRows(redundant, D).m, 2);
  // mean ablation of a span: the component in the span becomes the mean's
  const mu = Float64Array.from([3, -1, 2, 0, 5, 1]);
  const Pmu = [q1, q2].reduce((acc, q) => acc.map((a, j) => a + q.reduce((s, qk, k) => s + qk * mu[k], 0) * q[j]), new Float64Array(D));
  close(apply(meanAblation({ directions: dirs }, mu), x), x.map((v, i) => v - Px[i] + Pmu[i % D]), 1e-12);
});

test("patching replaces the selected units by the given values; shape and index errors name the hook", () => {
  const x = matrix("x", R, D), other = matrix("other", R, D);
  close(apply(patch(other, { neurons: [5] }), x), replaced(x, [5], (i) => other[i * D + 5]));
  close(apply(patch(other, { all: true }), x), other);
  assert.throws(() => apply(patch(other.subarray(0, D), { all: true }), x), /patch: the values hold 6 numbers, hook "h" has 24/);
  assert.throws(() => apply(zeroAblation({ neurons: [6] }), x), /neuron 6 is out of range for hook "h" \(6 units: 0 … 5\)/);
  assert.throws(() => apply(zeroAblation({ heads: [3], dHead: 2 }), x), /head 3 is out of range for hook "h" \(3 heads of 2 columns/);
  assert.throws(() => apply(zeroAblation({ directions: [1, 2, 3, 4] }), x), /directions: 4 values are not rows of length 6/);
});

/** VJP checks: the intervention sits between two parameter-dependent ops, so gradients flow through and around it. */
const cases: Array<[string, (g: Graph, x: Var) => Var]> = [
  ["zero ablation of neurons", (g, x) => zeroAblation({ neurons: [0, 2] })(g, x, "h")],
  ["zero ablation, keep mode", (g, x) => zeroAblation({ neurons: [0, 2], keep: true })(g, x, "h")],
  ["zero ablation of heads", (g, x) => zeroAblation({ heads: [1], dHead: 3 })(g, x, "h")],
  ["zero ablation of directions", (g, x) => zeroAblation({ directions: matrix("dirs", 2, D) })(g, x, "h")],
  ["keep only directions", (g, x) => zeroAblation({ directions: matrix("dirs", 2, D), keep: true })(g, x, "h")],
  ["mean ablation with a given mean", (g, x) => meanAblation({ neurons: [1, 5] }, [0.5, -1])(g, x, "h")],
  ["mean ablation with the batch mean", (g, x) => meanAblation({ neurons: [1, 5] })(g, x, "h")],
  ["batch-mean ablation of directions, keep mode", (g, x) => meanAblation({ directions: matrix("dirs", 2, D), keep: true })(g, x, "h")],
  ["patching", (g, x) => patch(matrix("other", R, D), { neurons: [3] })(g, x, "h")],
];
for (const [name, f] of cases) {
  test(`VJP of ${name} matches float64 finite differences`, () => {
    const inputs: Params = {};
    for (const [n, shape] of [["a", [R, D]], ["W", [D, D]]] as const) inputs[n] = { shape: [...shape], data: Float64Array.from(normals(fold(key, `in/${n}`), shape[0] * shape[1])) as unknown as Float32Array };
    // y = f(a ∘ a) W: the intervention's input and output both depend on parameters
    const worst = gradCheck(f64, inputs, (g, p) => ad.matmul(g, f(g, ad.mul(g, p.a, p.a)), p.W), fold(key, name));
    assert.ok(worst <= 1e-7, `${name}: ${worst}`);
  });
}

test("through a model: ablated neurons get no gradient, patching every unit reproduces the source, hooks are listed", () => {
  const data = tinyPairs(7, 20, 3);
  const model = createGromovAutograd({ width: 8 }, data, f64);
  const params = model.init(keyFromSeed(1));
  const hooks = new Map([["hook_post", zeroAblation({ neurons: [2, 5] })]]);
  const fwd = model.forward(params, data.train, { interventions: hooks });
  for (let i = 0; i < data.train.n; i++) for (const k of [2, 5]) assert.equal(fwd.cache.hook_post[i * 8 + k], 0, "the hook records the intervened value");
  const grads: Params = Object.fromEntries(Object.entries(params).map(([n, t]) => [n, { shape: t.shape, data: f64.alloc(t.data.length) }]));
  model.backward(params, data.train, fwd, fwd.logits.map((v) => v) as Float32Array, grads);
  for (const k of [2, 5]) {
    assert.ok(grads.U.data.subarray(k * 7, (k + 1) * 7).every((v) => v === 0), `dU row ${k}`);
    for (let c = 0; c < 7; c++) assert.equal(grads.W.data[c * 8 + k], 0, `dW[${c}, ${k}]`);
  }
  assert.ok(grads.U.data.subarray(0, 7).some((v) => v !== 0));

  // patch hook_pre from a model whose U, V differ: the logits are the other model's (W is shared)
  const other = model.init(keyFromSeed(2));
  const theirs = { ...params, U: other.U, V: other.V };
  const source = captureHooks(model, theirs, data.train, ["hook_pre"]);
  const expected = model.forward(theirs, data.train).logits.slice();
  close(model.forward(params, data.train, { interventions: new Map([["hook_pre", patch(source.hook_pre, { all: true })]]) }).logits, expected, 1e-12);

  assert.deepEqual([...hookShapes(model, params, data.train)], [["hook_pre", [20, 8]], ["hook_post", [20, 8]]]);
  const tr = createTransformer({ d_model: 8, heads: 2, d_mlp: 16 }, data, f64);
  const shapes = hookShapes(tr, tr.init(keyFromSeed(1)), data.train);
  assert.deepEqual(shapes.get("hook_embed"), [60, 8], "W_E[tok], [n·T, d]");
  assert.deepEqual(shapes.get("blocks.0.attn.hook_z"), [20, 8]);
});

test("frequency selections: Fourier directions of a cosine embedding and neurons by dominant frequency", () => {
  const p = 11, d = 3;
  // W_E[a] = (cos 2π·3a/p, sin 2π·3a/p, cos 2π·5a/p): frequency 3 spans columns 0, 1 and frequency 5 column 2
  const WE = { shape: [p + 1, d], data: new Float32Array((p + 1) * d) };
  for (let a = 0; a < p; a++) WE.data.set([Math.cos((6 * Math.PI * a) / p), Math.sin((6 * Math.PI * a) / p), Math.cos((10 * Math.PI * a) / p)], a * d);
  const dirs = embeddingFourierDirections(WE, p, [3]);
  close(dirs, [p / 2, 0, 0, 0, p / 2, 0], 1e-5);
  const only5 = embeddingFourierDirections(WE, p, [5]);
  close(only5, [0, 0, p / 2, 0, 0, 0], 1e-5);
  assert.throws(() => embeddingFourierDirections(WE, p, [6]), /frequency 6 is out of range: frequencies of p = 11 are 1 … 5/);
  const N = 3, U = { shape: [N, p], data: new Float32Array(N * p) }, V = { shape: [N, p], data: new Float32Array(N * p) };
  for (let a = 0; a < p; a++) {
    U.data[a] = Math.cos((4 * Math.PI * a) / p); // neuron 0: frequency 2
    V.data[p + a] = Math.sin((8 * Math.PI * a) / p) + 0.1 * Math.cos((2 * Math.PI * a) / p); // neuron 1: frequency 4
    U.data[2 * p + a] = Math.cos((4 * Math.PI * a) / p + 1); // neuron 2: frequency 2
  }
  const fr = neuronFrequencies(U, V, p);
  assert.deepEqual([...fr], [2, 4, 2]);
  assert.deepEqual(neuronsOfFrequencies(fr, [2]), [0, 2]);
});
