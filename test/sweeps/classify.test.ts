/**
 * Phase rules on synthetic histories built to land in each class, and runs placed exactly on each threshold:
 * PAIR's rule (strict ">" on the losses, strict "<" on the ratio) and Liu et al.'s ("≥" on the accuracies,
 * gap "> gap" for grokking, within the budget). Threshold specs are validated with the key path in the error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricRow } from "../../src/runs/metrics-file.js";
import { SpecError } from "../../src/runs/spec.js";
import { SWEEP_PRESETS } from "../../src/sweeps/presets.js";
import {
  classifyLiu,
  classifyPair,
  LIU_CLASSES,
  LIU_DEFAULTS,
  liuStatistics,
  PAIR_CLASSES,
  PAIR_DEFAULTS,
  pairAccuracyStatistics,
  pairForm,
  pairStatistics,
  describePairRule,
  parseClassify,
  runClassifier,
} from "../../src/sweeps/classify.js";

type Point = [step: number, trainLoss: number, testLoss: number, trainAcc: number, testAcc: number];

/** Long-format rows (step order) from [step, train loss, test loss, train acc, test acc] points. */
function rows(points: readonly Point[]): MetricRow[] {
  return points.flatMap(([step, a, b, c, d]) => [
    { step, key: "train_loss", value: a },
    { step, key: "test_loss", value: b },
    { step, key: "train_acc", value: c },
    { step, key: "test_acc", value: d },
    { step, key: "weights/norm", value: 1 },
  ]);
}

const TINY = 2 ** -20; // ≈ 9.5e-7, below 1e-5, and x·TINY is exact for integer x

test("PAIR: histories built for each class land in it, checked in the rule's order", () => {
  const highTrain = rows([[0, 4, 4, 0, 0], [100, 0.1, 3, 0.9, 0.1], [200, 2e-5, 3, 1, 0.1]]);
  const memorize = rows([[0, 4, 4, 0, 0], [100, TINY, 3, 1, 0.1], [200, TINY, 2e-5, 1, 0.2]]);
  const together = rows([[0, 4, 4, 0, 0], [100, 1e-3, 3e-3, 1, 1], [200, TINY, 8 * TINY, 1, 1]]);
  const grok = rows([[0, 4, 4, 0, 0], [100, TINY, 3, 1, 0.1], [200, TINY, TINY, 1, 1]]);
  assert.equal(classifyPair(highTrain), "high_train_loss");
  assert.equal(classifyPair(memorize), "high_test_loss");
  assert.equal(classifyPair(together), "drop_together");
  assert.equal(classifyPair(grok), "grokking");
  assert.deepEqual(pairStatistics(grok), { min_train_loss: TINY, min_test_loss: TINY, max_ratio: 3 / TINY });
  assert.equal(pairStatistics(together).max_ratio, 8, "the ratio is the largest over the eval steps");
  assert.deepEqual([...PAIR_CLASSES], ["high_train_loss", "high_test_loss", "drop_together", "grokking"]);
});

test("PAIR thresholds: a loss exactly at its threshold is not 'high'; a ratio exactly at its threshold is grokking", () => {
  const t = { train_loss: TINY, test_loss: 4 * TINY, ratio: 50_000 };
  const base: Point[] = [[0, 1, 1, 0, 0], [100, TINY, 50_000 * TINY, 1, 0.2], [200, TINY, 4 * TINY, 1, 1]];
  assert.equal(pairStatistics(rows(base)).max_ratio, 50_000);
  assert.equal(classifyPair(rows(base), t), "grokking", "max ratio = threshold is not < threshold");
  assert.equal(classifyPair(rows(base), { ...t, ratio: 50_001 }), "drop_together");
  assert.equal(classifyPair(rows(base), { ...t, train_loss: TINY / 2 }), "high_train_loss", "min train loss just above");
  assert.equal(classifyPair(rows(base), { ...t, test_loss: 2 * TINY }), "high_test_loss", "min test loss just above");
  assert.equal(classifyPair(rows(base), {}), "grokking", "defaults: 1e-5, 1e-5, 5e4");
  // NaN values never count as low; a run whose losses are all NaN never fit
  const nan = rows([[0, NaN, NaN, 0, 0], [100, NaN, NaN, 0, 0]]);
  assert.equal(classifyPair(nan), "high_train_loss");
});

test("PAIR loss_floor: losses below the floor read as the floor, which caps the ratio as PAIR's float32 losses do", () => {
  const floor = 2 ** -23; // float32's rounding of a loss near 0: where PAIR's training losses stop
  // a float64 run: test/train 2⁻⁴ / 2⁻²⁸ = 2²⁴ at step 100; with the train loss floored at 2⁻²³ that is 2¹⁹
  const run = rows([[0, 1, 1, 0, 0], [100, 2 ** -28, 2 ** -4, 1, 0.1], [200, 2 ** -30, 2 ** -15, 1, 1], [300, 2 ** -31, 2 ** -26, 1, 1]]);
  assert.equal(pairStatistics(run).max_ratio, 2 ** 24);
  assert.equal(classifyPair(run, {}), "grokking", "ratio 2²⁴ ≥ 5e4");
  assert.deepEqual(pairStatistics(run, floor), { min_train_loss: floor, min_test_loss: floor, max_ratio: 2 ** 19 });
  assert.equal(classifyPair(run, { loss_floor: floor }), "grokking", "2¹⁹ ≥ 5e4 still");
  assert.equal(classifyPair(run, { loss_floor: 2 ** -10 }), "high_train_loss", "a floor above the train-loss threshold: never fits");
  const late = rows([[0, 1, 1, 0, 0], [100, 2 ** -28, 2 ** -10, 1, 0.5], [200, 2 ** -30, 2 ** -28, 1, 1]]);
  assert.equal(classifyPair(late), "grokking", "2¹⁸ unfloored");
  assert.equal(classifyPair(late, { loss_floor: floor }), "drop_together", "floored: 2⁻¹⁰ / 2⁻²³ = 2¹³ < 5e4");
  assert.equal(pairStatistics(rows([[0, NaN, NaN, 0, 0]]), floor).min_train_loss, Infinity, "NaN is not floored into a value");
  assert.match(describePairRule({ ...PAIR_DEFAULTS, by: "loss", loss_floor: floor }), /losses below 1\.19\d*e-7 read as/);
  assert.equal(parseClassify({ pair: { loss_floor: floor } }).pair.by, "loss", "naming a floor asks for the loss form");
  assert.throws(() => parseClassify({ pair: { loss_floor: 0 } }), /classify\.pair\.loss_floor/);
});

test("Liu et al.: comprehension, grokking, memorization, confusion from the steps reaching 90% accuracy", () => {
  const hist = (trainAt: number | null, testAt: number | null, last = 10_000): MetricRow[] => {
    const pts: Point[] = [];
    for (let s = 0; s <= last; s += 100) pts.push([s, 1, 1, trainAt !== null && s >= trainAt ? 1 : 0.5, testAt !== null && s >= testAt ? 0.95 : 0.3]);
    return rows(pts);
  };
  assert.equal(classifyLiu(hist(200, 700)), "comprehension");
  assert.equal(classifyLiu(hist(200, 5000)), "grokking");
  assert.equal(classifyLiu(hist(200, null)), "memorization");
  assert.equal(classifyLiu(hist(null, null)), "confusion");
  assert.equal(classifyLiu(hist(3000, 1000)), "comprehension", "test before train: a negative gap");
  assert.equal(classifyLiu(hist(null, 1000)), "comprehension", "test without train, as in the authors' code");
  assert.deepEqual(liuStatistics(hist(200, 5000)), { train_step: 200, test_step: 5000, budget: 10_000 });
  assert.deepEqual([...LIU_CLASSES], ["comprehension", "grokking", "memorization", "confusion"]);
  assert.deepEqual(LIU_DEFAULTS, { train_acc: 0.9, test_acc: 0.9, gap: 1000, budget: null });
});

test("Liu thresholds: accuracy exactly at the threshold counts, a gap exactly at the threshold is comprehension, budget cuts", () => {
  const h = rows([[0, 1, 1, 0.1, 0.1], [500, 1, 1, 0.9, 0.5], [1500, 1, 1, 1, 0.9], [1501, 1, 1, 1, 0.9], [4000, 1, 1, 1, 1]]);
  assert.deepEqual(liuStatistics(h), { train_step: 500, test_step: 1500, budget: 4000 });
  assert.equal(classifyLiu(h), "comprehension", "gap 1000 = threshold");
  assert.equal(classifyLiu(h, { gap: 999 }), "grokking");
  assert.equal(classifyLiu(h, { train_acc: 0.9000001 }), "comprehension", "train reaches 0.9000001 only at 1500: gap 0");
  assert.deepEqual(liuStatistics(h, { test_acc: 0.95 }), { train_step: 500, test_step: 4000, budget: 4000 });
  assert.equal(classifyLiu(h, { test_acc: 0.95 }), "grokking");
  assert.equal(classifyLiu(h, { test_acc: 0.95, budget: 3999 }), "memorization", "reached one step past the budget");
  assert.equal(classifyLiu(h, { budget: 499 }), "confusion");
});

test("missing metrics are named", () => {
  const noTest = rows([[0, 1, 1, 0, 0]]).filter((r) => r.key !== "test_loss" && r.key !== "test_acc");
  assert.throws(() => classifyPair(noTest), /PAIR classification: the run has no "test_loss" rows/);
  assert.throws(() => classifyLiu(noTest), /Liu classification: the run has no "test_acc" rows/);
});

test("threshold specs: defaults, partial blocks, the preset's block, and errors naming the key path", () => {
  const corruption = { clean: 0.9, inverted: 0.9, memorized: 0.9, test_acc: 0.9 }; // Doshi et al.'s phases (measures/memorization/corruption.ts)
  assert.deepEqual(parseClassify(undefined), { pair: PAIR_DEFAULTS, liu: LIU_DEFAULTS, corruption });
  assert.deepEqual(parseClassify({ liu: { gap: 500 } }), { pair: PAIR_DEFAULTS, liu: { ...LIU_DEFAULTS, gap: 500 }, corruption });
  assert.deepEqual(parseClassify(SWEEP_PRESETS["pair-sparse-parity"].spec.classify).pair, { ...PAIR_DEFAULTS, by: "loss", train_loss: 1e-5, test_loss: 1e-5, ratio: 5e4 });
  assert.equal(parseClassify(SWEEP_PRESETS["pair-mod67"].spec.classify).pair.by, "loss", "a spec naming a loss threshold keeps the loss form");
  assert.equal(parseClassify({ pair: { acc_gap: 0.3 } }).pair.by, null, "an accuracy threshold alone leaves the form to the loss");
  const bad: Array<[unknown, RegExp]> = [
    [{ liu: { gap: -1 } }, /^classify\.liu\.gap: must be ≥ 0$/],
    [{ liu: { test_acc: 1.5 } }, /^classify\.liu\.test_acc: must be ≤ 1$/],
    [{ liu: { budget: 2.5 } }, /^classify\.liu\.budget: must be an integer$/],
    [{ pair: { ratio: 0 } }, /^classify\.pair\.ratio: must be > 0$/],
    [{ pair: { ratoi: 5 } }, /^classify\.pair\.ratoi: unknown key; known keys: by, train_loss, test_loss, ratio, loss_floor, train_acc, test_acc, acc_gap$/],
    [{ pair: { by: "ratio" } }, /^classify\.pair\.by: /],
    [{ pair: { train_loss: "1e-5" } }, /^classify\.pair\.train_loss: /],
    [{ power: {} }, /^classify\.power: unknown key; known keys: pair, liu, corruption$/],
    [[1], /^classify: /],
  ];
  for (const [spec, re] of bad) {
    assert.throws(() => parseClassify(spec), (e: unknown) => e instanceof SpecError && re.test(e.message), JSON.stringify(spec));
  }
});

test("PAIR by accuracy: the default for MSE (whose fitted loss stays near 1e-3), loss form for cross-entropy and explicit thresholds", () => {
  // MSE-like histories: losses never go below 1e-4, accuracies tell the phases apart
  const neverFits = rows([[0, 1e-2, 1e-2, 0.01, 0.01], [100, 8e-3, 1e-2, 0.9, 0.05], [200, 7e-3, 1e-2, 0.98, 0.05]]);
  const memorizes = rows([[0, 1e-2, 1e-2, 0.01, 0.01], [100, 1e-3, 1e-2, 1, 0.05], [200, 7e-4, 1e-2, 1, 0.6]]);
  const together = rows([[0, 1e-2, 1e-2, 0.01, 0.01], [100, 3e-3, 4e-3, 0.7, 0.3], [200, 7e-4, 8e-4, 1, 0.99]]);
  const groks = rows([[0, 1e-2, 1e-2, 0.01, 0.01], [100, 1e-3, 1e-2, 1, 0.1], [200, 7e-4, 8e-4, 1, 1]]);
  assert.deepEqual([neverFits, memorizes, together, groks].map((h) => classifyPair(h, {}, "mse")), ["high_train_loss", "high_test_loss", "drop_together", "grokking"]);
  assert.deepEqual([neverFits, memorizes, together, groks].map((h) => classifyPair(h)), Array(4).fill("high_train_loss"), "the article's loss thresholds: every MSE run 'high train loss'");
  // a 70-point gap before the training set is fitted is not memorization; the gap counts from the fitted step on
  assert.equal(pairAccuracyStatistics(together).max_acc_gap, 1 - 0.99);
  assert.equal(classifyPair(groks, { acc_gap: 0.9 }, "mse"), "grokking", "a gap exactly at acc_gap is grokking");
  assert.equal(classifyPair(groks, { acc_gap: 0.95 }, "mse"), "drop_together");
  assert.equal(pairForm(PAIR_DEFAULTS, "cross_entropy"), "loss");
  assert.equal(pairForm(PAIR_DEFAULTS, "stablemax_cross_entropy"), "loss");
  assert.equal(pairForm(PAIR_DEFAULTS, undefined), "loss");
  assert.equal(pairForm(parseClassify({ pair: { test_loss: 1e-3 } }).pair, "mse"), "loss", "explicit loss thresholds are kept for MSE");
  assert.equal(pairForm(parseClassify({ pair: { by: "accuracy" } }).pair, "cross_entropy"), "accuracy");
  assert.match(describePairRule(PAIR_DEFAULTS, "mse"), /^PAIR, accuracy form \(the default for mse loss/);
  assert.match(describePairRule(PAIR_DEFAULTS, "cross_entropy"), /^PAIR, loss form .*lowest train loss > 0\.00001/);
  assert.deepEqual(runClassifier(undefined)(groks, "mse"), { pair: "grokking", liu: "comprehension" });
});

test("runClassifier validates once and records both rules per run", () => {
  assert.throws(() => runClassifier({ liu: { gap: -5 } }), /classify\.liu\.gap/);
  const classify = runClassifier({ liu: { gap: 50 } });
  const h = rows([[0, 4, 4, 0, 0], [100, TINY, 3, 1, 0.1], [200, TINY, TINY, 1, 1]]);
  assert.deepEqual(classify(h), { pair: "grokking", liu: "grokking" });
  assert.deepEqual(runClassifier(undefined)(h), { pair: "grokking", liu: "comprehension" }, "default gap 1000 > 100");
});
