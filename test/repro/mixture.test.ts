/**
 * Asynchronous per-domain grokking (docs/transformers.md) on the mixture-async preset, seed 1, through the
 * real run path: both domains are memorized early, each domain's grok step (test accuracy ≥ 95%) is recorded in
 * the summary's split_steps, the two differ, and the pooled test accuracy keeps improving long after the training set is fit. A
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

test("mixture-async: domains memorized early, grok at distinct recorded steps, test improves long after the training set is fit", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "grokscope-mixture-"));
  try {
    const config = normalizeSpec({ ...presetSpec("mixture-async"), seed: 1 });
    const summary = await startRun(config, { dataDir: dir, record: "none" });
    const s = summary.split_steps!;
    t.diagnostic(`split_steps ${JSON.stringify(s)}; final test acc ${summary.test_acc.toFixed(4)}`);
    const rows = await readMetricsParquet(join(summary.run_dir, METRICS_FILE));
    const series = (key: string) => rows.filter((r) => r.key === key).map((r) => [r.step, r.value] as const);
    const trainAcc = series("train_acc"), testAcc = series("test_acc");
    const fit = trainAcc.find(([, v]) => v >= 0.99)![0];
    const accAt = (step: number) => testAcc.find(([st]) => st === step)![1];
    t.diagnostic(`pooled train accuracy ≥ 99 % first at step ${fit}; test acc there ${accAt(fit).toFixed(3)}, at the end ${summary.test_acc.toFixed(3)}`);
    for (const d of ["add", "sub"]) assert.ok(s[`domain/${d}/train`] !== null && s[`domain/${d}/train`]! <= 500, `domain ${d} memorized by step 500`);
    const gAdd = s["domain/add/test"], gSub = s["domain/sub/test"];
    assert.ok(gAdd !== null && gSub !== null, "both domains grok within the run");
    assert.ok(gSub - gAdd >= 300, `the domains grok at distinct steps (add ${gAdd}, sub ${gSub})`);
    assert.ok(gAdd - s["domain/add/train"]! >= 300, "add generalizes well after it is memorized (a delay, not simultaneous fitting)");
    assert.ok(summary.test_acc - accAt(fit) > 0.5, "pooled test accuracy keeps rising long after the training set is fit");
    // test-free indicator per domain: the restricted loss on the domain's own training pairs falls first
    const indicator: Record<string, number> = {};
    for (const d of ["add", "sub"]) {
      indicator[d] = series(`domain/${d}/restricted_loss`).find(([, v]) => v < 0.05)![0];
      t.diagnostic(`${d}: restricted loss on its training pairs < 0.05 at step ${indicator[d]}, test accuracy ≥ 95 % at ${s[`domain/${d}/test`]}`);
      assert.ok(s[`domain/${d}/test`]! - indicator[d] >= 100, `domain ${d}: the indicator leads its grok step by ≥ 100 steps`);
    }
    assert.ok(indicator.add < indicator.sub, "the indicator orders the domains as their test accuracies do");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
