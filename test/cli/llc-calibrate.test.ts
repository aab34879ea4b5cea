/**
 * The LLC's files and tools end to end: a run with the `llc` measure writes llc/step_*.json (value, hyper-parameters,
 * key, diagnostics, traces) and warns on stderr when chains have not settled; a resumed run rewrites the same bytes;
 * `show --llc` and the library read them; `llc-calibrate` scans ε × nβ and refuses bad input naming the flag.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLlcRecords } from "../../src/runs/llc-records.js";
import { lastJson, runCli, runCliBatch } from "../helpers/cli.js";

const LLC = "measure_settings.llc={chains: 2, draws: 30, burn_in: 10, batch_size: null}";
const RUN = ["train", "gromov", "--steps", "20", "--set", "task.p=13", "--set", "model.width=32", "--set", "eval.every=10", "--set", "checkpoint_every=10",
  "--set", "checkpoint_log_points=null", "--measures", "llc", "--set", LLC, "--quiet"];

test("llc files: written per evaluation, rewritten identically on resume, read by show --llc and the library; llc-calibrate scans ε × nβ", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-llc-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store"), runDir = join(dir, "run");
  const t0 = performance.now();
  const train = runCli([...RUN, "--out", runDir, "--data-dir", data]);
  assert.equal(train.code, 0, train.stderr);
  const s = lastJson(train.stdout);
  assert.deepEqual(readdirSync(join(runDir, "llc")), ["step_00000000.json", "step_00000010.json", "step_00000020.json"]);

  // the library reads them back: the settings as used, the measure key, traces [chains][draws]
  assert.equal((await import("../../src/index.js")).loadLlcRecords, loadLlcRecords, "the library entry exports the reader");
  const records = await loadLlcRecords(runDir);
  assert.deepEqual(records.map((r) => r.step), [0, 10, 20]);
  const last = records[2];
  assert.equal(last.hyper.epsilon, 1e-4);
  assert.equal(last.hyper.gamma, 100);
  assert.equal(last.hyper.chains, 2);
  assert.equal(last.hyper.draws, 30);
  assert.equal(last.hyper.burn_in, 10);
  assert.equal(last.hyper.batch_size, last.hyper.n);
  assert.equal(last.hyper.nbeta, last.hyper.n / Math.log(last.hyper.n));
  assert.equal(last.loss_trace.length, 2);
  assert.equal(last.loss_trace[0].length, 30);
  const fm = s.final_measures as Record<string, number>;
  assert.equal(fm["llc/mean"], last.llc.mean);
  assert.equal(fm["llc/settled"], last.diagnostics.settled ? 1 : 0);
  // one warning line per estimate that did not settle, naming the step
  const unsettled = records.filter((r) => !r.diagnostics.settled).map((r) => r.step);
  const warned = [...train.stderr.matchAll(/^warning: llc at step (\d+): chains have not settled/gm)].map((m) => Number(m[1]));
  assert.deepEqual(warned, unsettled);

  // a crash after step 20's evaluation but before its checkpoint: the resumed run writes the same bytes
  const before = readFileSync(join(runDir, "llc", "step_00000020.json"), "utf8");
  cpSync(join(runDir, "llc"), join(dir, "llc-before"), { recursive: true });
  rmSync(join(runDir, "checkpoints", "step_00000020.safetensors"));
  rmSync(join(runDir, "llc", "step_00000020.json"));
  const resumed = runCli(["train", "--resume", runDir, "--data-dir", data, "--quiet"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(readFileSync(join(runDir, "llc", "step_00000020.json"), "utf8"), before);
  for (const f of ["step_00000000.json", "step_00000010.json"]) assert.equal(readFileSync(join(runDir, "llc", f), "utf8"), readFileSync(join(dir, "llc-before", f), "utf8"));

  // grokscope measure recomputes them from the checkpoints: the same files again
  rmSync(join(runDir, "llc"), { recursive: true });
  const measured = runCli(["measure", runDir, "--measures", "llc", "--data-dir", data]);
  assert.equal(measured.code, 0, measured.stderr);
  for (const f of readdirSync(join(dir, "llc-before"))) assert.equal(readFileSync(join(runDir, "llc", f), "utf8"), readFileSync(join(dir, "llc-before", f), "utf8"), f);

  // show --llc: one line per step; --json: the records with their traces
  const shown = runCli(["show", String(s.run_id), "--llc", "--data-dir", data]);
  assert.equal(shown.code, 0, shown.stderr);
  const lines = shown.stdout.trim().split("\n");
  assert.match(lines[1], /^step\s+λ̂ mean ± std\s+R̂\s+max\|drift\|\s+MALA\s+ε\s+nβ\s+γ/);
  assert.deepEqual(lines.slice(2).map((l) => Number(l.split(/\s+/)[0])), [0, 10, 20]);
  assert.match(lines[4], /1\.00e-4 .* 100 +2 × \(10 \+ 30\) +full/);
  const json = runCli(["show", String(s.run_id), "--llc", "--json", "--data-dir", data]).stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(json[2].loss_trace, last.loss_trace);
  assert.match(runCli(["show", String(s.run_id), "--data-dir", data]).stdout, /^llc +3 estimate\(s\) with traces and hyper-parameters in llc\//m);

  // llc-calibrate: 2 × 2 grid; the run's own setting reproduces the stored value exactly (same key, same settings)
  const nbeta = String(last.hyper.nbeta);
  const cal = runCli(["llc-calibrate", String(s.run_id), "--step", "20", "--eps", "1e-4,1e-3", "--nbeta", `5,${nbeta}`, "--data-dir", data, "--out", join(dir, "traces.svg")]);
  assert.equal(cal.code, 0, cal.stderr);
  const table = cal.stdout.trim().split("\n");
  assert.match(table[0], /^llc-calibrate gromov-.* at step 20: n = \d+, γ = 100, 2 chains × \(10 burn-in \+ 30 draws\), full batch; \* = the run's own setting$/);
  assert.match(table[1], /^\s+ε\s+nβ\s+λ̂ mean ± std\s+λ̂\/nβ\s+R̂\s+max\|drift\|\s+MALA\s+<L\(w\*\)\s+s\s+settled$/);
  assert.equal(table.length, 6);
  assert.deepEqual(table.slice(2).map((l) => l.startsWith("*")), [false, true, false, false]);
  assert.ok(table.slice(2).every((l) => /(yes|no: .+)$/.test(l)), table.join("\n"));
  assert.match(cal.stderr, /estimated 4\/4: ε 0\.001/);
  assert.match(readFileSync(join(dir, "traces.svg"), "utf8"), /^<svg/);
  const rows = runCli(["llc-calibrate", runDir, "--step", "20", "--eps", "1e-4", "--nbeta", nbeta, "--json", "--data-dir", data]).stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(rows.length, 1);
  assert.equal(rows[0].mean, last.llc.mean);
  assert.equal(rows[0].rhat, last.diagnostics.rhat);
  assert.deepEqual(Object.keys(rows[0]).slice(0, 4), ["run_id", "step", "epsilon", "nbeta"]);
  console.log(`llc files, resume, show and calibrate: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
});

test("llc-calibrate: bad input exits 2 with one line naming the flag or the run", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-llc-bad-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store"), runDir = join(dir, "run");
  const train = runCli(["train", "gromov", "--steps", "10", "--set", "task.p=13", "--set", "model.width=16", "--set", "checkpoint_every=10", "--set", "checkpoint_log_points=null", "--out", runDir, "--data-dir", data, "--quiet"]);
  assert.equal(train.code, 0, train.stderr);
  const cases: [string[], RegExp][] = [
    [["nope"], /^grokscope: run "nope" not found/],
    [[runDir, "--eps", "1e-4,abc"], /^grokscope: --eps: "abc" is not a number/],
    [[runDir, "--eps", "1e-4,,1e-3"], /^grokscope: --eps: expected a comma-separated list/],
    [[runDir, "--eps", "0"], /^grokscope: --eps: 0 must be > 0/],
    [[runDir, "--nbeta=-5"], /^grokscope: --nbeta: -5 must be > 0/],
    [[runDir, "--nbeta", "0,10"], /^grokscope: --nbeta: 0 must be > 0/],
    [[runDir, "--chains", "0"], /^grokscope: --chains: must be ≥ 1/],
    [[runDir, "--draws", "1.5"], /^grokscope: --draws: expected a whole number/],
    [[runDir, "--gamma", "x"], /^grokscope: --gamma: expected a number ≥ 0/],
    [[runDir, "--gamma=-1"], /^grokscope: --gamma: expected a number ≥ 0, got "-1"/],
    [[runDir, "--batch-size", "0"], /^grokscope: --batch-size: must be ≥ 1/],
    [[runDir, "--step", "7"], /^grokscope: --step: the run has no checkpoint at step 7 \(checkpoints: 0, 10\)/],
    [[runDir, "--out", "traces.jpg"], /^grokscope: --out traces\.jpg: the file must end in \.png or \.svg/],
  ];
  const results = runCliBatch(cases.map(([args]) => ["llc-calibrate", ...args, "--data-dir", data]));
  for (const [i, [args, re]] of cases.entries()) {
    assert.equal(results[i].code, 2, `${args.join(" ")}: ${results[i].stderr}`);
    assert.match(results[i].stderr.trim(), re, args.join(" "));
    assert.equal(results[i].stderr.trim().split("\n").length, 1, "one line");
    assert.equal(results[i].stdout, "", "nothing on stdout");
  }
  assert.ok(!existsSync(join(runDir, "llc")), "a refused calibration writes nothing into the run");
});
