/**
 * R4 (docs/reproductions.md): PAIR's 5-neuron modular addition model (M = 67, symmetric pairs, 30% train, AdamW lr 1e-2,
 * wd 1e-3, 15k steps). The article's trained solution: 100% accuracy, neurons evenly spread (72° apart), equal norms,
 * output rotating twice as fast as input. The PyTorch reference found this outcome seed-dependent (1 of 4 seeds;
 * the others stalled at 16–17% with bunched neurons). We check that every seed ends in one of those two outcomes,
 * that at least one seed succeeds, and that every success has the article's geometry; the rate is reported.
 * The seeds train on worker threads, one per core.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fiveNeuronOutcomes } from "../helpers/five-neuron-seeds.js";

// Seeds 1–10 measured: 8 successes, stalls at 4 and 7 (on one wasm thread, as on the plain-JS backend before it).
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

test(`R4 five-neuron: success or stall over ${SEEDS.length} seeds, successes have the article's geometry`, async (t) => {
  let successes = 0;
  for (const { seed, trainAcc, testAcc, geometry: g } of await fiveNeuronOutcomes(SEEDS)) {
    const acc = (trainAcc * 683 + testAcc * (2278 - 683)) / 2278;
    t.diagnostic(`seed ${seed}: accuracy ${(100 * acc).toFixed(1)}%, gaps ${g.sortedGaps.map((x) => x.toFixed(0)).join("/")}°, output/input rotation ${g.angleStepRatio.toFixed(2)}`);
    if (acc === 1) {
      successes++;
      assert.ok(g.sortedGaps[0] > 60 && g.sortedGaps[4] < 84, `seed ${seed}: neurons not evenly spread (gaps ${g.sortedGaps})`);
      assert.ok(Math.abs(g.angleStepRatio - 2) < 0.1, `seed ${seed}: output rotates ${g.angleStepRatio}× the input, article 2×`);
      const norms = g.neuronNorms, mean = norms.reduce((a, b) => a + b) / norms.length;
      assert.ok(norms.every((n) => Math.abs(n / mean - 1) < 0.25), `seed ${seed}: neuron norms unequal ${norms}`);
    } else {
      assert.ok(acc < 0.5, `seed ${seed}: accuracy ${acc} is neither a success nor a stall`);
      assert.ok(g.sortedGaps[0] < 40 && g.sortedGaps[4] > 150, `seed ${seed}: a stall should have bunched neurons (gaps ${g.sortedGaps})`);
    }
  }
  t.diagnostic(`success rate ${successes}/${SEEDS.length} (PyTorch reference: 1/4)`);
  assert.ok(successes >= 1, "no seed reached the article's solution");
});
