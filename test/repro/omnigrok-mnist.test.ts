/**
 * Omnigrok (Liu, Michaud & Tegmark 2023) on MNIST, CPU size (preset `omnigrok-mnist`: the paper's network, data size,
 * loss, optimizer and α = 8, with weight decay 0.25 instead of 0.01 so the delay, ~1/(lr·wd), fits in 4.5k steps).
 * Paper: with α = 8 the training accuracy reaches 100% long before the test accuracy rises; with α = 1 both rise together.
 * Checked at the preset's full length on seeds 1 and 2, evaluating every 100 steps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { presetSpec } from "../../src/runs/presets/index.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { firstReaching, trainHistory } from "../helpers/train-history.js";

const every100 = (s: number) => s % 100 === 0;

for (const seed of [1, 2]) {
  test(`Omnigrok MNIST, α = 8, seed ${seed}: memorizes first, generalizes ≥ 1k steps later`, async (t) => {
    const config = normalizeSpec({ ...presetSpec("omnigrok-mnist"), seed });
    const points = await trainHistory(config, every100);
    const mem = firstReaching(points, "train_acc", 0.99);
    assert.ok(mem !== null, "train accuracy reaches 99%");
    const atMem = points.find((p) => p.step === mem)!;
    const gen = firstReaching(points, "test_acc", 0.8);
    const final = points[points.length - 1];
    const afterMem = points.filter((p) => p.step >= mem);
    t.diagnostic(`train ≥ 99% at ${mem} (test ${atMem.test_acc.toFixed(3)}); test ≥ 80% at ${gen}; final train ${final.train_acc.toFixed(3)}, test ${final.test_acc.toFixed(3)}`);
    assert.ok(mem <= 2500, `memorized at ${mem} (expected by 2.5k)`);
    assert.ok(atMem.test_acc <= 0.65, `test accuracy ${atMem.test_acc} at memorization: well below what the network reaches later`);
    assert.ok(afterMem.every((p) => p.train_acc >= 0.98), "train accuracy stays ≥ 98% after memorizing");
    assert.ok(gen !== null && gen >= mem + 1000, `test ≥ 80% at ${gen}, ≥ 1k steps after memorization (${mem})`);
    assert.ok(final.test_acc >= 0.85 && final.test_acc - atMem.test_acc >= 0.25, `final test ${final.test_acc}: ≥ 85% and ≥ 25 points above its value at memorization`);
  });
}

test("Omnigrok MNIST, α = 1 (the standard init): generalizes while it memorizes", async (t) => {
  const config = normalizeSpec({ ...presetSpec("omnigrok-mnist"), seed: 1, steps: 300, model: { name: "mlp", depth: 2, width: 200, activation: "relu", bias: true, init_scale: 1 } });
  const points = await trainHistory(config, every100);
  const mem = firstReaching(points, "train_acc", 0.99);
  const atMem = points.find((p) => p.step === mem);
  t.diagnostic(`train ≥ 99% at ${mem} (test ${atMem?.test_acc.toFixed(3)})`);
  assert.ok(mem !== null && mem <= 300, `memorized at ${mem}`);
  assert.ok(atMem!.test_acc >= 0.85, `test accuracy ${atMem!.test_acc} at memorization`);
});
