/**
 * Doshi et al. (2024)'s pruning experiment on a run: the quadratic net memorizes 10% corrupted labels while it
 * generalizes (coexistence); zeroing its low-IPR neurons raises test accuracy and drops accuracy on the corrupted rows.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { presetSpec } from "../../src/runs/presets/index.js";
import { PRUNE_RESULT_FILE, PRUNED_PARAMS_FILE, pruneRun } from "../../src/runs/prune.js";
import { startRun } from "../../src/runs/run.js";
import { readSafetensors } from "../../src/runs/safetensors.js";
import { normalizeSpec, SpecError } from "../../src/runs/spec.js";

const coexistence = () =>
  normalizeSpec({
    ...presetSpec("gromov"),
    steps: 2000,
    task: { name: "modular", op: "add", p: 31, train_fraction: 0.5, label_noise: 0.1 }, // 480 pairs, 48 corrupted
    model: { name: "gromov", width: 200, init_scale: 1 },
    optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.98], weight_decay: 1 }, // wd 5 inverts every corrupted label instead
    eval: { every: 100 },
    checkpoint_every: 1000,
    measures: [],
  });

test("pruning the low-IPR neurons of a coexistence run raises test accuracy and forgets corrupted labels", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-prune-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = await startRun(coexistence(), { dataDir: dir, outDir: join(dir, "run"), record: "none" });
  const r = await pruneRun(run.run_dir, { dataDir: dir, iprBelow: 0.3, outDir: join(dir, "pruned") });
  // measured (wasm): before test 0.927, corrupted 1, clean 1; after (99 of 200 neurons) test 0.981, corrupted 0.708, clean 1
  assert.equal(r.step, 2000);
  assert.equal(r.before.test_acc, run.test_acc, "before = the run's own final evaluation");
  assert.equal(r.before.train_acc, run.train_acc);
  assert.ok(r.before.test_acc >= 0.9 && r.before.train_acc_corrupted! >= 0.99, `coexistence: test ${r.before.test_acc}, corrupted ${r.before.train_acc_corrupted}`);
  assert.ok(r.pruned > 20 && r.pruned < 180, `pruned ${r.pruned} of ${r.neurons}`);
  assert.ok(r.after.test_acc >= r.before.test_acc + 0.02, `test accuracy ${r.before.test_acc} → ${r.after.test_acc}`);
  assert.ok(r.after.train_acc_corrupted! <= r.before.train_acc_corrupted! - 0.1, `corrupted ${r.before.train_acc_corrupted} → ${r.after.train_acc_corrupted}`);
  assert.ok(r.after.inversion! > r.before.inversion!, "the freed corrupted rows go to their true label");
  assert.ok(r.after.train_acc_clean! >= 0.99, `the rule survives: clean ${r.after.train_acc_clean}`);
  assert.ok(r.kept_mean_ipr! > 0.3);

  // a threshold above every IPR removes every neuron: nothing is left to predict with
  const all = await pruneRun(run.run_dir, { dataDir: dir, iprBelow: 1, step: 1000 });
  assert.equal(all.step, 1000);
  assert.equal(all.pruned, all.neurons);
  assert.equal(all.kept_mean_ipr, null);

  // --out: the pruned parameters (zero rows where pruned) and the same result
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "pruned", PRUNE_RESULT_FILE), "utf8")), JSON.parse(JSON.stringify(r)));
  const { tensors, metadata } = await readSafetensors(join(dir, "pruned", PRUNED_PARAMS_FILE));
  assert.equal(metadata.ipr_below, "0.3");
  const U = tensors.U.data as Float32Array;
  for (const k of r.pruned_neurons) assert.ok(U.subarray(k * 31, (k + 1) * 31).every((v) => v === 0), `U row ${k}`);
  const kept = [...Array(200).keys()].find((k) => !r.pruned_neurons.includes(k))!;
  assert.ok(U.subarray(kept * 31, (kept + 1) * 31).some((v) => v !== 0));
});

test("bad input: threshold out of (0, 1], a missing checkpoint, a model without prunable neurons", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-prune-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const small = normalizeSpec({ ...presetSpec("gromov"), steps: 4, model: { name: "gromov", width: 16 }, checkpoint_every: 2, checkpoint_log_points: null, measures: [] });
  const run = await startRun(small, { dataDir: dir, outDir: join(dir, "g"), record: "none" });
  const refused = async (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: Error) => e instanceof SpecError && re.test(e.message));
  for (const x of [0, -0.5, 1.5, NaN]) await refused(pruneRun(run.run_dir, { dataDir: dir, iprBelow: x }), /^--ipr-below: must be a number in \(0, 1\]/);
  await refused(pruneRun(run.run_dir, { dataDir: dir, iprBelow: 0.5, step: 3 }), /^--step: the run has no checkpoint at step 3 \(checkpoints: 0, 2, 4\)/);
  const five = await startRun(normalizeSpec({ ...presetSpec("pair-five-neuron"), steps: 2, checkpoint_every: 2 }), { dataDir: dir, outDir: join(dir, "five"), record: "none" });
  await refused(pruneRun(five.run_dir, { dataDir: dir, iprBelow: 0.5 }), /^prune: model "five_neuron" has no neurons with a per-neuron Fourier IPR/);
  const parity = await startRun(normalizeSpec({ ...presetSpec("sparse-parity"), steps: 2, checkpoint_every: 2 }), { dataDir: dir, outDir: join(dir, "parity"), record: "none" });
  await refused(pruneRun(parity.run_dir, { dataDir: dir, iprBelow: 0.5 }), /^prune: needs a modular-arithmetic task/);
});
