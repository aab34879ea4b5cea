/**
 * Asynchronous per-domain grokking (issue "transformers", part 4) on the mixture-async preset, seed 1, through the
 * real run path: both domains are memorized early, each domain's generalization step (test accuracy ≥ the preset's
 * 80% threshold: at this size neither domain reaches 95% within the run) is recorded in the summary's split_steps,
 * the two differ, and the pooled test accuracy keeps improving after the pooled training loss has converged. A
 * test-free indicator per domain — the restricted loss on the domain's own training pairs — falls first, in the
 * domains' order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { presetSpec } from "../../src/runs/presets/index.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { startRun, METRICS_FILE } from "../../src/runs/run.js";
import { readMetricsParquet } from "../../src/runs/metrics-file.js";

test("mixture-async: domains memorized early, generalize at distinct recorded steps, test improves after train loss converged", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "grokscope-mixture-"));
  try {
    const config = normalizeSpec({ ...presetSpec("mixture-async"), seed: 1 });
    const summary = await startRun(config, { dataDir: dir, record: "none" });
    const s = summary.split_steps!;
    t.diagnostic(`split_steps ${JSON.stringify(s)}; final test acc ${summary.test_acc.toFixed(4)}`);
    const rows = await readMetricsParquet(join(summary.run_dir, METRICS_FILE));
    const series = (key: string) => rows.filter((r) => r.key === key).map((r) => [r.step, r.value] as const);
    const trainLoss = series("train_loss"), testAcc = series("test_acc");
    const converged = trainLoss.find(([, v]) => v < 1e-2)![0];
    const accAt = (step: number) => testAcc.find(([st]) => st === step)![1];
    t.diagnostic(`train loss < 1e-2 first at step ${converged}; test acc there ${accAt(converged).toFixed(3)}, at the end ${summary.test_acc.toFixed(3)}`);
    for (const d of ["add", "sub"]) assert.ok(s[`domain/${d}/train`] !== null && s[`domain/${d}/train`]! <= 500, `domain ${d} memorized by step 500`);
    const gAdd = s["domain/add/test"], gSub = s["domain/sub/test"];
    assert.ok(gAdd !== null && gSub !== null, "both domains reach the threshold within the run");
    assert.ok(gSub - gAdd >= 300, `the domains generalize at distinct steps (add ${gAdd}, sub ${gSub})`);
    assert.ok(gAdd - s["domain/add/train"]! >= 300, "add generalizes well after it is memorized (a delay, not simultaneous fitting)");
    assert.ok(summary.test_acc - accAt(converged) > 0.1, "pooled test accuracy keeps rising after the training loss converged");
    // test-free indicator per domain: the restricted loss on the domain's own training pairs falls first
    const indicator: Record<string, number> = {};
    for (const d of ["add", "sub"]) {
      indicator[d] = series(`domain/${d}/restricted_loss`).find(([, v]) => v < 0.5)![0];
      t.diagnostic(`${d}: restricted loss on its training pairs < 0.5 at step ${indicator[d]}, test accuracy ≥ 80 % at ${s[`domain/${d}/test`]}`);
      assert.ok(s[`domain/${d}/test`]! - indicator[d] >= 300, `domain ${d}: the indicator leads its generalization by ≥ 300 steps`);
    }
    assert.ok(indicator.add < indicator.sub, "the indicator orders the domains as their test accuracies do");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
