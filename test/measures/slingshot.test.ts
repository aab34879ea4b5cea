import { test } from "node:test";
import assert from "node:assert/strict";
import { growthRuns, slingshotAnalysis, type SlingshotRow } from "../../src/measures/dynamics/slingshot.js";
import { weightNorms } from "../../src/measures/weights/weights.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { trainHistory } from "../helpers/train-history.js";

/**
 * A synthetic run evaluated every 10 steps: the last layer's norm creeps up by 0.01 % per interval and grows by
 * exactly ×1.5 in three phases (200→230, 500→520, 800→850, geometric within each); the training loss spikes ×100
 * inside each phase; test accuracy rises 0.1 → 0.6 over 210–240 and 0.6 → 1.0 over 810–830, with ±0.005 noise.
 */
function syntheticRun(): SlingshotRow[] {
  const rows: SlingshotRow[] = [];
  const phases = [[200, 230], [500, 520], [800, 850]];
  let norm = 10;
  for (let step = 0; step <= 1000; step += 10) {
    if (step > 0) {
      const ph = phases.find(([a, b]) => step > a && step <= b);
      norm *= ph ? Math.pow(1.5, 10 / (ph[1] - ph[0])) : 1.0001;
    }
    rows.push({ step, key: "weights/norm/W_out", value: norm });
    rows.push({ step, key: "weights/norm/W_0", value: 3 + step / 100 }); // an earlier layer: not the one analysed
    const inPhase = phases.some(([a, b]) => step > a && step <= b);
    rows.push({ step, key: "train_loss", value: inPhase ? 1e-1 : 1e-3 });
    const noise = ((step / 10) % 2 ? 1 : -1) * 0.005;
    const acc = step <= 210 ? 0.1 : step <= 240 ? 0.1 + (0.5 * (step - 210)) / 30 : step <= 810 ? 0.6 : step <= 830 ? 0.6 + (0.4 * (step - 810)) / 20 : 1;
    rows.push({ step, key: "test_acc", value: acc === 1 ? 1 : acc + noise });
  }
  return rows;
}

test("slingshot: three known norm spikes found exactly, with their growth, loss spike and accuracy jumps", () => {
  const a = slingshotAnalysis(syntheticRun());
  assert.equal(a.normKey, "weights/norm/W_out");
  assert.equal(a.count, 3);
  assert.deepEqual(a.spikes.map((s) => [s.step, s.end]), [[200, 230], [500, 520], [800, 850]]);
  for (const s of a.spikes) {
    assert.ok(Math.abs(s.growth - 1.5) < 1e-12, `growth ${s.growth}`);
    assert.deepEqual([s.lossBefore, s.lossPeak], [1e-3, 1e-1]);
  }
  assert.equal(a.fitStep, 0); // no train_acc rows: the whole run is analysed
  assert.equal(a.period, 300);
  // the ±0.005 noise makes no jump; the two rises of the best-so-far accuracy do, each paired with the spike that
  // began before it: the rises start where the best so far last stood still (210: 0.105; 810: 0.605) and the
  // first runs on to 250, where the noise still lifts the best (0.595 → 0.605)
  assert.equal(a.jumps.length, 2);
  const [j1, j2] = a.jumps;
  assert.deepEqual([j1.step, j1.end, j1.spike, j1.lag, j2.step, j2.end, j2.spike, j2.lag], [210, 250, 0, 10, 810, 830, 2, 10]);
  assert.ok(Math.abs(j1.from - 0.105) < 1e-12 && Math.abs(j1.to - 0.605) < 1e-12 && Math.abs(j2.from - 0.605) < 1e-12 && j2.to === 1);
  // accuracy at the spike's start, and its best over as many steps after the end (230–260: 0.605 at 250)
  assert.ok(Math.abs(a.spikes[0].accBefore - 0.095) < 1e-12 && Math.abs(a.spikes[0].accAfter - 0.605) < 1e-12);
  // a growth phase without a loss spike (the loss only falls while the network still fits the data) is no slingshot
  const falling = syntheticRun().map((r) => (r.key === "train_loss" ? { ...r, value: 1 / (1 + r.step) } : r));
  assert.equal(slingshotAnalysis(falling).count, 0);
});

test("slingshot: the growth while the data are first fit is not a spike; the analysis starts at the fit step", () => {
  const rows: SlingshotRow[] = [];
  for (let step = 0; step <= 500; step += 10) {
    const norm = step <= 50 ? Math.pow(3, step / 50) : step <= 300 ? 3 : step <= 320 ? 3 * Math.pow(2, (step - 300) / 20) : 6;
    rows.push({ step, key: "weights/norm/W_out", value: norm }, { step, key: "train_acc", value: step >= 100 ? 1 : step / 100 });
  }
  const a = slingshotAnalysis(rows);
  assert.equal(a.fitStep, 100);
  assert.deepEqual(a.spikes.map((s) => [s.step, s.end, s.growth]), [[300, 320, 2]]);
  assert.equal(slingshotAnalysis(rows, { fitAcc: 0.5 }).fitStep, 50);
  assert.equal(slingshotAnalysis(rows, { trainAccKey: "none" }).count, 2); // from step 0: the fitting growth counts too
  const never = slingshotAnalysis(rows.filter((r) => r.key !== "train_acc" || r.value < 0.9));
  assert.equal(never.fitStep, Infinity);
  assert.equal(never.count, 0);
});

test("slingshot: thresholds — a smaller growth is not a spike; merging joins runs split by a flat interval", () => {
  const rows = syntheticRun();
  assert.equal(slingshotAnalysis(rows, { minGrowth: 1.6 }).count, 0);
  assert.equal(slingshotAnalysis(rows, { minJump: 0.45 }).jumps.length, 1);
  // a norm that grows ×1.2 over 100→110, stays flat for one interval, grows ×1.2 over 120→130
  const steps = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150];
  const norms = steps.map((s) => (s <= 100 ? 1 : s <= 120 ? 1.2 : 1.44));
  assert.deepEqual(growthRuns(steps, norms, 5, 0), [[10, 11], [12, 13]]);
  assert.deepEqual(growthRuns(steps, norms, 5, 10), [[10, 13]]);
  const merged = slingshotAnalysis(steps.map((step, i) => ({ step, key: "weights/norm/W", value: norms[i] })), { mergeGap: 10 });
  assert.equal(merged.normKey, "weights/norm/W");
  assert.deepEqual(merged.spikes.map((s) => [s.step, s.end]), [[100, 130]]);
  assert.ok(Math.abs(merged.spikes[0].growth - 1.44) < 1e-12);
  assert.ok(Number.isNaN(merged.spikes[0].lossPeak) && Number.isNaN(merged.spikes[0].accBefore)); // no loss or accuracy rows
  assert.ok(Number.isNaN(merged.period));
});

test("slingshot: the error names the missing norm and the norms present; bad options are refused", () => {
  const rows: SlingshotRow[] = [{ step: 0, key: "weights/norm/U", value: 1 }, { step: 0, key: "test_acc", value: 0 }];
  assert.throws(() => slingshotAnalysis(rows), /no rows for weights\/norm\/W_U \/ weights\/norm\/W_out \/ weights\/norm\/W .*norms present: weights\/norm\/U/);
  assert.throws(() => slingshotAnalysis(rows, { normKey: "weights/norm/V" }), /no rows for "weights\/norm\/V"/);
  assert.throws(() => slingshotAnalysis(syntheticRun(), { minGrowth: 0 }), /minGrowth must be > 0/);
});

/**
 * A real slingshot at CPU size: sparse parity (3 of 40 bits, 1,000 training examples), MLP 41→128→2, Adam lr 1e-2,
 * no weight decay, float32 cross-entropy (PyTorch's arithmetic). Measured (seed 1, every 20 steps, ~12 s): the data
 * are fit at step 80; the float32 training loss reaches exactly 0 near step 14,000 (Softmax Collapse); then ‖W_out‖
 * grows exponentially, 14.6 at step 14,760 → 34.7 at 15,900 (×2.38), the training loss spikes (22.1 at step 15,860,
 * train accuracy 53 %) as the growth ends, and the norm stays flat after (34.77 → 34.81 by step 20,000); the best
 * test accuracy rises 0.954 → 0.979 in the next 20 steps (0.942 at the spike's start, 0.983 after). With the exact
 * (float64 log-sum-exp) `cross_entropy` the same run shows no spike in 20,000 steps (‖W_out‖ creeps 14.2 → 15.1,
 * test accuracy 0.935 → 0.958): the cycle needs the float32 loss to saturate.
 */
test("slingshot on a real run: after Softmax Collapse the last layer's norm more than doubles, the loss spikes, test accuracy rises", async (t) => {
  const config = normalizeSpec({
    steps: 16400,
    seed: 1,
    task: { name: "sparse_parity", n_bits: 40, k_relevant: 3, n_train: 1000, n_test: 1000, bias: true },
    model: { name: "mlp", depth: 1, width: 128, activation: "relu", bias: true, init_scale: 1 },
    loss: "cross_entropy_float32",
    optimizer: { name: "adam", lr: 1e-2, betas: [0.9, 0.999], weight_decay: 0 },
  });
  const t0 = performance.now();
  const points = await trainHistory(config, (s) => s % 20 === 0, (_setup, state) => weightNorms(state.params));
  const rows: SlingshotRow[] = points.flatMap((p) => [
    { step: p.step, key: "train_acc", value: p.train_acc },
    { step: p.step, key: "train_loss", value: p.train_loss },
    { step: p.step, key: "test_acc", value: p.test_acc },
    ...Object.entries(p.extra).map(([key, value]) => ({ step: p.step, key, value })),
  ]);
  const a = slingshotAnalysis(rows);
  const s = a.spikes[0];
  t.diagnostic(`${((performance.now() - t0) / 1000).toFixed(1)} s; fit at ${a.fitStep}; spikes ${JSON.stringify(a.spikes)}; jumps ${JSON.stringify(a.jumps)}`);
  assert.equal(a.normKey, "weights/norm/W_out");
  assert.ok(a.fitStep > 0 && a.fitStep < 500, `fit step ${a.fitStep}`);
  assert.equal(a.count, 1);
  assert.ok(s.step > 10000 && s.end < config.steps, `spike ${s.step}–${s.end}`);
  assert.ok(s.growth > 2, `growth ${s.growth}`);
  assert.equal(s.lossBefore, 0); // the float32 loss had collapsed to exactly 0
  assert.ok(s.lossPeak > 1e-2, `loss peak ${s.lossPeak}`);
  const last = rows.filter((r) => r.key === "weights/norm/W_out").at(-1)!.value;
  assert.ok(last / s.normAfter < 1.01, `the norm plateaus after the spike (${s.normAfter} → ${last})`);
  assert.ok(s.accAfter > s.accBefore + 0.02, `test accuracy ${s.accBefore} → ${s.accAfter}`);
  assert.ok(a.jumps.some((j) => j.spike === 0 && j.step >= s.step), "a rise of test accuracy follows the spike's onset");
});
