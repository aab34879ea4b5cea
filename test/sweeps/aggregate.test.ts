/**
 * Per-cell aggregation against hand-computed values: class counts, fractions, majority (ties to the first class),
 * grid order, the grok-step spread by type-7 percentiles over the seeds that grokked, and the label-corruption phases
 * (Doshi et al. 2024) for the cells whose runs had corrupted labels.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricRow } from "../../src/runs/metrics-file.js";
import type { RunSummary } from "../../src/runs/run.js";
import { CORRUPTION_PHASE_LABELS, CORRUPTION_PHASES } from "../../src/measures/memorization/corruption.js";
import { aggregateCells, grokStepStats, quantile } from "../../src/sweeps/aggregate.js";
import type { AxisValue, SweepRunResult } from "../../src/sweeps/types.js";

const TINY = 2 ** -20;

/** A history of the given kind: PAIR and Liu classes in the comment. */
function history(kind: "grok" | "memorize" | "together" | "stuck"): MetricRow[] {
  // [step, train loss, test loss, train acc, test acc]
  const pts: Record<typeof kind, number[][]> = {
    grok: [[0, 4, 4, 0, 0], [100, TINY, 3, 1, 0.1], [5000, TINY, TINY, 1, 1]], // grokking / grokking (gap 4900)
    memorize: [[0, 4, 4, 0, 0], [100, TINY, 3, 1, 0.1], [5000, TINY, 3, 1, 0.1]], // high_test_loss / memorization
    together: [[0, 4, 4, 0, 0], [100, 1e-3, 2e-3, 1, 1], [5000, TINY, 2 * TINY, 1, 1]], // drop_together / comprehension
    stuck: [[0, 4, 4, 0, 0], [100, 3, 3, 0.2, 0.1], [5000, 2, 3, 0.5, 0.1]], // high_train_loss / confusion
  };
  return pts[kind].flatMap(([step, a, b, c, d]) => [
    { step, key: "train_loss", value: a },
    { step, key: "test_loss", value: b },
    { step, key: "train_acc", value: c },
    { step, key: "test_acc", value: d },
  ]);
}

function run(cell: Record<string, AxisValue>, seed: number, kind: Parameters<typeof history>[0], grok_step: number | null): SweepRunResult {
  const summary = { run_id: `r${seed}`, preset: null, seed, steps: 5000, train_acc: 1, test_acc: 1, train_loss: 0, test_loss: 0, memorize_step: 100, grok_step, grok_delay: null, final_measures: {}, backend: "js", seconds: 0, run_dir: "" } satisfies RunSummary;
  const runKey = [...Object.entries(cell).map(([k, v]) => `${k}=${v}`), `seed=${seed}`].join(",");
  return { runKey, cell, seed, summary, rows: history(kind) };
}

/**
 * A run with corrupted labels: the "grok" history, then the final test accuracy and corruption values of `phase` at
 * the last step (with the default thresholds 0.9: test ≥ 0.9 generalizes, corrupted/inversion/clean ≥ 0.9 count).
 */
function corruptedRun(cell: Record<string, AxisValue>, seed: number, phase: "coexistence" | "full_inversion" | "partial_inversion" | "memorization" | "forgetting" | "confusion"): SweepRunResult {
  // [test acc, clean, corrupted, inversion]
  const final: Record<typeof phase, number[]> = {
    coexistence: [0.95, 1, 0.97, 0.02],
    full_inversion: [0.95, 1, 0.03, 0.95],
    partial_inversion: [0.95, 1, 0.5, 0.4],
    memorization: [0.1, 1, 1, 0],
    forgetting: [0.1, 0.3, 0.2, 0.05],
    confusion: [0.3, 0.99, 0.5, 0.1],
  };
  const [test, clean, corrupted, inversion] = final[phase];
  const base = run(cell, seed, "grok", 5000);
  const rows = base.rows.map((r) => (r.step === 5000 && r.key === "test_acc" ? { ...r, value: test } : r));
  // an earlier step with the opposite values: the classifier reads the last step that has all four keys
  for (const [step, v] of [[100, [1 - clean, 1 - corrupted, 1 - inversion]], [5000, [clean, corrupted, inversion]]] as const) {
    rows.push({ step, key: "corruption/train_acc_clean", value: v[0] }, { step, key: "corruption/train_acc_corrupted", value: v[1] }, { step, key: "corruption/inversion", value: v[2] });
  }
  return { ...base, rows };
}

test("quantile: type 7 (linear between order statistics) against hand-computed values", () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.ok(Math.abs(quantile([1, 2, 3, 4], 0.1) - 1.3) < 1e-12, "h = 3·0.1 = 0.3 → 1 + 0.3·(2 − 1)");
  assert.ok(Math.abs(quantile([1, 2, 3, 4], 0.9) - 3.7) < 1e-12, "h = 2.7 → 3 + 0.7·(4 − 3)");
  assert.equal(quantile([0, 10], 0.25), 2.5);
  assert.equal(quantile([7, 8, 20], 0), 7);
  assert.equal(quantile([7, 8, 20], 1), 20);
  assert.equal(quantile([7, 8, 20], 0.5), 8, "odd n: the middle value");
  assert.equal(quantile([42], 0.9), 42);
  assert.throws(() => quantile([], 0.5), /no values/);
  assert.throws(() => quantile([1], 1.5), /p must be in \[0, 1\]/);
});

test("grok-step stats: percentiles over the seeds that grokked; never-grokked seeds counted in n only", () => {
  const g = grokStepStats([null, 3000, 1000, null, 2000]);
  assert.equal(g.n, 5);
  assert.equal(g.n_grokked, 3);
  assert.deepEqual(g.steps, [1000, 2000, 3000]);
  assert.equal(g.median, 2000);
  assert.equal(g.p10, 1200, "h = 2·0.1 = 0.2 → 1000 + 0.2·1000");
  assert.equal(g.p90, 2800, "h = 1.8 → 2000 + 0.8·1000");
  assert.deepEqual(grokStepStats([null, null]), { n: 2, n_grokked: 0, median: null, p10: null, p90: null, steps: [] });
});

test("cells: counts, fractions, majority per rule, in grid order; cells without runs left out", () => {
  const axes = { "optimizer.weight_decay": [0.1, 1], "model.width": [16, 32] };
  const A = { "optimizer.weight_decay": 0.1, "model.width": 32 };
  const B = { "optimizer.weight_decay": 1, "model.width": 16 };
  const C = { "optimizer.weight_decay": 0.1, "model.width": 16 };
  const results = [
    run(B, 2, "stuck", null),
    run(A, 3, "grok", 5000),
    run(A, 1, "grok", 3000),
    run(A, 2, "memorize", null),
    run(C, 1, "together", 100),
    run(C, 2, "memorize", null),
    run(A, 4, "grok", 9000),
    run(A, 5, "together", 100),
  ];
  const cells = aggregateCells(results, axes);
  assert.deepEqual(cells.map((c) => c.key), ["optimizer.weight_decay=0.1,model.width=16", "optimizer.weight_decay=0.1,model.width=32", "optimizer.weight_decay=1,model.width=16"]);
  const a = cells[1];
  assert.deepEqual(a.cell, A);
  assert.equal(a.n, 5);
  assert.deepEqual(a.seeds, [1, 2, 3, 4, 5]);
  assert.deepEqual(a.pair.counts, { high_train_loss: 0, high_test_loss: 1, drop_together: 1, grokking: 3 });
  assert.deepEqual(a.pair.fractions, { high_train_loss: 0, high_test_loss: 0.2, drop_together: 0.2, grokking: 0.6 });
  assert.equal(a.pair.majority, "grokking");
  assert.equal(a.pair.majority_fraction, 0.6);
  assert.deepEqual(a.liu.counts, { comprehension: 1, grokking: 3, memorization: 1, confusion: 0 });
  assert.equal(a.liu.majority_label, "grokking");
  // grok steps 100, 3000, 5000, 9000 (seed 2 never): median 4000, p10 h=0.3 → 100 + 0.3·2900 = 970, p90 h=2.7 → 5000 + 0.7·4000 = 7800
  assert.equal(a.grok.n, 5);
  assert.equal(a.grok.n_grokked, 4);
  assert.equal(a.grok.median, 4000);
  assert.ok(Math.abs(a.grok.p10! - 970) < 1e-9 && Math.abs(a.grok.p90! - 7800) < 1e-9, `${a.grok.p10} ${a.grok.p90}`);
  // a 1–1 tie goes to the class listed first (high_test_loss before drop_together; comprehension before memorization)
  assert.equal(cells[0].pair.majority, "high_test_loss");
  assert.equal(cells[0].pair.majority_fraction, 0.5);
  assert.equal(cells[0].liu.majority, "comprehension");
  assert.deepEqual(cells[2].pair.counts, { high_train_loss: 1, high_test_loss: 0, drop_together: 0, grokking: 0 });
  assert.equal(cells[2].liu.majority, "confusion");
  // the counts of every cell add up to its runs, for both rules
  for (const c of cells) for (const s of [c.pair.counts, c.liu.counts]) assert.equal(Object.values(s).reduce((x: number, y: number) => x + y, 0), c.n);
});

test("thresholds reach the classifier; a grok-step function can replace the summary's", () => {
  const axes = { "optimizer.weight_decay": [0.1] };
  const results = [run({ "optimizer.weight_decay": 0.1 }, 1, "grok", 5000), run({ "optimizer.weight_decay": 0.1 }, 2, "grok", 6000)];
  assert.equal(aggregateCells(results, axes)[0].liu.majority, "grokking");
  assert.equal(aggregateCells(results, axes, { classify: { liu: { gap: 10_000 } } })[0].liu.majority, "comprehension");
  assert.equal(aggregateCells(results, axes, { grokStep: (r) => r.seed * 10 })[0].grok.median, 15);
  assert.throws(() => aggregateCells(results, axes, { classify: { pair: { ratio: -1 } } }), /classify\.pair\.ratio/);
});

test("corruption phases: per-cell counts in CORRUPTION_PHASES order, majority with ties to the first; absent on clean cells", () => {
  const axes = { "task.label_noise": [0, 0.1, 0.5], "optimizer.weight_decay": [0, 3] };
  const cell = (xi: number, wd: number) => ({ "task.label_noise": xi, "optimizer.weight_decay": wd });
  const results = [
    run(cell(0, 3), 1, "grok", 5000),
    corruptedRun(cell(0.1, 0), 1, "memorization"),
    corruptedRun(cell(0.1, 0), 2, "memorization"),
    corruptedRun(cell(0.1, 0), 3, "confusion"),
    corruptedRun(cell(0.1, 3), 1, "coexistence"),
    corruptedRun(cell(0.1, 3), 2, "full_inversion"),
    corruptedRun(cell(0.5, 0), 1, "forgetting"),
    corruptedRun(cell(0.5, 3), 1, "partial_inversion"),
    corruptedRun(cell(0.5, 3), 2, "full_inversion"),
    corruptedRun(cell(0.5, 3), 3, "full_inversion"),
  ];
  const cells = aggregateCells(results, axes);
  assert.deepEqual(cells.map((c) => c.key), ["task.label_noise=0,optimizer.weight_decay=3", "task.label_noise=0.1,optimizer.weight_decay=0", "task.label_noise=0.1,optimizer.weight_decay=3", "task.label_noise=0.5,optimizer.weight_decay=0", "task.label_noise=0.5,optimizer.weight_decay=3"]);
  assert.equal(cells[0].corruption, undefined, "ξ = 0: no corrupted labels, no corruption summary");
  assert.ok(!("corruption" in cells[0]), "the key is left out, not set to undefined");
  const [, mem, tie, forget, inv] = cells;
  assert.deepEqual(Object.keys(mem.corruption!.counts), [...CORRUPTION_PHASES], "every phase present, in phase order");
  assert.deepEqual(mem.corruption!.counts, { coexistence: 0, partial_inversion: 0, full_inversion: 0, memorization: 2, forgetting: 0, confusion: 1 });
  assert.equal(mem.corruption!.majority, "memorization");
  assert.equal(mem.corruption!.majority_fraction, 2 / 3);
  assert.equal(mem.corruption!.majority_label, CORRUPTION_PHASE_LABELS.memorization);
  assert.equal(tie.corruption!.majority, "coexistence", "a 1–1 tie goes to the phase listed first");
  assert.equal(tie.corruption!.fractions.full_inversion, 0.5);
  assert.equal(forget.corruption!.majority, "forgetting");
  assert.deepEqual(inv.corruption!.counts, { coexistence: 0, partial_inversion: 1, full_inversion: 2, memorization: 0, forgetting: 0, confusion: 0 });
  for (const c of cells.slice(1)) assert.equal(Object.values(c.corruption!.counts).reduce((x: number, y: number) => x + y, 0), c.n, "counts add up to the cell's runs");
  // thresholds reach the corruption rule: with memorized ≥ 0.98 the coexistence run (0.97 memorized) becomes partial inversion
  const strict = aggregateCells(results, axes, { classify: { corruption: { memorized: 0.98 } } });
  assert.deepEqual(strict[2].corruption!.counts, { coexistence: 0, partial_inversion: 1, full_inversion: 1, memorization: 0, forgetting: 0, confusion: 0 });
  assert.equal(strict[1].corruption!.majority, "memorization", "memorized 1 ≥ 0.98 still");
  assert.throws(() => aggregateCells(results, axes, { classify: { corruption: { test_acc: 1.5 } } }), /classify\.corruption\.test_acc/);
});

test("runs outside the grid are refused, naming the run and the axis", () => {
  const axes = { "optimizer.weight_decay": [0.1, 1] };
  assert.throws(() => aggregateCells([run({ "optimizer.weight_decay": 0.3 }, 1, "grok", 1)], axes), /run "optimizer\.weight_decay=0\.3,seed=1": optimizer\.weight_decay=0\.3 is not a value of the axis \(0\.1, 1\)/);
  assert.throws(() => aggregateCells([run({ "model.width": 8 }, 1, "grok", 1)], axes), /axis "model\.width" is not an axis of the sweep/);
  assert.throws(() => aggregateCells([run({}, 1, "grok", 1)], axes), /no value for axis "optimizer\.weight_decay"/);
});
