/** Surfing: path length, orthogonal share and norm change of the updates taken while the train loss is below ε. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSurfingSettings, surfingMeasure, SURFING_MEASURES } from "../../src/measures/dynamics/surfing.js";
import type { MeasureContext } from "../../src/measures/measure.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/runs/checkpoint.js";
import { surfingNowd, surfingWd } from "../../src/runs/presets/surfing.js";
import { buildSetup } from "../../src/runs/setup.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { zerosLike, type Params } from "../../src/tensor/tensor.js";
import { evaluate, trainStep, type TrainSetup, type TrainState } from "../../src/train/loop.js";
import { surfingHook, surfingInit, surfingStateTensor, surfingSumsOf, type SurfingHook } from "../../src/train/surfing-tracker.js";
import { findHook } from "../../src/train/step-hooks.js";

const tiny = (extra: Record<string, unknown> = {}) =>
  normalizeSpec({
    steps: 40,
    seed: 2,
    task: { name: "modular", op: "add", p: 13, train_fraction: 0.5 },
    model: { name: "gromov", width: 32 },
    loss: "mse",
    optimizer: { name: "adamw", lr: 0.01, weight_decay: 1 },
    ...extra,
  });

/** ∇L on the whole training split at the current parameters, into buffers of the test's own (nothing shared with training). */
function fullGradient(setup: TrainSetup, params: Params): () => Params {
  const train = setup.data.train, C = setup.model.nOut;
  const grads = zerosLike(params, (n) => setup.backend.alloc(n));
  const dLogits = setup.backend.alloc(train.n * C);
  return () => {
    const fwd = setup.model.forward(params, train);
    setup.loss(fwd.logits, train.y, C, { dLogits });
    setup.model.backward(params, train, fwd, dLogits, grads);
    return grads;
  };
}

function flat(p: Params): Float64Array {
  return Float64Array.from(Object.values(p).flatMap((t) => [...t.data]));
}

/** The sums recomputed from parameter snapshots θ_0 … θ_T and the gradients g_1 … g_T, for the updates that count. */
function reference(thetas: Float64Array[], grads: Float64Array[], counts: boolean[]) {
  let steps = 0, path = 0, orth = 0, total = 0, norm = 0;
  const nrm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  for (let t = 1; t < thetas.length; t++) {
    if (!counts[t]) continue;
    const d = thetas[t].map((v, i) => v - thetas[t - 1][i]);
    const g = grads[t];
    const dd = d.reduce((s, x) => s + x * x, 0), dg = d.reduce((s, x, i) => s + x * g[i], 0), gg = g.reduce((s, x) => s + x * x, 0);
    steps++;
    path += Math.sqrt(dd);
    orth += dd - (dg * dg) / gg;
    total += dd;
    norm += nrm(thetas[t]) - nrm(thetas[t - 1]);
  }
  return { steps, path, orthFraction: orth / total, norm };
}

/** Puts the surfing tracker first on the state's step hooks, as a run that measures it does. */
function attachSurfing(state: TrainState, epsilon: number): void {
  state.hooks.unshift(surfingHook(epsilon));
}

const trackerOf = (state: TrainState) => findHook<SurfingHook>(state, "surfing")!.tracker;

function close(actual: number, expected: number, what: string, rel = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

test("full batch: the tracker sums every update exactly, and attaching it leaves training unchanged", async () => {
  const { setup, state } = await buildSetup(tiny());
  attachSurfing(state, 1e9); // every update counts
  const thetas = [flat(state.params)], grads: Float64Array[] = [new Float64Array(0)];
  while (state.step < 40) {
    trainStep(setup, state);
    thetas.push(flat(state.params));
    grads.push(flat(state.grads)); // full batch: the step's gradient is ∇L at θ_{t−1}
  }
  const ref = reference(thetas, grads, thetas.map(() => true));
  const r = surfingMeasure({ surfing: surfingSumsOf(state)! } as MeasureContext);
  assert.equal(r["surfing/steps"], 40);
  close(r["surfing/path_length"], ref.path, "path length");
  close(r["surfing/orthogonal_fraction"], ref.orthFraction, "orthogonal fraction");
  close(r["surfing/norm_change"], ref.norm, "norm change");

  const plain = await buildSetup(tiny());
  while (plain.state.step < 40) trainStep(plain.setup, plain.state);
  for (const name of Object.keys(state.params)) assert.deepEqual(plain.state.params[name].data, state.params[name].data, name);
  setup.backend.dispose();
  plain.setup.backend.dispose();
});

test("minibatches: only updates whose full-batch loss is below ε count, each against the full-batch gradient", async () => {
  const cfg = tiny({ batch_size: 16 });
  // a first pass picks ε between the losses the run goes through
  const probe = await buildSetup(cfg);
  const losses: number[] = [];
  while (probe.state.step < 40) {
    losses.push(evaluate(probe.setup, probe.state, probe.setup.data.train).loss);
    trainStep(probe.setup, probe.state);
  }
  const epsilon = [...losses].sort((a, b) => a - b)[20];

  const { setup, state } = await buildSetup(cfg);
  attachSurfing(state, epsilon);
  const thetas = [flat(state.params)], grads: Float64Array[] = [new Float64Array(0)], counts = [false];
  const gradient = fullGradient(setup, state.params);
  while (state.step < 40) {
    counts.push(evaluate(setup, state, setup.data.train).loss < epsilon);
    grads.push(flat(gradient()));
    trainStep(setup, state);
    thetas.push(flat(state.params));
  }
  const ref = reference(thetas, grads, counts);
  assert.ok(ref.steps > 5 && ref.steps < 35, `ε splits the run: ${ref.steps} of 40 count`);
  const s = surfingSumsOf(state)!;
  assert.equal(s.steps, ref.steps);
  close(s.pathLength, ref.path, "path length");
  close(s.orthogonalSq / s.totalSq, ref.orthFraction, "orthogonal fraction");
  close(s.normChange, ref.norm, "norm change");
  for (const name of Object.keys(state.params)) assert.deepEqual(probe.state.params[name].data, state.params[name].data, `${name}: the tracker changed training`);
  for (const r of [probe, { setup }]) r.setup.backend.dispose();
});

test("the sums are part of the checkpoint: a resumed run continues them bit-identically", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-surf-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (): Promise<{ setup: TrainSetup; state: TrainState }> => {
    const r = await buildSetup(tiny());
    attachSurfing(r.state, 5e-2);
    return r;
  };
  const a = await run();
  while (a.state.step < 20) trainStep(a.setup, a.state);
  await saveCheckpoint(dir, "surf", a.state);
  while (a.state.step < 40) trainStep(a.setup, a.state);
  const b = await run();
  await loadCheckpoint(dir, 20, b.state);
  while (b.state.step < 40) trainStep(b.setup, b.state);
  assert.ok(surfingSumsOf(a.state)!.steps > 0);
  assert.deepEqual(surfingStateTensor(trackerOf(b.state)), surfingStateTensor(trackerOf(a.state)));
  // a run with another ε refuses the checkpoint rather than mixing two definitions
  const c = await buildSetup(tiny());
  attachSurfing(c.state, 1e-2);
  await assert.rejects(loadCheckpoint(dir, 20, c.state), /saved with epsilon 0\.05, the run uses 0\.01/);
  for (const r of [a, b, c]) r.setup.backend.dispose();
});

test("with weight decay the run travels far along the near-zero-loss set, orthogonally to ∇L; without, it barely moves", async () => {
  const sums = async (preset: typeof surfingWd) => {
    const { measure_settings: _, ...spec } = preset.spec;
    const { setup, state } = await buildSetup(normalizeSpec({ ...spec, steps: 2000 }));
    attachSurfing(state, 1e-3);
    while (state.step < 2000) trainStep(setup, state);
    const test = evaluate(setup, state, setup.data.test).acc;
    setup.backend.dispose();
    return { ...surfingSumsOf(state)!, orth: surfingSumsOf(state)!.orthogonalSq / surfingSumsOf(state)!.totalSq, test };
  };
  const wd = await sums(surfingWd), nowd = await sums(surfingNowd);
  // measured: wd path 23.5, ⊥ 0.996, norm −4.7, test 1.0; no wd path 8.8, ⊥ 0.002, norm +1.7, test 0.015
  assert.ok(wd.steps > 1000 && nowd.steps > 1000, `both fit early: ${wd.steps}, ${nowd.steps} steps below ε`);
  assert.ok(wd.pathLength > 1.8 * nowd.pathLength, `path: wd ${wd.pathLength} vs no wd ${nowd.pathLength}`);
  assert.ok(wd.orth > 0.9 && nowd.orth < 0.1, `orthogonal share: wd ${wd.orth}, no wd ${nowd.orth}`);
  assert.ok(wd.normChange < -1 && nowd.normChange > 0, `norm change: wd ${wd.normChange}, no wd ${nowd.normChange}`);
  assert.ok(wd.test >= 0.99 && nowd.test < 0.1, `test accuracy: wd ${wd.test}, no wd ${nowd.test}`);
});

test("settings and bad input: ε ≤ 0 names the key; the measure needs the tracker; no ⊥ share before the first update", () => {
  assert.equal(parseSurfingSettings(undefined).epsilon, 1e-3);
  assert.equal(parseSurfingSettings({ epsilon: 1e-5 }, "measure_settings.surfing").epsilon, 1e-5);
  for (const bad of [0, -1]) assert.throws(() => parseSurfingSettings({ epsilon: bad }, "measure_settings.surfing"), /^Error: measure_settings\.surfing\.epsilon: must be > 0$/);
  assert.throws(() => parseSurfingSettings({ eps: 1 }, "measure_settings.surfing"), /measure_settings\.surfing\.eps: unknown key; known keys: epsilon/);
  assert.throws(() => surfingInit(0), /epsilon must be a finite number > 0/);
  assert.throws(() => SURFING_MEASURES.surfing.compute({} as MeasureContext), /needs the per-step tracker/);
  assert.deepEqual(surfingMeasure({ surfing: surfingInit(1).sums } as MeasureContext), { "surfing/path_length": 0, "surfing/norm_change": 0, "surfing/steps": 0 });
});
