/** Label corruption (Doshi et al. 2024): clean/corrupted train accuracy, inversion, and the phase rule. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  classifyCorruption,
  classifyCorruptionRows,
  corruptionClasses,
  CORRUPTION_MEASURES,
  CORRUPTION_PHASES,
  parseCorruptionThresholds,
  corruptionAccuracy,
  corruptionMeasure,
  predictions,
  type CorruptionOutcome,
} from "../../src/measures/memorization/corruption.js";
import type { MeasureContext } from "../../src/measures/measure.js";
import { createGromov } from "../../src/models/gromov.js";
import type { Model } from "../../src/models/model.js";
import { normalizeSpec, SpecError } from "../../src/runs/spec.js";
import type { Split, TokenSplit } from "../../src/tasks/dataset.js";
import { modularDataset } from "../../src/tasks/modular.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import { mse } from "../../src/train/losses.js";

const P = 23;
const noisy = modularDataset({ op: "add", p: P, trainFraction: 0.5, labelNoise: 0.2 }, keyFromSeed(3));

/** A model with no parameters whose logits are one-hot at label(split, i): a perfect rule or a perfect lookup table. */
function oracle(label: (s: TokenSplit, i: number) => number): Model {
  return {
    name: "oracle",
    nOut: P,
    init: () => ({}),
    forward: (_params, split) => {
      const s = split as TokenSplit, z = new Float32Array(s.n * P);
      for (let i = 0; i < s.n; i++) z[i * P + label(s, i)] = 1;
      return { logits: z, cache: {} };
    },
    backward: () => {},
  };
}
const rule = oracle((s, i) => (s.x[2 * i] + s.x[2 * i + 1]) % P);
const table = oracle((s, i) => s.y[i]);
const ctx = (model: Model): MeasureContext => ({ params: {}, data: noisy, model, step: 0 });

test("a model that knows the rule inverts every corrupted label; one that looks labels up memorizes them", () => {
  const n = noisy.train.n, nc = noisy.train.corrupted!.length;
  assert.equal(nc, Math.floor(0.2 * n));
  const r = corruptionMeasure(ctx(rule));
  assert.deepEqual(r, { "corruption/train_acc_clean": 1, "corruption/train_acc_corrupted": 0, "corruption/inversion": 1 });
  const m = corruptionMeasure(ctx(table));
  assert.deepEqual(m, { "corruption/train_acc_clean": 1, "corruption/train_acc_corrupted": 1, "corruption/inversion": 0 });
});

test("hand-made split: clean, corrupted and inversion shares, and a third class counts as neither", () => {
  // rows 1 and 3 corrupted (true labels 1 and 3, training labels 5 and 6)
  const split: Split = { n: 5, x: new Int32Array(10), y: Int32Array.of(0, 5, 2, 6, 4), yClean: Int32Array.of(0, 1, 2, 3, 4), corrupted: Int32Array.of(1, 3) };
  const a = corruptionAccuracy(Int32Array.of(0, 5, 9, 3, 4), split);
  assert.deepEqual(a, { clean: 2 / 3, corrupted: 1 / 2, inversion: 1 / 2, nClean: 3, nCorrupted: 2 });
  const b = corruptionAccuracy(Int32Array.of(0, 7, 2, 7, 4), split);
  assert.equal(b.corrupted + b.inversion, 0, "a third class is neither memorized nor inverted");
  assert.throws(() => corruptionAccuracy(new Int32Array(4), split), /4 predictions for a split of 5 rows/);
});

test("on a real network the clean and corrupted accuracies recombine exactly into the loss's train accuracy", () => {
  const backend = createJsBackend();
  const model = createGromov({ width: 48, init_scale: 1 }, noisy, backend);
  const params = model.init(keyFromSeed(9));
  const fwd = model.forward(params, noisy.train);
  const correct = mse(fwd.logits, noisy.train.y, P).correct;
  const a = corruptionAccuracy(predictions(fwd.logits, noisy.train.n, P), noisy.train);
  assert.ok(a.clean > 0 && a.corrupted > 0, "both kinds of rows are hit at this seed (10 clean + 2 corrupted of 264)");
  assert.equal(Math.round(a.clean * a.nClean + a.corrupted * a.nCorrupted), correct);
  assert.ok(a.corrupted + a.inversion <= 1);
});

test("the measure applies only with corrupted training labels; ξ outside [0, 1) is refused naming the key", () => {
  const clean = modularDataset({ op: "add", p: P, trainFraction: 0.5 }, keyFromSeed(3));
  const def = CORRUPTION_MEASURES.corruption;
  assert.match(def.appliesTo!(rule, clean, {}) ?? "", /needs corrupted training labels \(task\.label_noise > 0/);
  assert.equal(def.appliesTo!(rule, noisy, {}), null);
  assert.throws(() => corruptionMeasure({ ...ctx(rule), data: clean }), /needs corrupted training labels/);
  const spec = (label_noise: number) => ({ steps: 1, task: { name: "modular", op: "add", p: P, label_noise }, model: { name: "gromov" }, loss: "mse", optimizer: { name: "adamw", lr: 0.01 } });
  for (const bad of [1, 1.5, -0.1]) {
    assert.throws(() => normalizeSpec(spec(bad)), (e: Error) => e instanceof SpecError && /^task\.label_noise: must be in \[0, 1\)/.test(e.message));
  }
  assert.equal((normalizeSpec(spec(0.1)).task as { label_noise?: number }).label_noise, 0.1);
});

test("phase rule: each of the six phases from final accuracies; thresholds adjustable and checked", () => {
  const o = (test_acc: number, train_acc_clean: number, train_acc_corrupted: number, inversion: number): CorruptionOutcome => ({ test_acc, train_acc_clean, train_acc_corrupted, inversion });
  const cases: [CorruptionOutcome, string][] = [
    [o(0.99, 1, 1, 0), "coexistence"],
    [o(0.99, 1, 0.5, 0.5), "partial_inversion"],
    [o(1, 1, 0, 1), "full_inversion"],
    [o(0.03, 1, 1, 0), "memorization"],
    [o(0.02, 0.04, 0.08, 0), "forgetting"],
    [o(0.85, 1, 0.6, 0.3), "confusion"],
  ];
  for (const [outcome, phase] of cases) assert.equal(classifyCorruption(outcome), phase, JSON.stringify(outcome));
  assert.deepEqual(new Set(cases.map((c) => c[1])), new Set(CORRUPTION_PHASES));
  // test accuracy 0.85 generalizes under a looser rule
  assert.equal(classifyCorruption(o(0.85, 1, 0.6, 0.3), { test_acc: 0.8 }), "partial_inversion");
  assert.throws(() => classifyCorruption(o(1, 1, 1, 0), { memorized: 0 }), /threshold memorized must be in \(0, 1\]/);
});

test("phase from metric rows: the last step holding all four keys; a run without the measure is named", () => {
  const rows = [
    { step: 100, key: "test_acc", value: 0.02 },
    { step: 100, key: "corruption/train_acc_clean", value: 1 },
    { step: 100, key: "corruption/train_acc_corrupted", value: 1 },
    { step: 100, key: "corruption/inversion", value: 0 },
    { step: 200, key: "test_acc", value: 1 },
    { step: 200, key: "corruption/train_acc_clean", value: 1 },
    { step: 200, key: "corruption/train_acc_corrupted", value: 0 },
    { step: 200, key: "corruption/inversion", value: 1 },
    { step: 210, key: "test_acc", value: 1 }, // an evaluation without the measure
  ];
  assert.equal(classifyCorruptionRows(rows), "full_inversion");
  assert.equal(classifyCorruptionRows(rows.filter((r) => r.step === 100)), "memorization");
  assert.throws(() => classifyCorruptionRows(rows.filter((r) => r.key !== "corruption/inversion")), /no "corruption\/inversion" rows/);
  assert.deepEqual(corruptionClasses(rows), { corruption: "full_inversion" });
  assert.deepEqual(corruptionClasses(rows.filter((r) => !r.key.startsWith("corruption/"))), {}, "a clean run of the sweep");
});

test("thresholds as a sweep spec writes them: defaults filled, bad values named with their key path", () => {
  assert.deepEqual(parseCorruptionThresholds(undefined), { test_acc: 0.9, memorized: 0.9, inverted: 0.9, clean: 0.9 });
  assert.equal(parseCorruptionThresholds({ test_acc: 0.95 }).test_acc, 0.95);
  assert.throws(() => parseCorruptionThresholds({ inverted: 1.2 }), /^Error: classify\.corruption\.inverted: must be in \(0, 1\]$/);
  assert.throws(() => parseCorruptionThresholds({ gap: 1 }), /classify\.corruption\.gap: unknown key; known keys: test_acc, memorized, inverted, clean/);
});
