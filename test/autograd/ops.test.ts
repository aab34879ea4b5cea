import { test } from "node:test";
import assert from "node:assert/strict";
import * as ad from "../../src/autograd/index.js";
import { Graph, gradCheck, type Var } from "../../src/autograd/index.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { fold, keyFromSeed, normals } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";
import { getLoss, softmaxCrossEntropy } from "../../src/train/losses.js";

const mseLoss = getLoss("mse");

const f64 = createFloat64Backend();
const key = keyFromSeed(11);

/** Float64 inputs of the given shapes, normal(0, 1) (plus `shift`, to keep ReLU inputs away from the kink). */
function inputs(shapes: Record<string, number[]>, shift = 0): Params {
  const out: Params = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = f64.alloc(n);
    const z = normals(fold(key, name), n);
    for (let i = 0; i < n; i++) data[i] = z[i] + shift;
    out[name] = { shape, data };
  }
  return out;
}

const check = (name: string, shapes: Record<string, number[]>, f: (g: Graph, x: Readonly<Record<string, Var>>) => Var, rtol = 1e-7) =>
  test(`autograd VJP of ${name} matches float64 finite differences`, () => {
    const worst = gradCheck(f64, inputs(shapes), f, fold(key, name), { rtol });
    assert.ok(worst <= rtol, `${name}: ${worst}`);
  });

const tokens = Int32Array.from([0, 3, 2, 2, 4, 1, 3, 0]); // 4 sequences of 2 over a vocabulary of 5

check("matmul", { a: [3, 4], b: [4, 5] }, (g, x) => ad.matmul(g, x.a, x.b));
check("matmul with a transposed", { a: [4, 3], b: [4, 5] }, (g, x) => ad.matmul(g, x.a, x.b, { transA: true }));
check("matmul with b transposed", { a: [3, 4], b: [5, 4] }, (g, x) => ad.matmul(g, x.a, x.b, { transB: true }));
check("matmul with both transposed", { a: [4, 3], b: [5, 4] }, (g, x) => ad.matmul(g, x.a, x.b, { transA: true, transB: true }));
check("matmul of a value with itself (gradients accumulate)", { a: [4, 4] }, (g, x) => ad.matmul(g, x.a, x.a));
check("linear with bias", { x: [3, 4], W: [4, 2], b: [2] }, (g, x) => ad.linear(g, x.x, x.W, x.b));
check("linear without bias, input reused", { x: [3, 3], W: [3, 3] }, (g, x) => ad.add(g, ad.linear(g, x.x, x.W), x.x));
check("addBias", { x: [3, 4], b: [4] }, (g, x) => ad.addBias(g, x.x, x.b));
check("add, sub, mul, scale", { a: [2, 3], b: [2, 3] }, (g, x) => ad.scale(g, ad.mul(g, ad.sub(g, x.a, x.b), ad.add(g, x.a, x.b)), 1.5));
check("square", { a: [3, 4] }, (g, x) => ad.square(g, x.a));
check("relu", { a: [3, 4] }, (g, x) => ad.relu(g, x.a));
check("gelu", { a: [3, 4] }, (g, x) => ad.gelu(g, x.a));
check("tanh", { a: [3, 4] }, (g, x) => ad.tanh(g, x.a));
check("relu whose input is also used elsewhere", { a: [3, 4] }, (g, x) => ad.mul(g, ad.relu(g, x.a), x.a));
check("gatherRows, shared table", { T: [5, 3] }, (g, x) => ad.gatherRows(g, x.T, tokens, 2, 0));
check("gatherRows, a block of rows per position", { T: [10, 3] }, (g, x) => ad.gatherRows(g, x.T, tokens, 2, 5));
check("embedding", { T: [5, 3] }, (g, x) => ad.embedding(g, x.T, ad.tokenColumn(tokens, 2, 1)));
check("transpose", { a: [3, 4] }, (g, x) => ad.matmul(g, ad.transpose(g, x.a), x.a));
check("reshape", { a: [3, 4] }, (g, x) => ad.reshape(g, x.a, [2, 6]));
check("binaryLogits, its input also used elsewhere (gradients accumulate)", { z: [4, 1] }, (g, x) => ad.mul(g, ad.binaryLogits(g, x.z), ad.binaryLogits(g, ad.square(g, x.z))));
check("selectPositions", { a: [6, 3] }, (g, x) => ad.selectPositions(g, x.a, 3, Int32Array.of(2, 0)));
check("packHeads", { q: [2, 3, 2], k: [2, 3, 2] }, (g, x) => ad.packHeads(g, x.q, x.k));
check("addTiled", { x: [6, 2], p: [3, 2] }, (g, x) => ad.addTiled(g, x.x, x.p));
check("sum and mean", { a: [3, 4] }, (g, x) => ad.add(g, ad.sum(g, x.a), ad.mean(g, ad.square(g, x.a))));
check("softmax", { a: [3, 5] }, (g, x) => ad.softmax(g, x.a));
check("logSoftmax", { a: [3, 5] }, (g, x) => ad.logSoftmax(g, x.a));
check("layerNorm", { x: [4, 6], w: [6], b: [6] }, (g, x) => ad.layerNorm(g, x.x, x.w, x.b));
check("layerNorm feeding a residual", { x: [4, 6], w: [6], b: [6] }, (g, x) => ad.add(g, ad.layerNorm(g, x.x, x.w, x.b), x.x));
check("lossOf (the training cross-entropy as an op)", { z: [4, 5] }, (g, x) => ad.lossOf(g, x.z, Int32Array.of(1, 0, 4, 2), softmaxCrossEntropy));
check("lossOf (MSE)", { z: [4, 5] }, (g, x) => ad.lossOf(g, x.z, Int32Array.of(1, 0, 4, 2), mseLoss));
check("causal attention (every position queries)", { q: [2 * 3, 4], kv: [2 * 3, 8] }, (g, x) =>
  ad.causalAttention(g, x.q, x.kv, { n: 2, T: 3, heads: 2, dHead: 2, qPos: Int32Array.of(0, 1, 2) }).z);
check("causal attention (last position queries), q reused", { q: [2, 4], kv: [2 * 3, 8] }, (g, x) =>
  ad.add(g, ad.causalAttention(g, x.q, x.kv, { n: 2, T: 3, heads: 2, dHead: 2, qPos: Int32Array.of(2) }).z, x.q));

test("autograd dropout: identity outside training; in training zeros about p, scales the rest, and its VJP uses the same mask", () => {
  const x = inputs({ a: [50, 40] }).a;
  const g = new Graph(f64);
  g.begin();
  const a = g.param("a", x.shape, x.data);
  assert.equal(ad.dropout(g, a, 0.3, "h"), a);
  g.begin({ trainingKey: fold(key, "step 7") });
  const b = g.param("a", x.shape, x.data);
  const y = ad.dropout(g, b, 0.3, "h");
  let zeros = 0;
  for (let i = 0; i < y.data.length; i++) {
    if (y.data[i] === 0) zeros++;
    else assert.ok(Math.abs(y.data[i] - x.data[i] / 0.7) < 1e-12);
  }
  assert.ok(Math.abs(zeros / y.data.length - 0.3) < 0.03, `zeroed ${zeros} of ${y.data.length}`);
  const grads: Params = { a: { shape: x.shape, data: f64.alloc(x.data.length) } };
  const ones = f64.alloc(y.data.length).fill(1);
  g.backward(y, ones, grads);
  for (let i = 0; i < y.data.length; i++) assert.equal(grads.a.data[i], y.data[i] === 0 ? 0 : 1 / 0.7);
  // the same key draws the same mask (a resumed run); another step's key another one
  g.begin({ trainingKey: fold(key, "step 7") });
  const again = ad.dropout(g, g.param("a", x.shape, x.data), 0.3, "h");
  assert.deepEqual(Array.from(again.data), Array.from(y.data));
  const masked = Array.from(y.data, (v) => v === 0);
  g.begin({ trainingKey: fold(key, "step 8") });
  const other = ad.dropout(g, g.param("a", x.shape, x.data), 0.3, "h");
  assert.notDeepEqual(Array.from(other.data, (v) => v === 0), masked);
  assert.doesNotThrow(() => gradCheck(f64, inputs({ a: [4, 5] }), (gg, v) => {
    gg.trainingKey = fold(key, "fixed");
    return ad.dropout(gg, v.a, 0.5, "h");
  }, key));
});

test("autograd graph: a second forward reuses every buffer (no new arrays in a steady-state step)", () => {
  const x = inputs({ x: [8, 6], W: [6, 4], b: [4] });
  const g = new Graph(f64);
  const grads: Params = Object.fromEntries(Object.entries(x).map(([k, t]) => [k, { shape: t.shape, data: f64.alloc(t.data.length) }]));
  const step = () => {
    g.begin();
    const v = Object.fromEntries(Object.entries(x).map(([k, t]) => [k, g.param(k, t.shape, t.data)]));
    const out = ad.relu(g, ad.linear(g, v.x, v.W, v.b));
    g.backward(out, out.data, grads);
    return out.data;
  };
  const first = step();
  const allocs: number[] = [];
  const counting = { ...f64, alloc: (n: number) => (allocs.push(n), f64.alloc(n)) };
  Object.assign(g, { backend: counting });
  const second = step();
  assert.equal(second, first, "the output buffer is reused");
  assert.deepEqual(allocs, [], "no buffer allocated on the second step");
});

test("autograd graph: a parameter nothing depends on gets a zero gradient; a bad gradient length is refused", () => {
  const x = inputs({ a: [2, 2], unused: [3] });
  const g = new Graph(f64);
  g.begin();
  const a = g.param("a", x.a.shape, x.a.data);
  g.param("unused", x.unused.shape, x.unused.data);
  const out = ad.square(g, a);
  const grads: Params = { a: { shape: [2, 2], data: f64.alloc(4) }, unused: { shape: [3], data: f64.alloc(3).fill(5) } };
  g.backward(out, f64.alloc(4).fill(1), grads);
  assert.deepEqual(Array.from(grads.unused.data), [0, 0, 0]);
  assert.throws(() => g.backward(out, f64.alloc(3), grads), /backward got 3 values for an output of 4/);
  assert.throws(() => ad.matmul(g, a, g.constant([3, 1], f64.alloc(3))), /inner sizes differ/);
});
