/**
 * Interventions on trained runs (src/runs/intervene.ts), two reproductions:
 * (a) Nanda et al. (2023, "Progress measures for grokking via mechanistic interpretability", §4–5): a grokked
 *     1-layer transformer reads the inputs only through the embedding's key frequencies — removing their Fourier
 *     directions from W_E[tok] destroys test accuracy, removing everything else keeps it.
 * (b) Gromov (2023, "Grokking modular arithmetic", eq. 2): the quadratic net spreads its neurons over all ⌊p/2⌋
 *     frequencies, so removing the neurons of any one frequency leaves the argmax intact and costs only loss.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zeroAblation } from "../../src/autograd/interventions.js";
import { frequencyCounts, neuronFrequencies, neuronsOfFrequencies } from "../../src/measures/fourier/frequency-units.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { checkpointKeyFrequencies, interveneRun, loadForIntervention, score } from "../../src/runs/intervene.js";
import { startRun } from "../../src/runs/run.js";
import { normalizeSpec, SpecError } from "../../src/runs/spec.js";

test("Nanda et al. (2023): ablating the embedding's key frequencies destroys test accuracy, keeping only them does not", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-intervene-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spec = normalizeSpec({ ...presetSpec("nanda-small"), seed: 1, steps: 600, checkpoint_every: 100, checkpoint_log_points: null, measures: [] });
  const run = await startRun(spec, { dataDir: dir, outDir: join(dir, "nanda"), record: "none" });
  assert.ok(run.test_acc >= 0.99, `grokked by step 600: test ${run.test_acc}`);
  const at = (select: Parameters<typeof interveneRun>[1]["select"], extra: Partial<Parameters<typeof interveneRun>[1]> = {}) =>
    interveneRun(run.run_dir, { dataDir: dir, hook: "hook_embed", mode: "zero", select, ...extra });

  // measured (wasm, seed 1, step 600): key frequencies 20, 12 (4 of 32 dimensions); ablated: train 0.012, test 0.018;
  // kept (28 dimensions ablated): train 1.000, test 0.999; the 3rd–6th strongest (24, 22, 7, 15) ablated: test 1.000
  const ablated = await at({ frequencies: "key" });
  assert.deepEqual(ablated.frequencies, [20, 12]);
  assert.equal(ablated.ablated, 4);
  assert.equal(ablated.before.test_acc, run.test_acc, "before = the run's own final evaluation");
  assert.ok(ablated.after.test_acc < 0.1, `key frequencies ablated: test ${ablated.after.test_acc}`);
  const kept = await at({ frequencies: "key", keep: true });
  assert.equal(kept.ablated, 28);
  assert.ok(kept.after.test_acc >= 0.95 && kept.after.train_acc >= 0.95, `everything else ablated: train ${kept.after.train_acc}, test ${kept.after.test_acc}`);
  const control = await at({ frequencies: [24, 22, 7, 15] });
  assert.ok(control.after.test_acc >= 0.95, `four non-key frequencies ablated (8 dimensions): test ${control.after.test_acc}`);

  // mean ablation of every head's output and patching: exact identities and a large effect
  const heads = await at({ heads: [0, 1, 2, 3] }, { hook: "blocks.0.attn.hook_z", mode: "mean" });
  assert.ok(heads.after.test_acc < 0.2, `attention mean-ablated: test ${heads.after.test_acc}`); // measured 0.02
  const same = await at({}, { mode: "patch", patchFrom: 600 });
  assert.deepEqual(same.after, same.before, "patching a checkpoint's own activations changes nothing");
  const early = await at({}, { mode: "patch", patchFrom: 100, hook: "blocks.0.hook_resid_mid" });
  assert.deepEqual(early.patch_from, { run_id: run.run_id, step: 100 });
  assert.ok(early.after.test_acc < 0.5, `step 100's residual stream read by step 600's MLP: test ${early.after.test_acc}`);

  const refused = (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: Error) => e instanceof SpecError && re.test(e.message));
  await refused(at({}, { hook: "hook_nope" }), /^--hook: model "transformer" has no hook "hook_nope"; its hooks: hook_embed, blocks\.0\.hook_resid_pre, blocks\.0\.attn\.hook_q, blocks\.0\.attn\.hook_kv, blocks\.0\.attn\.hook_z, /);
  await refused(at({ neurons: [32] }), /^--neurons: neuron 32 is out of range for hook "hook_embed" \(32 units/);
  await refused(at({}, { step: 250 }), /^--step: the run has no checkpoint at step 250 \(checkpoints: 0, 100, 200, 300, 400, 500, 600\)/);
  await refused(at({ frequencies: [30] }), /^--frequencies: 30 is out of range \(frequencies of p = 59 are 1 … 29\)/);
  await refused(at({ frequencies: [3] }, { hook: "blocks.0.mlp.hook_post" }), /^--frequencies: .* hook "blocks\.0\.mlp\.hook_post" has width 128/);
  await refused(at({ heads: [4] }, { hook: "blocks.0.attn.hook_z" }), /^--heads: head 4 is out of range/);
  await refused(at({}, { hook: "blocks.0.attn.hook_pattern" }), /^--hook: .* is recorded but not read back/);
});

test("Gromov (2023): ablating the neurons of any one frequency costs no test accuracy, only loss", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-intervene-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spec = normalizeSpec({ ...presetSpec("gromov"), seed: 1, steps: 150, measures: [] });
  const run = await startRun(spec, { dataDir: dir, outDir: join(dir, "gromov"), record: "none" });
  const c = await loadForIntervention(run.run_dir, { dataDir: dir });
  try {
    const before = score(c);
    assert.equal(before.test_acc, run.test_acc, "the autograd model reproduces the fused model's evaluation");
    const fr = neuronFrequencies(c.params.U, c.params.V, 97);
    const counts = frequencyCounts(fr);
    // measured (wasm, seed 1, step 150): all 48 frequencies used, 5–16 neurons each (2: 16, 37: 16, 3: 15, 34: 15, …);
    // ablating one frequency's neurons: test accuracy 1.000 → 1.000 for every frequency, test loss × 1.17 – 1.36;
    // keeping only one frequency's neurons: test 0.010 – 0.083; ablating the 40 / 44 / 46 largest: test 0.876 / 0.249 / 0.049
    assert.equal(counts.length, 48, "every frequency of p = 97 has neurons");
    assert.deepEqual(checkpointKeyFrequencies(c).slice(0, 2), [2, 37]);
    let minAcc = 1, minRatio = Infinity, maxRatio = 0;
    for (const [f] of counts) {
      const s = score(c, new Map([["hook_post", zeroAblation({ neurons: neuronsOfFrequencies(fr, [f]) })]]));
      minAcc = Math.min(minAcc, s.test_acc);
      minRatio = Math.min(minRatio, s.test_loss / before.test_loss);
      maxRatio = Math.max(maxRatio, s.test_loss / before.test_loss);
    }
    assert.ok(minAcc >= 0.99, `one frequency ablated: worst test accuracy ${minAcc}`);
    assert.ok(minRatio >= 1.05 && maxRatio <= 1.7, `one frequency ablated: test loss × ${minRatio.toFixed(2)} … ${maxRatio.toFixed(2)}`);
    for (const [f] of counts.slice(0, 3)) {
      const s = score(c, new Map([["hook_post", zeroAblation({ neurons: neuronsOfFrequencies(fr, [f]), keep: true })]]));
      assert.ok(s.test_acc < 0.15, `only frequency ${f} kept: test ${s.test_acc}`);
    }
    const most = neuronsOfFrequencies(fr, counts.slice(0, 44).map(([f]) => f));
    const s = score(c, new Map([["hook_post", zeroAblation({ neurons: most })]]));
    assert.ok(s.test_acc < 0.5, `44 of 48 frequencies ablated (${most.length} neurons): test ${s.test_acc}`);
  } finally {
    c.dispose();
  }
  // the CLI's path: --frequencies on gromov selects neurons
  const r = await interveneRun(run.run_dir, { dataDir: dir, hook: "hook_post", mode: "zero", select: { frequencies: [2] } });
  assert.equal(r.neurons!.length, 16);
  assert.ok(r.after.test_acc >= 0.99 && r.after.test_loss > r.before.test_loss);
});
