import { createFiveNeuron } from "../helpers/models.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { fiveNeuronCircle, gromovConstruction } from "../../src/models/constructions.js";
import { fiveNeuronGeometry } from "../../src/models/five-neuron.js";
import { createGromov } from "../../src/models/gromov.js";
import type { TokenDataset } from "../../src/tasks/dataset.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { keyFromSeed } from "../../src/tensor/rng.js";

/** Every pair (a, b) ∈ Z_p², label (a + b) mod p. */
function allPairs(p: number): TokenDataset {
  const n = p * p;
  const x = new Int32Array(2 * n), y = new Int32Array(n);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      const i = a * p + b;
      x[2 * i] = a;
      x[2 * i + 1] = b;
      y[i] = (a + b) % p;
    }
  }
  const split = { n, x, y };
  return { kind: "tokens", name: `add-all-${p}`, vocab: p, seqLen: 2, nClasses: p, train: split, test: split, meta: { p } };
}

function accuracy(logits: Float32Array, y: Int32Array, c: number): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let q = 1; q < c; q++) if (logits[i * c + q] > logits[i * c + best]) best = q;
    if (best === y[i]) ok++;
  }
  return ok / y.length;
}

function crossEntropy(logits: Float32Array, y: Int32Array, c: number): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    let m = -Infinity;
    for (let q = 0; q < c; q++) m = Math.max(m, logits[i * c + q]);
    let z = 0;
    for (let q = 0; q < c; q++) z += Math.exp(logits[i * c + q] - m);
    s += m + Math.log(z) - logits[i * c + y[i]];
  }
  return s / y.length;
}

const p = 97;
const data = allPairs(p);
const backend = createJsBackend();
const scored = new Map<string, number>(); // each (N, seed, flip) is scored once: a forward at N = 500 takes ~0.5 s
const gromovAccuracy = (width: number, seed: number, flipOutputPhase = false): number => {
  const id = `${width}/${seed}/${flipOutputPhase}`;
  if (!scored.has(id)) {
    const model = createGromov({ width, init_scale: 1 }, data, backend);
    const params = gromovConstruction({ p, width, flipOutputPhase, alloc: backend.alloc }, keyFromSeed(seed));
    scored.set(id, accuracy(model.forward(params, data.train).logits, data.train.y, p));
  }
  return scored.get(id)!;
};

test("gromov construction (R2): 100% on all 97² pairs at N = 500 for 5 seeds", (t) => {
  const accs = [1, 2, 3, 4, 5].map((s) => gromovAccuracy(500, s));
  t.diagnostic(`N = 500 accuracy per seed: ${accs.map((a) => a.toFixed(4)).join(", ")}`);
  for (const a of accs) assert.equal(a, 1);
});

test("gromov construction: flipping the output phase destroys it (it answers −(a + b): accuracy 1/p)", (t) => {
  const acc = gromovAccuracy(500, 1, true);
  t.diagnostic(`flipped output phase, N = 500: accuracy ${acc.toFixed(4)} (1/p = ${(1 / p).toFixed(4)})`);
  assert.ok(acc < 0.05);
});

test("gromov construction: accuracy falls as the width N shrinks (500 → 100 → 30)", (t) => {
  const mean = (width: number) => [1, 2, 3, 4, 5].reduce((s, seed) => s + gromovAccuracy(width, seed), 0) / 5;
  const curve = [500, 100, 30].map((N) => ({ N, acc: mean(N) }));
  t.diagnostic(`mean accuracy over seeds 1–5: ${curve.map((c) => `N=${c.N}: ${c.acc.toFixed(4)}`).join(", ")}`);
  assert.equal(curve[0].acc, 1);
  assert.ok(curve[0].acc >= curve[1].acc && curve[1].acc > curve[2].acc, "monotone in N");
});

test("gromov construction: same key, same weights; the shapes are createGromov's", () => {
  const a = gromovConstruction({ p: 11, width: 7 }, keyFromSeed(3));
  const b = gromovConstruction({ p: 11, width: 7 }, keyFromSeed(3));
  assert.deepEqual(a, b);
  assert.deepEqual([a.U.shape, a.V.shape, a.W.shape], [[7, 11], [7, 11], [11, 7]]);
  const A = Math.cbrt(2 / 7);
  for (const t of [a.U, a.V, a.W]) for (const v of t.data) assert.ok(Math.abs(v) <= A * (1 + 1e-6));
});

test("five-neuron circle: 100% on all 67² pairs, with ratio 2, 72° gaps and equal norms", (t) => {
  const M = 67;
  const d = allPairs(M);
  const model = createFiveNeuron({ neurons: 5, init_scale: 1 }, d, backend);
  for (const rotation of [0, 0.3, 2]) {
    const params = fiveNeuronCircle({ rotation, alloc: backend.alloc });
    assert.equal(accuracy(model.forward(params, d.train).logits, d.train.y, M), 1, `rotation ${rotation}`);
    const geo = fiveNeuronGeometry(params);
    assert.ok(Math.abs(geo.angleStepRatio - 2) < 1e-5);
    geo.sortedGaps.forEach((g) => assert.ok(Math.abs(g - 72) < 1e-4));
    geo.neuronNorms.concat(geo.outputNorms).forEach((v) => assert.ok(Math.abs(v - 1) < 1e-6));
  }
  // accuracy is scale-free (ReLU is positively homogeneous); the cross-entropy falls as the norm grows
  const ce = [1, 10, 30].map((norm) => crossEntropy(model.forward(fiveNeuronCircle({ norm }), d.train).logits, d.train.y, M));
  t.diagnostic(`cross-entropy on all pairs at norm 1, 10, 30: ${ce.map((v) => v.toFixed(4)).join(", ")}`);
  assert.ok(ce[0] > ce[1] && ce[1] > ce[2]);
});

test("five-neuron circle: evenly spaced neurons work for K = 5, 7 and fail for K = 4, 6 (surviving harmonics)", (t) => {
  const M = 67;
  const d = allPairs(M);
  const acc = (K: number) => accuracy(createFiveNeuron({ neurons: K, init_scale: 1 }, d, backend).forward(fiveNeuronCircle({ neurons: K }), d.train).logits, d.train.y, M);
  const byK = [3, 4, 5, 6, 7].map((K) => ({ K, acc: acc(K) }));
  t.diagnostic(`M = 67 accuracy by K: ${byK.map((r) => `K=${r.K}: ${r.acc.toFixed(4)}`).join(", ")}`);
  assert.equal(byK[2].acc, 1);
  assert.equal(byK[4].acc, 1);
  for (const i of [0, 1, 3]) assert.ok(byK[i].acc < 0.5, `K = ${byK[i].K}`);
});
