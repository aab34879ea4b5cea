/**
 * Wang et al. (2024)'s grokking curve at CPU size: `wang-composition-grok` (φ 9, constant lr after warm-up, 5,000
 * steps) at its full length on seeds 1 and 2, through the CLI. The training set is fit early, ID test accuracy reaches
 * 90% about 2,000 steps later, and OOD two-hop accuracy stays near chance. Measured (docs/reproductions.md, "Wang et
 * al. 2024"): train ≥ 90% at steps 700 / 600, ID ≥ 90% at 3,500 / 2,900. Asserted: fit by step 1,000, ID ≥ 90%
 * reached at least 1,500 steps after the fit, final ID ≥ 80%, final OOD < 3× chance.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastJson, runCliAsync } from "../helpers/cli.js";

const SEEDS = [1, 2];
const CHANCE = 1 / 30; // 30 entities: the label is the tail entity

test("Wang et al.: composition generalizes in distribution long after the training set is fit (wang-composition-grok, 2 seeds)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-wang-grok-"));
  try {
    const results = await Promise.all(
      SEEDS.map((seed) => runCliAsync(["train", "wang-composition-grok", "--seed", String(seed), "--set", "threads=1", "--quiet", "--data-dir", dir, "--out", join(dir, `seed${seed}`)])),
    );
    results.forEach((r, i) => {
      const seed = SEEDS[i];
      assert.equal(r.code, 0, `seed ${seed}: ${r.stderr}`);
      const s = lastJson(r.stdout) as { memorize_step: number | null; grok_step: number | null; test_acc: number; train_acc: number; final_measures: Record<string, number> };
      const ood = s.final_measures.ood_acc;
      t.diagnostic(`seed ${seed}: train ≥ 90% at ${s.memorize_step}, ID ≥ 90% at ${s.grok_step}; final train ${s.train_acc.toFixed(3)}, ID ${s.test_acc.toFixed(3)}, OOD ${ood.toFixed(3)}`);
      assert.ok(s.memorize_step !== null && s.memorize_step <= 1000, `seed ${seed}: train accuracy reached 90% at ${s.memorize_step}, expected by 1,000`);
      assert.ok(s.grok_step !== null && s.grok_step - s.memorize_step >= 1500, `seed ${seed}: ID accuracy reached 90% at ${s.grok_step}, expected ≥ 1,500 steps after the fit at ${s.memorize_step}`);
      assert.ok(s.test_acc >= 0.8, `seed ${seed}: final ID accuracy ${s.test_acc}`);
      assert.ok(ood < 3 * CHANCE, `seed ${seed}: OOD accuracy ${ood} should stay near chance ${CHANCE}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
