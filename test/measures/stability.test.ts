import { createMlp } from "../helpers/models.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { collapsedRow, lossGradient, nlmDirection, nlmCosineMeasure, softmaxCollapseFraction, softmaxCollapseMeasure, STABILITY_MEASURES, updateCosine } from "../../src/measures/stability/stability.js";
import { orthogonalizeAll } from "../../src/train/orthograd.js";
import { createGromov } from "../../src/models/gromov.js";
import type { Model } from "../../src/models/model.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";
import { argmaxRow, softmaxCrossEntropy, softmaxCrossEntropyFloat32 } from "../../src/train/losses.js";
import { tinyPairs } from "../helpers/tiny-data.js";

test("softmax_collapse: a margin of 40 collapses in float32 (e^−40 ≪ 2^−24), a margin of 10 does not", () => {
  const C = 113;
  const row = (margin: number, label: number, top: number): Float32Array => {
    const z = new Float32Array(C).fill(0);
    z[top] = margin;
    return z;
  };
  assert.equal(collapsedRow(row(40, 5, 5), 0, C, 5), true);
  assert.equal(collapsedRow(row(10, 5, 5), 0, C, 5), false); // 112·e^−10 ≈ 5e−3 is well above an ulp
  assert.equal(collapsedRow(row(40, 5, 6), 0, C, 5), false); // confidently wrong: p_y ≈ 0, not 1
  // the threshold: 112 terms e^−d each below half an ulp of 1 (2^−24) → d > 24 ln 2 + ln 112 ≈ 21.4 always collapses
  assert.equal(collapsedRow(row(22, 0, 0), 0, C, 0), true);
  assert.equal(collapsedRow(row(15, 0, 0), 0, C, 0), false);
  // agrees with the float32 loss: a collapsed row has loss and label gradient exactly 0
  const logits = new Float32Array([...row(40, 1, 1), ...row(10, 2, 2), ...row(30, 3, 3), ...row(40, 4, 9)]);
  const labels = Int32Array.of(1, 2, 3, 4);
  assert.equal(softmaxCollapseFraction(logits, labels, C), 0.5);
  const perExample = new Float64Array(4), dLogits = new Float32Array(4 * C);
  softmaxCrossEntropyFloat32(logits, labels, C, { perExample, dLogits });
  assert.deepEqual([...perExample].map((l) => l === 0), [true, false, true, false]);
  assert.equal(dLogits[0 * C + 1], 0);
  assert.notEqual(dLogits[1 * C + 2], 0);
  // the float64 loss still has a gradient there (why float64 postpones SC)
  softmaxCrossEntropy(logits, labels, C, { dLogits });
  assert.ok(dLogits[0 * C + 1] < 0);
});

/** The NLM direction only scales the logits: z(θ + ε d) − z(θ) = ε k z(θ) + O(ε²), k the degree of homogeneity. */
function checkScalesLogits(model: Model, params: Params, split: Parameters<Model["forward"]>[1], k: number): void {
  const z0 = Float64Array.from(model.forward(params, split).logits);
  const d = nlmDirection(model, params);
  const eps = 1e-6;
  const moved: Params = {};
  for (const [name, t] of Object.entries(params)) {
    const data = t.data.slice();
    for (let i = 0; i < data.length; i++) data[i] += eps * d[name][i];
    moved[name] = { shape: t.shape, data };
  }
  const z1 = model.forward(moved, split).logits;
  let err = 0, scale = 0;
  for (let i = 0; i < z0.length; i++) {
    err = Math.max(err, Math.abs((z1[i] - z0[i]) / eps - k * z0[i]));
    scale = Math.max(scale, Math.abs(k * z0[i]));
  }
  assert.ok(err / scale < 1e-4, `${model.name}: max |Δz/ε − ${k}z| / max|${k}z| = ${err / scale}`);
}

test("nlm direction: moving along it scales the logits (mlp with biases: degree depth+1; gromov: degree 3)", () => {
  const backend = createFloat64Backend();
  const data = tinyPairs(11, 40, 3);
  for (const [depth, bias] of [[2, true], [2, false], [1, true], [3, true]] as const) {
    const mlp = createMlp({ depth, width: 16, activation: "relu", bias, init_scale: 1 }, data, backend);
    checkScalesLogits(mlp, mlp.init(keyFromSeed(depth)), data.train, depth + 1);
  }
  const gromov = createGromov({ width: 12, init_scale: 1 }, data, backend);
  checkScalesLogits(gromov, gromov.init(keyFromSeed(1)), data.train, 3);
});

test("nlm_cosine: the numerator obeys Euler's identity ⟨−∇L, d_NLM⟩ = k Σ (−∂L/∂z)·z; pure NLM gives +1, ⊥ gives 0", () => {
  const backend = createFloat64Backend();
  const data = tinyPairs(11, 60, 5);
  for (const bias of [false, true]) {
    const model = createMlp({ depth: 2, width: 32, activation: "relu", bias, init_scale: 1 }, data, backend);
    const params = model.init(keyFromSeed(2));
    const ctx = { params, data, model, step: 0, loss: softmaxCrossEntropy, backend };
    const g = lossGradient(ctx, data.train), d = nlmDirection(model, params);
    let gd = 0;
    for (const name of Object.keys(d)) for (let i = 0; i < d[name].length; i++) gd -= g[name].data[i] * d[name][i];
    // the same quantity from the logits: Σ_i (−∂L/∂z_i) · 3 z_i (k = depth + 1 = 3)
    const z = model.forward(params, data.train).logits, dz = new Float64Array(z.length) as unknown as Float32Array;
    softmaxCrossEntropy(z, data.train.y, model.nOut, { dLogits: dz });
    let euler = 0;
    for (let i = 0; i < z.length; i++) euler -= dz[i] * 3 * z[i];
    assert.ok(Math.abs(gd - euler) <= 1e-9 * Math.abs(euler), `bias ${bias}: ⟨−∇L, d⟩ = ${gd}, k Σ(−∂L/∂z)z = ${euler}`);
    const cos = nlmCosineMeasure(ctx);
    assert.ok(Math.abs(cos) <= 1 && Number.isFinite(cos));
    // a gradient that is exactly −c·d_NLM gives +1; one orthogonal to it per tensor (⊥Grad) gives 0
    const pure: Params = {}, perp: Params = {};
    for (const [name, t] of Object.entries(params)) {
      pure[name] = { shape: t.shape, data: Float64Array.from(d[name], (v) => -2.5 * v) as unknown as Float32Array };
      perp[name] = { shape: t.shape, data: Float64Array.from(g[name].data) as unknown as Float32Array };
    }
    assert.ok(Math.abs(updateCosine(pure, d) - 1) < 1e-12);
    if (!bias) { // without biases d_NLM = θ, so per-tensor ⊥Grad removes it exactly
      orthogonalizeAll(params, perp);
      assert.ok(Math.abs(updateCosine(perp, d)) < 1e-12, `cos after ⊥Grad: ${updateCosine(perp, d)}`);
    }
  }
});

test("measures run on a model and report no collapse at initialization; the registry record has both keys", () => {
  const backend = createFloat64Backend();
  const data = tinyPairs(11, 60, 5);
  const model = createMlp({ depth: 2, width: 32, activation: "relu", bias: true, init_scale: 1 }, data, backend);
  const params = model.init(keyFromSeed(3));
  assert.equal(softmaxCollapseMeasure({ params, data, model, step: 0, backend }), 0); // logits are O(1) at init
  // scaling the output layer by 1000 makes the logits huge: nearly every correctly classified row collapses
  const big: Params = { ...params, W_out: { shape: params.W_out.shape, data: params.W_out.data.map((v) => 1000 * v) } };
  if (big.b_out) big.b_out = { shape: big.b_out.shape, data: big.b_out.data.map((v) => 1000 * v) };
  const z = model.forward(big, data.train).logits;
  let correct = 0;
  for (let i = 0; i < data.train.n; i++) if (argmaxRow(z, i, model.nOut) === data.train.y[i]) correct++;
  const sc = softmaxCollapseMeasure({ params: big, data, model, step: 0, backend });
  assert.ok(sc > 0 && sc <= correct / data.train.n, `SC ${sc}, accuracy ${correct / data.train.n}`);
  assert.deepEqual(Object.keys(STABILITY_MEASURES), ["stability/softmax_collapse", "stability/nlm_cosine"]);
});
