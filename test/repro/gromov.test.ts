/**
 * R1 (docs/reproductions.md): the Gromov quadratic net on (a + b) mod 97 must follow the PyTorch reference's trajectory
 * within seed-to-seed spread. The reference's three seeds: memorize (train acc ≥ 99%) at step 74–78, grok (test acc
 * ≥ 99%) at 82–88; mean neuron IPR 0.04 at init, 0.39 at step 100, 0.73 at 150, 0.89 at 600; weight norm ~11 → ~50.
 * The norm at initialization is fixed by the init, √(N + N + p) = 33.1 for U, V ~ N(0, 1/p), W ~ N(0, 1/N); weight
 * decay 5 first shrinks it to ~11 (the "~11" of R1 is that minimum, reached before memorization), then it grows to ~50.
 * Our seeds draw different splits and inits than torch's, so each number is checked against the reference band
 * widened by the stated tolerance.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { meanNeuronIpr } from "../../src/measures/fourier/fourier.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { totalNorm } from "../../src/tensor/tensor.js";
import { firstReaching, trainHistory } from "../helpers/train-history.js";

const IPR_STEPS = new Set([0, 100, 150, 600]);

for (const seed of [1, 2, 3]) {
  test(`R1 gromov seed ${seed}: memorizes ~75, groks ~85, IPR and norm follow the reference`, async (t) => {
    const config = normalizeSpec({ ...presetSpec("gromov"), seed, steps: 600 });
    const points = await trainHistory(
      config,
      (s) => (s >= 60 && s <= 100) || s % 10 === 0,
      (_setup, state) => ({ norm: totalNorm(state.params), ...(IPR_STEPS.has(state.step) ? { ipr: meanNeuronIpr(state.params.U, { p: 97 }) } : {}) }),
    );
    const at = (s: number) => points.find((p) => p.step === s)!.extra;
    const minNorm = Math.min(...points.map((p) => p.extra.norm));
    const mem = firstReaching(points, "train_acc"), grok = firstReaching(points, "test_acc");
    const testAtMem = points.find((p) => p.step === mem)?.test_acc;
    t.diagnostic(`memorize ${mem}, grok ${grok}, test acc at memorization ${testAtMem?.toFixed(3)}; IPR ${[0, 100, 150, 600].map((s) => at(s).ipr.toFixed(3)).join(" → ")}; norm ${at(0).norm.toFixed(1)} → min ${minNorm.toFixed(1)} → ${at(600).norm.toFixed(1)}`);
    // reference 74–78 and 82–88; tolerance ±8 steps for our different seeds
    assert.ok(mem !== null && mem >= 66 && mem <= 86, `memorize step ${mem} outside 74–78 ± 8`);
    assert.ok(grok !== null && grok >= 74 && grok <= 96, `grok step ${grok} outside 82–88 ± 8`);
    assert.ok(grok > mem, "grokking comes after memorization");
    assert.ok(Math.abs(at(0).ipr - 0.04) < 0.01, `IPR at init ${at(0).ipr}`);
    assert.ok(Math.abs(at(100).ipr - 0.39) < 0.15, `IPR at 100 ${at(100).ipr} vs 0.39 ± 0.15`);
    assert.ok(Math.abs(at(150).ipr - 0.73) < 0.12, `IPR at 150 ${at(150).ipr} vs 0.73 ± 0.12`);
    assert.ok(Math.abs(at(600).ipr - 0.89) < 0.05, `IPR at 600 ${at(600).ipr} vs 0.89 ± 0.05`);
    assert.ok(Math.abs(at(0).norm - Math.sqrt(500 + 500 + 97)) < 0.5, `norm at init ${at(0).norm} vs √1097 = 33.1`);
    assert.ok(Math.abs(minNorm - 11) < 2 && Math.abs(at(600).norm - 50) < 5, `norm min ${minNorm} → final ${at(600).norm} vs ~11 → ~50`);
  });
}

test("R1 gromov without weight decay still groks, later relative to memorization", async (t) => {
  const config = normalizeSpec({ ...presetSpec("gromov"), seed: 1, steps: 150, optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.98], weight_decay: 0 } });
  const points = await trainHistory(config, () => true);
  const mem = firstReaching(points, "train_acc"), grok = firstReaching(points, "test_acc");
  t.diagnostic(`wd 0: memorize ${mem}, grok ${grok}`);
  // reference: memorize at 40, grok at 73–76
  assert.ok(mem !== null && mem >= 30 && mem <= 50, `memorize step ${mem} vs 40 ± 10`);
  assert.ok(grok !== null && grok >= 63 && grok <= 86, `grok step ${grok} vs 73–76 ± 10`);
  assert.ok(grok - mem >= 20, `grok delay ${grok - mem} should be long (reference ~35)`);
});
