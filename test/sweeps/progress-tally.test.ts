/**
 * A sweep's progress counts steps and work (steps × training rows × width): work done is exact at every point of a
 * made-up schedule where a wide batch goes first, the ETA extrapolates it, and steps alone would understate progress.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { presetSpec } from "../../src/runs/presets/index.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import type { RunJob } from "../../src/sweeps/execute.js";
import { ProgressTally } from "../../src/sweeps/progress-tally.js";

function job(runKey: string, width: number, nTrain: number, steps: number): RunJob {
  const base = presetSpec("sparse-parity") as { task: object; model: object };
  const config = normalizeSpec({ ...base, steps, task: { ...base.task, n_train: nTrain }, model: { ...base.model, width } });
  return { sweep: "s", runKey, runId: runKey, runDir: runKey, config };
}

test("progress: steps and work (steps × rows × width) done, under way and ended; the ETA extrapolates work", () => {
  const wide = [job("w1", 256, 1000, 100), job("w2", 256, 1000, 100)];
  const narrow = [job("n1", 16, 500, 100), job("n2", 16, 500, 100), job("n3", 16, 500, 100)];
  const tally = new ProgressTally([...wide, ...narrow]);
  const workTotal = 2 * 100 * 1000 * 256 + 3 * 100 * 500 * 16;
  assert.deepEqual(tally.steps, { done: 0, total: 500 });
  assert.deepEqual(tally.work, { done: 0, total: workTotal });
  assert.equal(tally.etaSeconds(10), null);

  // the wide batch is half-way (50 steps each, reported as 100 batch steps), a narrow run alone 20 steps in
  tally.start("worker 1", wide);
  tally.start("worker 2", [narrow[0]]);
  assert.deepEqual(tally.work, { done: 0, total: workTotal }, "started, no step yet");
  tally.progress("worker 1", 100);
  tally.progress("worker 2", 20);
  const workDone = 100 * 1000 * 256 + 20 * 500 * 16;
  assert.deepEqual(tally.steps, { done: 120, total: 500 });
  assert.deepEqual(tally.work, { done: workDone, total: workTotal });
  assert.equal(tally.etaSeconds(60), (60 * (workTotal - workDone)) / workDone);
  assert.ok(tally.work.done / tally.work.total > 2 * (tally.steps.done / tally.steps.total), "the wide runs' steps weigh more");

  // the wide batch ends: its steps under way give way to its runs' whole steps
  tally.clear("worker 1");
  tally.ended("w1");
  tally.ended("w2");
  assert.deepEqual(tally.steps, { done: 220, total: 500 });
  assert.deepEqual(tally.work, { done: 2 * 100 * 1000 * 256 + 20 * 500 * 16, total: workTotal });

  tally.clear("worker 2");
  for (const n of narrow) tally.ended(n.runKey);
  assert.deepEqual(tally.steps, { done: 500, total: 500 });
  assert.deepEqual(tally.work, { done: workTotal, total: workTotal });
  assert.equal(tally.etaSeconds(60), 0);
});
