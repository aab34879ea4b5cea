/** D_crit from a dataset-size scan (Varma et al. 2023) against hand-computed crossings, per group, and bad input. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunSummary } from "../../src/runs/run.js";
import { SpecError } from "../../src/runs/spec.js";
import { estimateDcrit, formatDcrit, fromPoints } from "../../src/sweeps/dcrit.js";
import type { AxisValue, SweepRunResult } from "../../src/sweeps/types.js";

function run(cell: Record<string, AxisValue>, seed: number, grokked: boolean, testAcc = grokked ? 1 : 0.05): SweepRunResult {
  const summary = { run_id: `r${seed}`, preset: null, seed, steps: 1000, train_acc: 1, test_acc: testAcc, train_loss: 0, test_loss: 0, memorize_step: 50, grok_step: grokked ? 400 : null, grok_delay: null, final_measures: {}, backend: "js", seconds: 0, run_dir: "" } satisfies RunSummary;
  const runKey = [...Object.entries(cell).map(([k, v]) => `${k}=${v}`), `seed=${seed}`].join(",");
  return { runKey, cell, seed, summary, rows: [] };
}

/** Seeds 1…n at `x`, the first `k` of them grokked. */
const at = (x: number, k: number, n = 3, extra: Record<string, AxisValue> = {}) =>
  Array.from({ length: n }, (_, i) => run({ ...extra, "task.train_fraction": x }, i + 1, i < k));

test("D_crit: 50% crossing interpolated between the last minority and the first majority value", () => {
  // grokked shares 0, 1/3, 2/3, 1 at 0.1 … 0.4: crossing at 0.2 + (0.5 − 1/3)/(2/3 − 1/3)·0.1 = 0.25
  const [e] = estimateDcrit([...at(0.3, 2), ...at(0.1, 0), ...at(0.4, 3), ...at(0.2, 1)]);
  assert.deepEqual(e.points.map((p) => p.x), [0.1, 0.2, 0.3, 0.4], "ascending whatever the input order");
  assert.deepEqual(e.points.map((p) => p.grokked), [0, 1, 2, 3]);
  assert.equal(e.status, "found");
  assert.equal(e.majority, 0.3);
  assert.ok(Math.abs(e.crossing! - 0.25) < 1e-12, `crossing ${e.crossing}`);
  assert.ok(Math.abs(e.points[1].test_acc - (1 + 0.05 + 0.05) / 3) < 1e-12, "mean final test accuracy");
});

test("D_crit: a majority that is not kept at larger sizes does not count; ranges below and above the scan", () => {
  // 0.2 has a lucky majority, 0.3 falls back: most seeds grok only from 0.4 on
  const [e] = estimateDcrit([...at(0.1, 0), ...at(0.2, 2), ...at(0.3, 1), ...at(0.4, 3), ...at(0.5, 3)]);
  assert.equal(e.majority, 0.4);
  assert.ok(Math.abs(e.crossing! - (0.3 + ((0.5 - 1 / 3) / (1 - 1 / 3)) * 0.1)) < 1e-12);
  assert.deepEqual(fromPoints([{ x: 0.1, n: 2, grokked: 2, fraction: 1, test_acc: 1 }]), { majority: 0.1, crossing: null, status: "below_range" });
  const above = estimateDcrit([...at(0.1, 0), ...at(0.2, 1)])[0];
  assert.deepEqual([above.majority, above.crossing, above.status], [null, null, "above_range"]);
  assert.match(formatDcrit([above], "task.train_fraction"), /D_crit > 0\.2 .*0\.1: 0\/3, 0\.2: 1\/3/);
});

test("D_crit: one estimate per value of the other axes; a custom grokked rule (semi-grokking counts as not grokked)", () => {
  const runs = [...at(0.1, 0, 2, { "optimizer.weight_decay": 1 }), ...at(0.2, 2, 2, { "optimizer.weight_decay": 1 }), ...at(0.1, 2, 2, { "optimizer.weight_decay": 5 }), ...at(0.2, 2, 2, { "optimizer.weight_decay": 5 })];
  const es = estimateDcrit(runs);
  assert.equal(es.length, 2);
  const byWd = Object.fromEntries(es.map((e) => [e.group["optimizer.weight_decay"], e]));
  assert.equal(byWd[1].status, "found");
  assert.ok(Math.abs(byWd[1].crossing! - 0.15) < 1e-12, "0 → 1 between 0.1 and 0.2: midpoint");
  assert.equal(byWd[5].status, "below_range");
  const strict = estimateDcrit([run({ "task.n_train": 500 }, 1, true, 0.6), run({ "task.n_train": 1000 }, 1, true, 1)], { grokked: (r) => r.summary.test_acc >= 0.99 });
  assert.deepEqual([strict[0].majority, strict[0].crossing], [1000, 750], "the size axis task.n_train is found too");
  assert.match(formatDcrit(strict), /D_crit ≈ 750 /);
});

test("D_crit: bad input names the axis or the run", () => {
  assert.throws(() => estimateDcrit([]), (e: Error) => e instanceof SpecError && /no finished runs/.test(e.message));
  assert.throws(() => estimateDcrit([run({ "model.width": 64 }, 1, true)]), /no dataset-size axis .*model\.width/);
  assert.throws(() => estimateDcrit([run({ "task.train_fraction": "half" }, 1, true)], { axis: "task.train_fraction" }), /must be numeric, run "task\.train_fraction=half,seed=1"/);
});
