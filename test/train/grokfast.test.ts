import { test } from "node:test";
import assert from "node:assert/strict";
import { grokfastApply, grokfastInit, grokfastStateShapes, grokfastStateTensors, loadGrokfastStateTensors, parseGrokfastConfig, type GrokfastConfig } from "../../src/train/grokfast.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { cloneParams, type Params } from "../../src/tensor/tensor.js";
import { firstReaching, trainHistory } from "../helpers/train-history.js";

const params = (): Params => ({ A: { shape: [2, 2], data: new Float32Array(4) }, b: { shape: [3], data: new Float32Array(3) } });
/** Gradient sequence: step t gives A = (t, −t, 2t, 0.5), b = (1, t², −t). */
const gradAt = (t: number): Params => ({ A: { shape: [2, 2], data: Float32Array.of(t, -t, 2 * t, 0.5) }, b: { shape: [3], data: Float32Array.of(1, t * t, -t) } });
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `[${i}] ${a[i]} vs ${b[i]}`);
};

test("config: repo defaults, snake_case keys, errors name the key", () => {
  assert.deepEqual(parseGrokfastConfig({ name: "ema" }), { name: "ema", alpha: 0.99, lamb: 5 });
  assert.deepEqual(parseGrokfastConfig({ name: "ma" }), { name: "ma", window: 100, lamb: 5, warmup: true });
  assert.throws(() => parseGrokfastConfig({ name: "ema", alpha: 1 }), /grokfast\.alpha: must be in \[0, 1\)/);
  assert.throws(() => parseGrokfastConfig({ name: "ma", window: 0 }), /grokfast\.window/);
  assert.throws(() => parseGrokfastConfig({ name: "ema", windw: 3 }), /grokfast\.windw: unknown key; known keys: name, alpha, lamb/);
});

test("EMA with λ = 0 is the identity", () => {
  const cfg = parseGrokfastConfig({ name: "ema", alpha: 0.9, lamb: 0 });
  const state = grokfastInit(params(), cfg);
  for (let t = 1; t <= 4; t++) {
    const g = gradAt(t);
    grokfastApply(g, state, cfg);
    close(g.A.data, gradAt(t).A.data, 0);
    close(g.b.data, gradAt(t).b.data, 0);
  }
});

test("EMA matches the hand recursion μ₁ = g₁, μ_t = α μ_{t−1} + (1−α) g_t, ĝ = g + λμ over 3 steps", () => {
  const alpha = 0.8, lamb = 2;
  const cfg = parseGrokfastConfig({ name: "ema", alpha, lamb });
  const state = grokfastInit(params(), cfg);
  // element A[0] sees g = 1, 2, 3: μ = 1, 0.8·1 + 0.2·2 = 1.2, 0.8·1.2 + 0.2·3 = 1.56
  const expectA0 = [1 + 2 * 1, 2 + 2 * 1.2, 3 + 2 * 1.56];
  for (let t = 1; t <= 3; t++) {
    const g = gradAt(t);
    grokfastApply(g, state, cfg);
    close([g.A.data[0]], [expectA0[t - 1]]);
  }
  // every element, by the recursion in float64
  const mu = [...gradAt(1).b.data];
  for (let t = 2; t <= 3; t++) for (let i = 0; i < 3; i++) mu[i] = alpha * mu[i] + (1 - alpha) * gradAt(t).b.data[i];
  close(state.tensors["grokfast/ema/b"], mu);
});

test("MA with window w adds λ·mean of the last w gradients (after warmup; from the first step without it)", () => {
  const w = 3, lamb = 0.5;
  const cfg = parseGrokfastConfig({ name: "ma", window: w, lamb });
  const state = grokfastInit(params(), cfg);
  for (let t = 1; t <= 7; t++) {
    const g = gradAt(t);
    grokfastApply(g, state, cfg);
    for (const [name, tt] of Object.entries(g)) {
      const raw = gradAt(t)[name].data;
      if (t < w) { close(tt.data, raw, 0); continue; } // warmup: untouched
      const mean = raw.map((_, i) => (gradAt(t)[name].data[i] + gradAt(t - 1)[name].data[i] + gradAt(t - 2)[name].data[i]) / 3);
      close(tt.data, raw.map((x, i) => x + lamb * mean[i]));
    }
  }
  const noWarm = parseGrokfastConfig({ name: "ma", window: w, lamb, warmup: false });
  const s2 = grokfastInit(params(), noWarm);
  const g1 = gradAt(1), g2 = gradAt(2);
  grokfastApply(g1, s2, noWarm);
  grokfastApply(g2, s2, noWarm);
  close(g1.b.data, gradAt(1).b.data.map((x) => x * (1 + lamb)));
  close(g2.b.data, gradAt(2).b.data.map((x, i) => x + (lamb * (x + gradAt(1).b.data[i])) / 2));
});

test("state round-trips through named float32 tensors and continues identically; mismatches are named", () => {
  for (const cfg of [parseGrokfastConfig({ name: "ema", alpha: 0.7, lamb: 1.5 }), parseGrokfastConfig({ name: "ma", window: 4, lamb: 2 })] as GrokfastConfig[]) {
    const a = grokfastInit(params(), cfg);
    for (let t = 1; t <= 5; t++) grokfastApply(gradAt(t), a, cfg);
    const saved = grokfastStateTensors(a);
    const shapes = grokfastStateShapes(a, params(), cfg);
    for (const [k, v] of Object.entries(saved)) assert.equal(v.length, shapes[k].reduce((x, y) => x * y, 1), k);
    const b = grokfastInit(params(), cfg);
    loadGrokfastStateTensors(b, Object.fromEntries(Object.entries(saved).map(([k, v]) => [k, v.slice()])));
    assert.equal(b.step, 5);
    const ga = gradAt(6), gb = cloneParams(ga);
    grokfastApply(ga, a, cfg);
    grokfastApply(gb, b, cfg);
    close(gb.A.data, ga.A.data, 0);
    close(gb.b.data, ga.b.data, 0);
    const { ["grokfast/step"]: _s, ...noStep } = saved;
    assert.throws(() => loadGrokfastStateTensors(b, noStep), /grokfast\/step/);
  }
  const ema = grokfastInit(params(), parseGrokfastConfig({ name: "ema" }));
  const ma = grokfastStateTensors(grokfastInit(params(), parseGrokfastConfig({ name: "ma", window: 2 })));
  assert.throws(() => loadGrokfastStateTensors(ema, ma), /unexpected tensor "grokfast\/ma\/A"/);
});

test("gromov with Grokfast EMA (paper's α 0.98, λ 2) still memorizes and groks within 300 steps", async (t) => {
  // the filter runs inside trainStep (the spec's `grokfast` key), exactly as in `grokscope train`
  const config = normalizeSpec({ ...presetSpec("gromov"), seed: 1, steps: 300, grokfast: { name: "ema", alpha: 0.98, lamb: 2 } });
  const points = await trainHistory(config, (s) => s % 5 === 0);
  const r = { memorize: firstReaching(points, "train_acc"), grok: firstReaching(points, "test_acc") };
  t.diagnostic(`grokfast EMA gromov seed 1: memorize ${r.memorize}, grok ${r.grok}`);
  assert.ok(r.memorize !== null && r.grok !== null && r.grok >= r.memorize, JSON.stringify(r));
});
