/** `grokscope prune`: one JSON line on success; bad input is one line naming the flag or the model, exit code 2. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastJson, runCli } from "../helpers/cli.js";

test("prune: before/after accuracies (clean and corrupted) as one JSON line; bad input refused", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-prune-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");
  const train = runCli(["train", "gromov", "--steps", "40", "--set", "task.p=31", "--set", "task.label_noise=0.1", "--set", "model.width=32", "--set", "checkpoint_every=20", "--set", "checkpoint_log_points=null", "--data-dir", data, "--quiet"]);
  assert.equal(train.code, 0, train.stderr);
  const id = String(lastJson(train.stdout).run_id);

  const ok = runCli(["prune", id, "--ipr-below", "0.5", "--step", "20", "--out", join(dir, "pruned"), "--data-dir", data]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim().split("\n").length, 1, "one line");
  const r = lastJson(ok.stdout) as { step: number; neurons: number; pruned: number; before: Record<string, number>; after: Record<string, number> };
  assert.equal(r.step, 20);
  assert.equal(r.neurons, 32);
  for (const k of ["test_acc", "train_acc", "train_acc_clean", "train_acc_corrupted", "inversion"]) assert.equal(typeof r.after[k], "number", k);
  assert.ok(existsSync(join(dir, "pruned", "pruned.safetensors")));

  const bad = (args: string[], re: RegExp) => {
    const r = runCli(["prune", ...args, "--data-dir", data]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  };
  bad([id, "--ipr-below", "1.5"], /^grokscope: --ipr-below: must be a number in \(0, 1\]/);
  bad([id, "--ipr-below", "low"], /^grokscope: --ipr-below: expected a number in \(0, 1\], got "low"/);
  bad([id, "--ipr-below", "0.5", "--step", "30"], /^grokscope: --step: the run has no checkpoint at step 30 \(checkpoints: 0, 20, 40\)/);

  const five = runCli(["train", "pair-five-neuron", "--steps", "2", "--set", "checkpoint_every=2", "--data-dir", data, "--quiet"]);
  assert.equal(five.code, 0, five.stderr);
  bad([String(lastJson(five.stdout).run_id), "--ipr-below", "0.5"], /^grokscope: prune: model "five_neuron" has no neurons with a per-neuron Fourier IPR/);

  const noise = runCli(["train", "gromov", "--set", "task.label_noise=1", "--data-dir", data, "--quiet"]);
  assert.equal(noise.code, 2);
  assert.match(noise.stderr.trim(), /^grokscope: task\.label_noise: must be in \[0, 1\)/);
});
