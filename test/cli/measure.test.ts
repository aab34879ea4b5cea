/** Measures chosen per run (--measures, "all", namespaces) and computed after the fact from checkpoints (grokscope measure). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMetricsParquet } from "../../src/runs/metrics-file.js";
import { lastJson, runCli } from "../helpers/cli.js";

const SMALL = ["--steps", "40", "--set", "model.width=64", "--set", "checkpoint_every=10", "--set", "checkpoint_log_points=null", "--quiet"];

test("measure: fourier measures computed from checkpoints join the run's metrics, store and summary", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-measure-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");
  const run = runCli(["train", "gromov", ...SMALL, "--measures", "weights/norm", "--data-dir", data]);
  assert.equal(run.code, 0, run.stderr);
  const s = lastJson(run.stdout);
  assert.ok(!("fourier/ipr" in (s.final_measures as object)), "not measured during training");

  const m = runCli(["measure", String(s.run_id), "--measures", "fourier", "--every", "20", "--data-dir", data]);
  assert.equal(m.code, 0, m.stderr);
  const r = lastJson(m.stdout);
  assert.deepEqual(r.steps, [0, 20, 40]);
  assert.ok(typeof (r.final_measures as Record<string, number>)["fourier/ipr"] === "number");

  return readMetricsParquet(join(String(s.run_dir), "metrics.parquet")).then((rows) => {
    const ipr = rows.filter((x) => x.key === "fourier/ipr").map((x) => x.step);
    assert.deepEqual(ipr, [0, 20, 40]);
    assert.ok(rows.some((x) => x.key === "weights/norm"), "other metrics are kept");
    const summary = JSON.parse(readFileSync(join(String(s.run_dir), "summary.json"), "utf8"));
    assert.equal(summary.final_measures["fourier/ipr"], (r.final_measures as Record<string, number>)["fourier/ipr"]);
    const again = runCli(["measure", String(s.run_id), "--measures", "fourier/ipr", "--data-dir", data]);
    assert.equal(again.code, 0, again.stderr);
    const shown = lastJson(runCli(["show", String(s.run_id), "--json", "--data-dir", data]).stdout);
    assert.ok((shown.metric_keys as string[]).includes("fourier/ipr"));
    const exported = join(dir, "e.csv");
    assert.equal(runCli(["export", String(s.run_id), "--format", "csv", "--out", exported, "--data-dir", data]).code, 0);
    const lines = readFileSync(exported, "utf8").split("\n").filter((l) => l.includes("fourier/ipr"));
    assert.equal(lines.length, 5, "re-measuring replaces the earlier values (checkpoints 0, 10, 20, 30, 40 once each)");
  });
});

test("measure on a run directory that is not in the store: its files are updated, the store is left alone, a warning says so", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-measure-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = runCli(["train", "gromov", ...SMALL, "--out", join(dir, "run"), "--data-dir", join(dir, "store")]);
  assert.equal(run.code, 0, run.stderr);
  const other = join(dir, "other-store");
  const m = runCli(["measure", join(dir, "run"), "--measures", "fourier/ipr", "--data-dir", other]);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stderr, /is not in the store at .*other-store: its metrics\.parquet and summary are updated, the store is not/);
  const ipr = (lastJson(m.stdout).final_measures as Record<string, number>)["fourier/ipr"];
  const summary = JSON.parse(readFileSync(join(dir, "run", "summary.json"), "utf8"));
  assert.equal(summary.final_measures["fourier/ipr"], ipr);
  return readMetricsParquet(join(dir, "run", "metrics.parquet")).then((rows) => {
    assert.deepEqual(rows.filter((x) => x.key === "fourier/ipr").map((x) => x.step), [0, 10, 20, 30, 40]);
  });
});

test("measures that do not apply are refused before anything is written; \"all\" keeps those that apply", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-measure-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");
  const bad = runCli(["train", "sparse-parity", "--steps", "20", "--measures", "fourier", "--data-dir", data, "--quiet"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr.trim(), /^grokscope: measures: "fourier\/ipr" does not apply to this run: it needs a modular-arithmetic task/);
  assert.ok(!existsSync(data));
  const unknown = runCli(["train", "gromov", "--measures", "fourir", "--data-dir", data, "--quiet"]);
  assert.match(unknown.stderr, /unknown measure "fourir"/);
  const all = runCli(["train", "sparse-parity", "--steps", "20", "--measures", "all", "--data-dir", data, "--quiet"]);
  assert.equal(all.code, 0, all.stderr);
  const fm = lastJson(all.stdout).final_measures as Record<string, number>;
  assert.ok("weights/norm" in fm && !("fourier/ipr" in fm));
});

test("a measure that fails (SGLD diverging) warns with the setting to change, and the run's other metrics are kept", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-measure-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = runCli(["train", "gromov", "--steps", "10", "--set", "model.width=32", "--set", "eval.every=10", "--measures", "llc,weights/norm",
    "--set", "measure_settings.llc={epsilon: 1000, gamma: 0, chains: 1, draws: 5, burn_in: 0}", "--data-dir", join(dir, "store"), "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: measure "llc" failed at step 0 .*epsilon/);
  const fm = lastJson(r.stdout).final_measures as Record<string, number>;
  assert.ok("weights/norm" in fm && !("llc/mean" in fm));
  const bad = runCli(["train", "gromov", "--set", "measure_settings.llc={epsilon: -1}", "--data-dir", join(dir, "store"), "--quiet"]);
  assert.match(bad.stderr.trim(), /^grokscope: measure_settings\.llc\.epsilon/);
});
