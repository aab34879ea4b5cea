import { createFiveNeuron } from "../helpers/models.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { circleEmbedding, fiveNeuronGeometry } from "../../src/models/five-neuron.js";
import { fold, keyFromSeed, uniform } from "../../src/tensor/rng.js";
import { paramCount, type Params } from "../../src/tensor/tensor.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { gradcheck } from "../helpers/gradcheck.js";
import { tinyPairs } from "../helpers/tiny-data.js";


test("five_neuron: 20 trainable numbers, backward matches float64 finite differences", () => {
  const data = tinyPairs(11, 30, 1);
  const model = createFiveNeuron({ neurons: 5, init_scale: 1 }, data, createFloat64Backend());
  const params = model.init(keyFromSeed(2));
  assert.equal(paramCount(params), 20);
  gradcheck(model, params, data.train, keyFromSeed(3));
});

test("five_neuron: the fixed embedding has unit-norm, orthogonal cos and sin columns", () => {
  for (const M of [5, 67]) {
    const E = circleEmbedding(M);
    let cc = 0, ss = 0, cs = 0;
    for (let a = 0; a < M; a++) { cc += E[2 * a] ** 2; ss += E[2 * a + 1] ** 2; cs += E[2 * a] * E[2 * a + 1]; }
    assert.ok(Math.abs(cc - 1) < 1e-6 && Math.abs(ss - 1) < 1e-6 && Math.abs(cs) < 1e-6, `M = ${M}`);
    // the angle of row a is 2πa/M (both columns have norm √(M/2) before scaling)
    for (let a = 0; a < M; a++) {
      const ang = Math.atan2(E[2 * a + 1], E[2 * a]);
      assert.ok(Math.abs(Math.sin(ang - (2 * Math.PI * a) / M)) < 1e-6);
    }
  }
});

test("five_neuron: logits equal relu(E[a] W_in + E[b] W_in) W_out Eᵀ computed directly", () => {
  const M = 7, K = 5;
  const data = tinyPairs(M, 9, 4);
  const model = createFiveNeuron({ neurons: K, init_scale: 1 }, data, createFloat64Backend());
  const params = model.init(keyFromSeed(5));
  const z = model.forward(params, data.train).logits;
  const Win = params.W_in.data, Wout = params.W_out.data;
  const c = 1 / Math.sqrt(M / 2); // unit-norm columns: Σ_a cos²(2πa/M) = M/2
  const e = (a: number) => [c * Math.cos((2 * Math.PI * a) / M), c * Math.sin((2 * Math.PI * a) / M)];
  for (let i = 0; i < 9; i++) {
    const [ea, eb] = [e(data.train.x[2 * i]), e(data.train.x[2 * i + 1])];
    const out = [0, 0];
    for (let k = 0; k < K; k++) {
      const h = Math.max(0, (ea[0] + eb[0]) * Win[k] + (ea[1] + eb[1]) * Win[K + k]);
      out[0] += h * Wout[2 * k];
      out[1] += h * Wout[2 * k + 1];
    }
    for (let q = 0; q < M; q++) {
      const eq = e(q);
      assert.ok(Math.abs(z[i * M + q] - (out[0] * eq[0] + out[1] * eq[1])) < 1e-12, `logit [${i},${q}]`);
    }
  }
});

test("five_neuron: init is nn.Linear's default without bias, U(±α/√2) and U(±α/√5)", () => {
  const data = tinyPairs(11, 1, 1);
  const model = createFiveNeuron({ neurons: 5, init_scale: 2 }, data, createFloat64Backend());
  for (let s = 0; s < 20; s++) {
    const p = model.init(keyFromSeed(s));
    for (const v of p.W_in.data) assert.ok(Math.abs(v) <= 2 / Math.SQRT2);
    for (const v of p.W_out.data) assert.ok(Math.abs(v) <= 2 / Math.sqrt(5));
  }
});

/** W_in columns at `inDeg`, W_out rows at `outDeg` (degrees), with the given norms. */
function synthetic(inDeg: number[], outDeg: number[], inNorm: number[], outNorm: number[]): Params {
  const K = inDeg.length, r = Math.PI / 180;
  const Win = new Float32Array(2 * K), Wout = new Float32Array(2 * K);
  for (let k = 0; k < K; k++) {
    Win[k] = inNorm[k] * Math.cos(inDeg[k] * r);
    Win[K + k] = inNorm[k] * Math.sin(inDeg[k] * r);
    Wout[2 * k] = outNorm[k] * Math.cos(outDeg[k] * r);
    Wout[2 * k + 1] = outNorm[k] * Math.sin(outDeg[k] * r);
  }
  return { W_in: { shape: [2, K], data: Win }, W_out: { shape: [K, 2], data: Wout } };
}

test("fiveNeuronGeometry: output turning twice as fast gives ratio 2, for even and uneven spacing", () => {
  // even spacing, shuffled neuron order, rotated: gaps 72°, ratio 2
  const inDeg = [3, 147, 75, 291, 219];
  const even = fiveNeuronGeometry(synthetic(inDeg, inDeg.map((a) => 2 * a + 40), [1, 1, 1, 1, 1], [2, 2, 2, 2, 2]));
  assert.ok(Math.abs(even.angleStepRatio - 2) < 1e-5, `ratio ${even.angleStepRatio}`);
  for (const g of even.sortedGaps) assert.ok(Math.abs(g - 72) < 1e-4);
  even.neuronNorms.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-6));
  even.outputNorms.forEach((v) => assert.ok(Math.abs(v - 2) < 1e-6));
  even.neuronAngles.forEach((v, k) => assert.ok(Math.abs(Math.sin(((v - inDeg[k]) * Math.PI) / 180)) < 1e-6));

  // random uneven spacing (four gaps of 50°–72°, the fifth the widest), random start, offsets and norms
  for (let s = 0; s < 10; s++) {
    const key = keyFromSeed(100 + s);
    const start = 360 * uniform(fold(key, "start"), 0);
    const gaps = [0, 1, 2, 3].map((i) => 50 + 22 * uniform(fold(key, "gap"), i));
    const angles = [start];
    for (const g of gaps) angles.push(angles[angles.length - 1] + g);
    const offset = 360 * uniform(fold(key, "offset"), 0);
    const norms = [0, 1, 2, 3, 4].map((i) => 0.5 + uniform(fold(key, "norm"), i));
    const geo = fiveNeuronGeometry(synthetic(angles, angles.map((a) => 2 * a + offset), norms, norms));
    assert.ok(Math.abs(geo.angleStepRatio - 2) < 1e-5, `seed ${s}: ratio ${geo.angleStepRatio}`);
    assert.ok(Math.abs(geo.sortedGaps.reduce((x, y) => x + y, 0) - 360) < 1e-9);
    const wantGaps = [...gaps, 360 - gaps.reduce((x, y) => x + y, 0)].sort((a, b) => a - b);
    geo.sortedGaps.forEach((g, i) => assert.ok(Math.abs(g - wantGaps[i]) < 1e-4));
  }
});

test("fiveNeuronGeometry: output turning with the input gives ratio 1; against it, −1", () => {
  const inDeg = [10, 80, 150, 220, 290];
  const ones = [1, 1, 1, 1, 1];
  assert.ok(Math.abs(fiveNeuronGeometry(synthetic(inDeg, inDeg.map((a) => a + 100), ones, ones)).angleStepRatio - 1) < 1e-5);
  assert.ok(Math.abs(fiveNeuronGeometry(synthetic(inDeg, inDeg.map((a) => -a), ones, ones)).angleStepRatio + 1) < 1e-5);
  // bunched neurons (the stalled runs of R4): one gap dominates
  const bunched = fiveNeuronGeometry(synthetic([0, 15, 31, 48, 65], [0, 30, 62, 96, 130], ones, ones));
  assert.ok(Math.abs(bunched.sortedGaps[4] - 295) < 1e-4);
  assert.ok(Math.abs(bunched.angleStepRatio - 2) < 0.01);
});
