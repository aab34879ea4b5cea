/** The library entry (src/index.ts): the same runs as the CLI, read back, measured, resumed and stopped. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grokscope from "../../src/index.js";
import { computeMeasures, composeSpec, isParameterTensor, listRuns, loadCheckpoint, loadParams, loadRun, normalizeSpec, presets, presetSpec, resume, RunInterrupted, SpecError, train, type Progress } from "../../src/index.js";
import { lastJson, runCli } from "../helpers/cli.js";

const STEPS = 20;
const tiny = { preset: "gromov", steps: STEPS, seed: 3, eval: { every: 10 }, checkpoint_every: 10, checkpoint_log_points: null } as const;

test("train returns the summary the CLI prints, with the same keys; the run loads back", async () => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-lib-"));
  try {
    const cli = lastJson(runCli(["train", "gromov", "--steps", String(STEPS), "--seed", "3", "--set", "eval.every=10", "--set", "checkpoint_every=10", "--set", "checkpoint_log_points=null", "--quiet", "--data-dir", dir]).stdout);
    const progress: Progress[] = [];
    const s = await train(tiny, { dataDir: dir, onProgress: (p) => progress.push(p) });
    assert.deepEqual(Object.keys(s).sort(), Object.keys(cli).sort());
    assert.deepEqual(Object.keys(s.final_measures).sort(), Object.keys(cli.final_measures as object).sort());
    for (const k of ["train_acc", "test_acc", "train_loss", "memorize_step", "grok_step"] as const) assert.equal(s[k], cli[k], k); // same seed, same numbers
    assert.deepEqual(progress.map((p) => p.step), [0, 10, 20]);

    const run = await loadRun(s.run_id.slice(0, -2), { dataDir: dir }); // a unique prefix works, as on the CLI
    assert.equal(run.runId, s.run_id);
    assert.deepEqual(run.summary, s);
    assert.equal(run.config.steps, STEPS);
    assert.deepEqual(run.checkpoints, [0, 10, 20]);
    assert.deepEqual(run.series.test_acc.steps, [0, 10, 20]);
    assert.equal(run.series.test_acc.values[2], s.test_acc);
    assert.equal(run.metrics.filter((r) => r.key === "train_loss").length, 3);

    const runs = await listRuns({ dataDir: dir, preset: "gromov" });
    assert.equal(runs.length, 2);
    assert.ok(runs.every((r) => r.status === "done"));

    const w = await loadCheckpoint(run.runDir, 10);
    assert.deepEqual(Object.keys(w).filter(isParameterTensor).sort(), ["U", "V", "W"]);
    assert.deepEqual(w.U.shape, [500, 97]);
    const params = await loadParams(s.run_id, undefined, { dataDir: dir });
    assert.deepEqual(Object.keys(params).sort(), ["U", "V", "W"]);
    assert.deepEqual([...params.W.shape], [97, 500]);
    const m = await computeMeasures(s.run_id, ["weights/norm"], { dataDir: dir });
    assert.equal(m.step, STEPS);
    assert.equal(m.values["weights/norm"], s.final_measures["weights/norm"]);

    const more = await resume(s.run_id, { dataDir: dir, steps: 30 });
    assert.equal(more.steps, 30);
    assert.deepEqual((await loadRun(s.run_id, { dataDir: dir })).checkpoints, [0, 10, 20, 30]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an aborted run rejects with RunInterrupted and resumes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-lib-"));
  try {
    const abort = new AbortController();
    const stopped = train({ ...tiny, steps: 100_000 }, { dataDir: dir, signal: abort.signal, onProgress: (p) => p.step >= 10 && abort.abort() });
    await assert.rejects(stopped, RunInterrupted);
    const [killed] = await listRuns({ dataDir: dir });
    assert.equal(killed.status, "killed");
    assert.ok((await loadRun(killed.runId, { dataDir: dir })).summary === null);
    const done = await resume(killed.runId, { dataDir: dir, steps: 20 });
    assert.equal(done.steps, 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("specs: presets by name, a spec naming a preset is merged onto it, bad input is a SpecError", () => {
  assert.ok(Object.isFrozen(presets.gromov));
  assert.deepEqual(presets.gromov, presetSpec("gromov"));
  const c = composeSpec({ preset: "gromov", optimizer: { weight_decay: 0 } }, { set: ["task.p=89"], steps: 5 });
  assert.equal(c.optimizer.weight_decay, 0);
  assert.equal(c.optimizer.lr, normalizeSpec(presetSpec("gromov")).optimizer.lr, "the preset's other optimizer keys are kept");
  assert.equal((c.task as { p: number }).p, 89);
  assert.equal(c.steps, 5);
  assert.throws(() => composeSpec({ preset: "nope" }), SpecError);
  assert.throws(() => composeSpec({ preset: "gromov", optimizer: { weight_decay: -1 } }), /optimizer\.weight_decay/);
});

test("the entry exports the documented API and the autograd section", () => {
  for (const name of ["train", "resume", "presets", "presetSpec", "normalizeSpec", "composeSpec", "listRuns", "loadRun", "loadCheckpoint", "loadParams", "computeMeasures", "MEASURES", "getMeasure", "runMeasure", "buildTask", "buildModel", "createBackend", "keyFromSeed", "fold"]) {
    assert.ok(name in grokscope, `grokscope exports ${name}`);
  }
});
