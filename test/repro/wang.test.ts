/**
 * Wang et al. (2024), "Grokked transformers are implicit reasoners", at CPU size (docs/reproductions.md, Wang et al.),
 * seeds 1–3 of each preset (1,000 steps), trained on worker threads: two-hop composition generalizes in
 * distribution but stays at chance out of distribution, while comparison generalizes to both. Measured here:
 * composition ID 100 % on every seed, OOD 1.7–4.3 % (chance 3.3 %); comparison ID 93–96 %, OOD 84.6–90.8 %.
 * Tolerances: composition ID ≥ 90 % and OOD < 3× chance; comparison ID ≥ 85 % and OOD ≥ 80 %.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { finalAccuracies } from "../helpers/final-accuracies.js";

const SEEDS = [1, 2, 3];

test("Wang et al.: composition generalizes ID only, comparison ID and OOD (3 seeds each)", async (t) => {
  const jobs = [...SEEDS.map((seed) => ({ preset: "wang-composition", seed })), ...SEEDS.map((seed) => ({ preset: "wang-comparison", seed }))];
  for (const r of await finalAccuracies(jobs)) {
    const { preset, seed } = r.job, ood = r.splits.ood;
    t.diagnostic(`${preset} seed ${seed}: train ${r.train.toFixed(3)}, ID ${r.test.toFixed(3)}, OOD ${ood.toFixed(3)} (chance ${r.chance.toFixed(3)})`);
    if (preset === "wang-composition") {
      assert.ok(r.test >= 0.9, `${preset} seed ${seed}: ID two-hop accuracy ${r.test}`);
      assert.ok(ood < 3 * r.chance, `${preset} seed ${seed}: OOD two-hop accuracy ${ood} should stay near chance ${r.chance}`);
    } else {
      assert.ok(r.test >= 0.85 && ood >= 0.8, `${preset} seed ${seed}: ID ${r.test}, OOD ${ood} — comparison generalizes both`);
    }
  }
});
