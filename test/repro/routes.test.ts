/**
 * Routes to generalization on R3's sparse parity (PAIR's open question; docs/reproductions.md, "Routes"): the sweep
 * preset `routes-sparse-parity` at its full length (10k steps) and seeds (1–3), through the real CLI. Measured:
 *   none (wd 0)              test 63.0–76.2%, never ≥ 99%
 *   weight decay 0.1         grokking: test ≥ 99% at 5,600 / 6,800 / 7,000, 5–6.5k steps after memorizing
 *   dropout 0.3, wd 0        test ≥ 99% at 1,700 / 1,900 / 3,000 (final 99.5–99.9%), soon after memorizing
 *   width 8, wd 0            1 of 3 generalizes (1,367); 2 of 3 do not fit (train 75–77%)
 *   Adam, wd 0, float32 CE   2 of 3 reach ≥ 99% (1,096 and 3,100); the third ends at 98.6%
 * Runs are bit-exact, so the counts are asserted as measured; the steps with a margin.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastJson, runCli } from "../helpers/cli.js";

interface Run {
  readonly variant: string;
  readonly summary: { train_acc: number; test_acc: number; memorize_step: number | null; grok_step: number | null };
}

test("routes to generalization on sparse parity: weight decay groks late, dropout generalizes early, nothing memorizes", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-routes-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sweep = runCli(["sweep", "routes-sparse-parity", "--workers", "2", "--data-dir", dir, "--quiet"]);
  assert.equal(sweep.code, 0, sweep.stderr);
  assert.equal(lastJson(sweep.stdout).done, 15);
  const listed = runCli(["runs", "--data-dir", dir, "--json"]);
  assert.equal(listed.code, 0, listed.stderr);
  const order = ["none", "weight-decay", "dropout", "small-model", "unstable-optimizer"]; // run index = variant × 3 + seed − 1
  const runs: Run[] = listed.stdout.trim().split("\n").map((l) => JSON.parse(l)).map((r) => ({
    variant: order[Math.floor(Number(/(\d+)$/.exec(r.run_id)![1]) / 3)],
    summary: r.summary,
  }));
  const of = (v: string) => runs.filter((r) => r.variant === v).map((r) => r.summary);
  const grokked = (v: string) => of(v).filter((s) => s.grok_step !== null).length;

  for (const s of of("none")) assert.ok(s.train_acc === 1 && s.test_acc < 0.9, `no route: memorizes (test ${s.test_acc})`);
  for (const s of of("weight-decay")) {
    assert.ok(s.grok_step !== null && s.memorize_step !== null && s.grok_step - s.memorize_step >= 4000, `weight decay: a late grok (${s.memorize_step} → ${s.grok_step})`);
  }
  for (const s of of("dropout")) {
    assert.ok(s.grok_step !== null && s.grok_step <= 3500 && s.test_acc >= 0.99, `dropout: generalizes early (grok ${s.grok_step}, test ${s.test_acc})`);
  }
  assert.equal(grokked("small-model"), 1, "width 8: one of three seeds generalizes");
  assert.equal(of("small-model").filter((s) => s.train_acc < 0.9).length, 2, "width 8: two of three do not fit");
  assert.equal(grokked("unstable-optimizer"), 2, "Adam without weight decay, float32 CE: two of three reach 99%");
});
