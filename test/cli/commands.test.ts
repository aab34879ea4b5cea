/** The CLI's happy paths: train → runs → show → export, construct, presets, help; two runs writing one store at once. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMetricsParquet } from "../../src/runs/metrics-file.js";
import { readSafetensors } from "../../src/runs/safetensors.js";
import { spawn } from "node:child_process";
import { BIN, lastJson, runCli, runCliAsync } from "../helpers/cli.js";

const SMALL = ["--steps", "30", "--set", "model.width=64", "--set", "checkpoint_every=10", "--quiet"];

test("train writes the run directory, the store row and the summary line; runs/show/export read them", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");
  const r = runCli(["train", "gromov", ...SMALL, "--seed", "2"], { GROKSCOPE_DATA: data });
  assert.equal(r.code, 0, r.stderr);
  const s = lastJson(r.stdout);
  for (const k of ["run_id", "preset", "steps", "train_acc", "test_acc", "train_loss", "test_loss", "memorize_step", "grok_step", "final_measures", "run_dir"]) assert.ok(k in s, `summary lacks ${k}`);
  assert.equal(s.preset, "gromov");
  assert.equal(s.steps, 30);
  const runDir = String(s.run_dir);
  assert.ok(runDir.startsWith(data), "default run directory is under the data dir");
  const spec = JSON.parse(readFileSync(join(runDir, "spec.json"), "utf8"));
  assert.equal(spec.seed, 2);
  assert.equal(spec.model.width, 64);
  assert.ok(existsSync(join(runDir, "checkpoints", "step_00000030.safetensors")));
  assert.ok(typeof (s.final_measures as Record<string, number>)["fourier/ipr"] === "number");

  const list = runCli(["runs", "--data-dir", data]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(String(s.run_id)));
  const show = runCli(["show", String(s.run_id).slice(0, 14), "--data-dir", data]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /fourier\/ipr/);

  const out = join(dir, "m.parquet");
  const ex = runCli(["export", String(s.run_id), "--format", "parquet", "--out", out, "--data-dir", data]);
  assert.equal(ex.code, 0, ex.stderr);
  return readMetricsParquet(out).then(async (rows) => {
    const own = await readMetricsParquet(join(runDir, "metrics.parquet"));
    assert.deepEqual(rows.map((r) => `${r.step}/${r.key}/${r.value}`).sort(), own.map((r) => `${r.step}/${r.key}/${r.value}`).sort());
    const ck = await readSafetensors(join(runDir, "checkpoints", "step_00000030.safetensors"));
    assert.deepEqual(ck.tensors.U.shape, [64, 97]);
    assert.equal(ck.metadata.step, "30");
  });
});

test("two runs writing one store at the same time both succeed and are both recorded", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");
  const args = (seed: string) => ["train", "gromov", ...SMALL, "--set", "eval.every=1", "--seed", seed, "--data-dir", data];
  const [a, b] = await Promise.all([runCliAsync(args("1")), runCliAsync(args("2"))]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const list = runCli(["runs", "--data-dir", data, "--json"]);
  const runs = list.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(runs.length, 2);
  assert.ok(runs.every((r) => r.status === "done" && r.step === 30));
});

test("construct gromov scores 100% at N = 500 and chance with the output phase flipped", () => {
  const ok = runCli(["construct", "gromov"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(lastJson(ok.stdout).accuracy, 1);
  const flipped = lastJson(runCli(["construct", "gromov", "--set", "construction.flip_output_phase=true"]).stdout);
  assert.ok((flipped.accuracy as number) < 0.02);
});

test("--help lists the commands and every command has --help", () => {
  const h = runCli(["--help"]);
  assert.equal(h.code, 0);
  for (const c of ["train", "construct", "runs", "show", "export", "presets", "sweep", "sweeps", "phases", "predict", "worker", "serve"]) {
    assert.match(h.stdout, new RegExp(`\\b${c}\\b`));
    const sub = runCli([c, "--help"]);
    assert.equal(sub.code, 0, `${c} --help`);
    assert.match(sub.stdout, /Usage: grokscope/);
  }
});

test("a diverging run stops with the step and the tensor named, and is marked failed", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");
  const r = runCli(["train", "gromov", "--set", "optimizer={name: sgd, lr: 1e4}", "--set", "model.width=64", "--data-dir", data, "--quiet"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr.trim(), /^grokscope: training diverged at step \d+: .*("(U|V|W)"|logits overflowed)/);
  const list = runCli(["runs", "--data-dir", data, "--json"]);
  assert.equal(JSON.parse(list.stdout.trim()).status, "failed");
});

test("a reader that closes the pipe early (`grokscope presets | head -1`) ends the command quietly, exit 0", async () => {
  const child = spawn(process.execPath, [BIN, "presets"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.destroy(); // the reader is gone before the first line is written: every write fails with EPIPE
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(stderr, "", "no stack trace");
  assert.equal(code, 0);
});
