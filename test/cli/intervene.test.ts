/** `grokscope intervene`: a before/after table or one JSON object; bad input is one line naming the option, exit code 2. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastJson, runCli, runCliBatch } from "../helpers/cli.js";

test("intervene: table, --json, --help; bad input refused with one line", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-intervene-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");
  const train = runCli(["train", "gromov", "--steps", "40", "--set", "task.p=31", "--set", "model.width=32", "--set", "checkpoint_every=20", "--set", "checkpoint_log_points=null", "--data-dir", data, "--quiet"]);
  assert.equal(train.code, 0, train.stderr);
  const id = String(lastJson(train.stdout).run_id);

  const [table, json, all, patched, help] = runCliBatch([
    ["intervene", id, "--hook", "hook_post", "--zero", "--neurons", "1,2,3", "--data-dir", data],
    ["intervene", id, "--hook", "hook_pre", "--mean", "--frequencies", "key", "--keep", "--json", "--data-dir", data],
    ["intervene", id, "--hook", "hook_post", "--zero", "--json", "--data-dir", data],
    ["intervene", id, "--hook", "hook_pre", "--patch-from", "20", "--json", "--data-dir", data],
    ["intervene", "--help"],
  ]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split("\n");
  assert.match(lines[1], /^hook {5}hook_post \[480, 32\]: zero ablation of 3 neurons \(3 of 32 units ablated\)$/);
  assert.match(lines[2], /train acc\s+test acc\s+train loss\s+test loss/);
  assert.match(lines[3], /^before\s+\d+\.\d%\s+\d+\.\d%/);
  assert.match(lines[4], /^after\s+\d+\.\d%\s+\d+\.\d%/);

  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stdout.trim().split("\n").length, 1, "one JSON object");
  const r = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.equal(r.mode, "mean");
  assert.equal(r.keep, true);
  assert.ok(Array.isArray(r.frequencies) && Array.isArray(r.neurons));
  for (const k of ["train_loss", "train_acc", "test_loss", "test_acc"]) assert.equal(typeof (r.after as Record<string, number>)[k], "number", k);

  const zeroed = JSON.parse(all.stdout) as { ablated: number; after: { test_acc: number; test_loss: number } };
  assert.equal(zeroed.ablated, 32, "no selection: every unit");
  assert.ok(zeroed.after.test_acc < 0.1, "all-zero hidden layer: logits 0, argmax class 0");
  const p = JSON.parse(patched.stdout) as { patch_from: { step: number }; step: number };
  assert.deepEqual([p.step, p.patch_from.step], [40, 20]);

  assert.equal(help.code, 0);
  for (const s of ["--zero", "--mean", "--patch-from", "--neurons", "--heads", "--frequencies", "--keep", "--json", "--step", "Examples:", "hook_embed"]) assert.ok(help.stdout.includes(s), `--help mentions ${s}`);

  const bad: Array<[string[], RegExp]> = [
    [["--hook", "hook_x", "--zero"], /^grokscope: --hook: model "gromov" has no hook "hook_x"; its hooks: hook_pre, hook_post$/],
    [["--hook", "hook_post", "--zero", "--neurons", "32"], /^grokscope: --neurons: neuron 32 is out of range for hook "hook_post" \(32 units: 0 … 31\)$/],
    [["--hook", "hook_post", "--zero", "--step", "30"], /^grokscope: --step: the run has no checkpoint at step 30 \(checkpoints: 0, 20, 40\)$/],
    [["--hook", "hook_post"], /^grokscope: --zero: give exactly one of --zero, --mean, --patch-from$/],
    [["--hook", "hook_post", "--zero", "--mean"], /^grokscope: --mean: give exactly one of/],
    [["--hook", "hook_post", "--zero", "--neurons", "1,x"], /^grokscope: --neurons: expected comma-separated whole numbers like 0,2,5, got "1,x"$/],
    [["--hook", "hook_post", "--zero", "--neurons", "1", "--frequencies", "2"], /^grokscope: --frequencies: give one of --neurons, --heads, --frequencies$/],
    [["--hook", "hook_post", "--zero", "--heads", "0"], /^grokscope: --heads: model "gromov" has no attention heads$/],
    [["--hook", "hook_post", "--zero", "--frequencies", "16"], /^grokscope: --frequencies: 16 is out of range \(frequencies of p = 31 are 1 … 15\)$/],
    [["--hook", "hook_post", "--patch-from", "30"], /^grokscope: --patch-from: the run has no checkpoint at step 30/],
    [["--hook", "hook_post", "--patch-from", "no-such-run"], /^grokscope: --patch-from: run "no-such-run" not found/],
    [["--hook", "hook_post", "--zero", "--step", "-1"], /^grokscope: --step: expected a whole number/],
  ];
  const results = runCliBatch(bad.map(([args]) => ["intervene", id, ...args, "--data-dir", data]));
  results.forEach((res, i) => {
    assert.equal(res.code, 2, `${bad[i][0].join(" ")}: ${res.stderr}`);
    assert.equal(res.stdout, "");
    assert.equal(res.stderr.trim().split("\n").length, 1, `one line: ${res.stderr}`);
    assert.match(res.stderr.trim(), bad[i][1]);
  });
});
