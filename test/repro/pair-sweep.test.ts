/**
 * R9 (docs/reproductions.md), reduced for CI: PAIR's sparse-parity sweep at hidden 64, train 1,000 over weight decay
 * {0.01, 0.1, 1} × seeds 1–3, through the real CLI (`grokscope sweep` then `grokscope phases --json`).
 *
 * PAIR's pattern: wd 0.01 memorizes (high test loss), wd 0.1 groks, wd 1 fails to fit (high train loss) at hidden
 * ≤ 64. The preset (`pair-sparse-parity`) has PAIR's model, a single output logit and no bias parameters, and
 * reproduces all three at the preset's full 20k steps; measured on seeds 1–3 (the train-1,000 slice of the grid, 24 of
 * 25 cells with PAIR's majority): wd 0.1 groks at 6,087 / 6,800 / 7,700, and wd 1 ends with train loss 0.011–0.015
 * (PAIR's runs in this cell: minimum train loss 0.002–0.07) and test accuracy 75–84%.
 *
 * The control, `pair-sparse-parity-two-logit` (R3's model: two output columns, nn.Linear's biases), fits at wd 1
 * (train loss < 1e-5 by step 1.1k–1.4k in 9/9 seeds at 20k steps) and stays above the test-loss threshold: high test
 * loss, not PAIR's high train loss. 10k steps classify it (wd 0.1's test loss falls below 1e-5 at 7.2k–8.9k there).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastJson, runCli } from "../helpers/cli.js";

/** The sweep at hidden 64, train 1,000, wd {0.01, 0.1, 1}, seeds 1–3, then its cells by weight decay. */
function sweepByWd(dir: string, sweep: string, extra: string[]): Map<number, any> {
  const run = runCli([
    "sweep", sweep, "--data-dir", dir, "--quiet", "--seeds", "3", ...extra,
    "--axis", "optimizer.weight_decay=[0.01, 0.1, 1]", "--axis", "model.width=[64]", "--axis", "task.n_train=[1000]",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const s = lastJson(run.stdout);
  assert.equal(s.total, 9);
  assert.equal(s.done, 9);
  assert.equal(s.failed, 0);
  return phasesByWd(dir, sweep);
}

/** `grokscope phases --json` of a sweep at hidden 64 / train 1,000, its cells by weight decay. */
function phasesByWd(dir: string, sweep: string, classify: string[] = []): Map<number, any> {
  const phases = runCli(["phases", sweep, "--data-dir", dir, "--json", ...classify.flatMap((c) => ["--classify", c])]);
  assert.equal(phases.code, 0, phases.stderr);
  const cells = phases.stdout.trim().split("\n").map((l) => JSON.parse(l)).filter((c) => c.cell !== undefined); // a last line may hold d_crit
  const byWd = new Map(cells.map((c) => [c.cell["optimizer.weight_decay"], c]));
  assert.deepEqual([...byWd.keys()], [0.01, 0.1, 1]);
  return byWd;
}

test("R9 reduced, PAIR's single-logit model at full length: wd 0.01 memorizes, wd 0.1 groks, wd 1 fails to fit (PAIR's rule)", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-r9-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const byWd = sweepByWd(dir, "pair-sparse-parity", []);
  assert.equal(byWd.get(0.01).pair.counts.high_test_loss, 3, "wd 0.01: every seed memorizes");
  assert.equal(byWd.get(0.01).grok.n_grokked, 0);
  assert.equal(byWd.get(0.1).pair.counts.grokking, 3, "wd 0.1: every seed groks");
  const steps = byWd.get(0.1).grok.steps as number[];
  assert.ok(steps.every((g) => g >= 5000 && g <= 9000), `wd 0.1 grok steps ${steps} (measured: 6.1k–7.7k)`);
  assert.equal(byWd.get(1).pair.counts.high_train_loss, 3, "wd 1: no seed fits (PAIR: high train loss 9/9)");

  // the same runs read with PAIR's float32 loss floor (2⁻²³): the grokking runs' test loss was ≥ 5e4 × the floor
  // while the training loss sat at it, so their class stands; a floor above the train-loss threshold fits nothing
  const floored = phasesByWd(dir, "pair-sparse-parity", ["pair.loss_floor=1.1920929e-7"]);
  assert.equal(floored.get(0.1).pair.counts.grokking, 3);
  assert.equal(floored.get(0.01).pair.counts.high_test_loss, 3);
  const none = phasesByWd(dir, "pair-sparse-parity", ["pair.loss_floor=1e-3"]);
  assert.deepEqual([0.01, 0.1, 1].map((wd) => none.get(wd).pair.counts.high_train_loss), [3, 3, 3]);
  const bad = runCli(["phases", "pair-sparse-parity", "--data-dir", dir, "--classify", "pair.floor=1"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /classify\.pair\.floor: unknown key/);
});

test("R9 control, two output logits: wd 1 fits the training set and stays above PAIR's test-loss threshold", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-r9-two-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const byWd = sweepByWd(dir, "pair-sparse-parity-two-logit", ["--set", "steps=10000"]);
  assert.equal(byWd.get(0.01).pair.counts.high_test_loss, 3, "wd 0.01: every seed memorizes");
  assert.equal(byWd.get(0.1).pair.counts.grokking, 3, "wd 0.1: every seed groks");
  const steps = byWd.get(0.1).grok.steps as number[];
  assert.ok(steps.every((g) => g >= 5000 && g <= 7500), `wd 0.1 grok steps ${steps} (measured over 9 seeds: 5.6k–7k)`);
  assert.equal(byWd.get(1).pair.counts.high_train_loss, 0, "wd 1 fits the training set with two logits");
  assert.equal(byWd.get(1).pair.counts.high_test_loss, 3);
});
