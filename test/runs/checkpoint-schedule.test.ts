/**
 * Checkpoints where grokking happens: every run checkpoints at step 0, at multiples of `checkpoint_every`, at
 * `checkpoint_log_points` log-spaced steps and at the end — so a run of S steps writes at most
 * ⌊S / checkpoint_every⌋ + checkpoint_log_points + 2 checkpoints — and gromov's schedule puts checkpoints through
 * its memorization (~75) and grokking (~85). A run's evaluations reach the store before its next checkpoint; a run
 * that dies between the two resumes bit-identically with each (step, key) row in the store once.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkpointPath, checkpointSteps, plannedCheckpointSteps } from "../../src/runs/checkpoint.js";
import { readMetricsParquet } from "../../src/runs/metrics-file.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { METRICS_FILE, readRunDir, resumeRun, startRun } from "../../src/runs/run.js";
import { readSafetensors } from "../../src/runs/safetensors.js";
import { DEFAULT_CHECKPOINT_LOG_POINTS, MAX_CHECKPOINT_LOG_POINTS, normalizeSpec, SpecError } from "../../src/runs/spec.js";
import { openStore } from "../../src/runs/store.js";
import { runCliBatch } from "../helpers/cli.js";

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "grokscope-ckpt-schedule-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A gromov net small enough to train 60 steps in well under a second. */
const tiny = (over: Record<string, unknown> = {}) =>
  normalizeSpec({ ...presetSpec("gromov"), steps: 60, task: { name: "modular", op: "add", p: 31, train_fraction: 0.5 }, model: { name: "gromov", width: 32 }, eval: { every: 5 }, measures: ["weights/norm"], ...over });

test("gromov's checkpoints: step 0, log-spaced steps dense early, and several through memorization and grokking", () => {
  const config = normalizeSpec(presetSpec("gromov"));
  const steps = plannedCheckpointSteps(config);
  assert.equal(steps[0], 0, "a checkpoint of the initialization");
  assert.equal(steps[steps.length - 1], 600);
  for (const s of [100, 200, 300, 400, 500]) assert.ok(steps.includes(s), `checkpoint_every 100 still checkpoints step ${s}`);
  const inTransition = steps.filter((s) => s >= 50 && s <= 100);
  assert.ok(inTransition.length >= 4, `at least 4 checkpoints between steps 50 and 100, where gromov memorizes and groks: ${inTransition.join(", ")}`);
  // log spacing: past the consecutive start, the log points below the first multiple of checkpoint_every grow by a
  // nearly constant factor (32 points over [1, 600]: 600^(1/31) ≈ 1.23)
  const early = steps.filter((s) => s >= 10 && s < 100);
  const ratios = early.slice(1).map((s, i) => s / early[i]);
  for (const r of ratios) assert.ok(r > 1.12 && r < 1.35, `consecutive early checkpoints grow by ~1.23×: ${early.join(", ")}`);
  assert.ok(steps.length <= 600 / 100 + 32 + 2, `within the bound: ${steps.length}`);
});

test("the bound: at most ⌊steps / checkpoint_every⌋ + checkpoint_log_points + 2 checkpoints; step 0 and the end always", () => {
  for (const steps of [0, 1, 7, 60, 600, 20_000, 1_000_000]) {
    for (const every of [1, 10, 1000, 10_000_000].filter((e) => steps / e <= 20_000)) {
      for (const logPoints of [null, 1, 24, MAX_CHECKPOINT_LOG_POINTS]) {
        const planned = plannedCheckpointSteps({ steps, checkpoint_every: every, checkpoint_log_points: logPoints });
        const bound = Math.floor(steps / every) + (logPoints ?? 0) + 2;
        assert.ok(planned.length <= bound, `steps ${steps}, every ${every}, log points ${logPoints}: ${planned.length} > ${bound}`);
        assert.equal(planned[0], 0);
        assert.equal(planned[planned.length - 1], steps);
        assert.deepEqual(planned, [...new Set(planned)].sort((a, b) => a - b), "distinct and ascending");
      }
    }
  }
  // with a checkpoint_every longer than the run, the log points are all there is: exactly n of them, plus step 0
  assert.equal(plannedCheckpointSteps({ steps: 1_000_000, checkpoint_every: 10_000_000, checkpoint_log_points: 24 }).length, 25);
});

test("checkpoint_log_points: default, null, and bad values refused naming the key (exit 2 from the CLI)", () => {
  assert.equal(normalizeSpec({ ...presetSpec("nanda-small") }).checkpoint_log_points, DEFAULT_CHECKPOINT_LOG_POINTS);
  assert.equal(normalizeSpec({ ...presetSpec("gromov"), checkpoint_log_points: null }).checkpoint_log_points, null);
  const bad: [unknown, RegExp][] = [
    [0, /^checkpoint_log_points: must be ≥ 1, or null for none/],
    [2.5, /^checkpoint_log_points: must be an integer/],
    [MAX_CHECKPOINT_LOG_POINTS + 1, new RegExp(`^checkpoint_log_points: must be ≤ ${MAX_CHECKPOINT_LOG_POINTS}`)],
    ["many", /^checkpoint_log_points: /],
  ];
  for (const [value, message] of bad) assert.throws(() => normalizeSpec({ ...presetSpec("gromov"), checkpoint_log_points: value }), (e: unknown) => e instanceof SpecError && message.test(e.message));
  const [zero, big] = runCliBatch([
    ["train", "gromov", "--set", "checkpoint_log_points=0", "--data-dir", join(dir, "refused")],
    ["train", "gromov", "--set", "checkpoint_log_points=5000", "--data-dir", join(dir, "refused")],
  ]);
  assert.equal(zero.code, 2, zero.stderr);
  assert.match(zero.stderr, /checkpoint_log_points: must be ≥ 1/);
  assert.equal(big.code, 2, big.stderr);
  assert.match(big.stderr, /checkpoint_log_points: must be ≤ 200/);
});

test("a spec.json recorded before checkpoint_log_points existed still loads (the default applies from then on)", async () => {
  const old = join(dir, "old-run");
  mkdirSync(old);
  const { checkpoint_log_points: _, ...recorded } = tiny();
  writeFileSync(join(old, "spec.json"), JSON.stringify({ run_id: "old-run", ...recorded }, null, 2));
  const { runId, config } = await readRunDir(old);
  assert.equal(runId, "old-run");
  assert.equal(config.checkpoint_every, recorded.checkpoint_every);
  assert.equal(config.checkpoint_log_points, DEFAULT_CHECKPOINT_LOG_POINTS);
});

test("a run writes exactly its planned checkpoints, step 0 first", async () => {
  const config = tiny({ checkpoint_every: 1000, checkpoint_log_points: 6 });
  const runDir = join(dir, "planned");
  await startRun(config, { dataDir: dir, outDir: runDir, record: "none" });
  const planned = plannedCheckpointSteps(config);
  assert.deepEqual(await checkpointSteps(runDir), planned);
  assert.deepEqual(planned, [0, 1, 2, 5, 11, 26, 60], "6 log-spaced steps in [1, 60], step 0 and the end");
});

test("killed between an evaluation in the store and the next checkpoint: --resume is bit-identical, each row stored once", async () => {
  // checkpoints at 0, 20, 40, 60; evaluations every 5, each written to the store as it happens
  const config = tiny({ checkpoint_every: 20, checkpoint_log_points: null });
  const dataDir = join(dir, "store");
  const whole = await startRun(config, { dataDir, outDir: join(dir, "whole"), runId: "whole", liveFlushMs: 0 });

  const crashAt = 35;
  const runDir = join(dir, "crashed");
  await assert.rejects(
    startRun(config, {
      dataDir,
      outDir: runDir,
      runId: "crashed",
      liveFlushMs: 0,
      onProgress: (p) => {
        if (p.step === crashAt) throw new Error("the process dies here");
      },
    }),
    /the process dies here/,
  );
  assert.deepEqual(await checkpointSteps(runDir), [0, 20]);
  const store = await openStore(dataDir);
  try {
    const before = await store.getMetrics("crashed");
    assert.equal(Math.max(...before.map((r) => r.step)), crashAt, "the store had the evaluations after the last checkpoint");
    assert.equal((await store.getRun("crashed")).step, crashAt, "and the step they reached");

    const resumed = await resumeRun(runDir, { dataDir, liveFlushMs: 0 });
    const { run_dir: _a, seconds: _b, run_id: _c, ...same } = resumed;
    const { run_dir: _d, seconds: _e, run_id: _f, ...want } = whole;
    assert.deepEqual(same, want, "the same summary");

    const rows = await store.getMetrics("crashed");
    const keys = rows.map((r) => `${r.step}/${r.key}`);
    assert.equal(new Set(keys).size, keys.length, "no (step, key) row twice in the store");
    assert.deepEqual(rows, await store.getMetrics("whole"), "the store holds the uninterrupted run's rows");
    assert.deepEqual(await readMetricsParquet(join(runDir, METRICS_FILE)), await readMetricsParquet(join(dir, "whole", METRICS_FILE)));
    assert.equal((await store.getRun("crashed")).status, "done");
  } finally {
    await store.close();
  }
  const a = await readSafetensors(checkpointPath(join(dir, "whole"), 60));
  const b = await readSafetensors(checkpointPath(runDir, 60));
  assert.deepEqual(Object.keys(b.tensors).sort(), Object.keys(a.tensors).sort());
  for (const [name, t] of Object.entries(a.tensors)) assert.deepEqual(Buffer.from(b.tensors[name].data.buffer), Buffer.from(t.data.buffer), `tensor ${name}`);
});

test("checkpoints due faster than the disk takes them are queued, each with its own step's state; killed, the run resumes from the last", async () => {
  // a checkpoint at every step: the writer falls behind and takes several at once (one metrics file for them)
  const config = tiny({ checkpoint_every: 1, checkpoint_log_points: null });
  const whole = await startRun(config, { dataDir: dir, outDir: join(dir, "every-step"), record: "none" });
  assert.deepEqual(await checkpointSteps(join(dir, "every-step")), plannedCheckpointSteps(config));
  assert.equal(plannedCheckpointSteps(config).length, 61);
  // the checkpoint at step 10 holds the state after 10 steps, not a later one: a 10-step run ends with the same bits
  const short = join(dir, "ten-steps");
  await startRun({ ...config, steps: 10 }, { dataDir: dir, outDir: short, record: "none" });
  const a = await readSafetensors(checkpointPath(join(dir, "every-step"), 10));
  const b = await readSafetensors(checkpointPath(short, 10));
  for (const [name, t] of Object.entries(b.tensors)) assert.deepEqual(Buffer.from(a.tensors[name].data.buffer), Buffer.from(t.data.buffer), `tensor ${name} at step 10`);
  const next = await readSafetensors(checkpointPath(join(dir, "every-step"), 11));
  assert.notDeepEqual(Buffer.from(next.tensors.U.data.buffer), Buffer.from(a.tensors.U.data.buffer), "step 11's checkpoint is not step 10's");

  const runDir = join(dir, "every-step-killed");
  await assert.rejects(
    startRun(config, { dataDir: dir, outDir: runDir, runId: "every-step-killed", record: "none", onProgress: (p) => {
      if (p.step === 35) throw new Error("the process dies here");
    } }),
    /the process dies here/,
  );
  const kept = await checkpointSteps(runDir);
  assert.deepEqual(kept, plannedCheckpointSteps({ ...config, steps: 34 }), "every checkpoint queued before the kill was written");
  const rows = new Set((await readMetricsParquet(join(runDir, METRICS_FILE))).map((r) => `${r.step}/${r.key}/${r.value}`));
  const due = (await readMetricsParquet(join(dir, "every-step", METRICS_FILE))).filter((r) => r.step <= 34);
  assert.ok(due.length > 0 && due.every((r) => rows.has(`${r.step}/${r.key}/${r.value}`)), "the metrics file holds every row up to the last checkpoint");
  const resumed = await resumeRun(runDir, { dataDir: dir, record: "none" });
  const { run_dir: _a, seconds: _b, run_id: _c, ...same } = resumed;
  const { run_dir: _d, seconds: _e, run_id: _f, ...want } = whole;
  assert.deepEqual(same, want, "the same summary as the uninterrupted run");
  assert.deepEqual(await readMetricsParquet(join(runDir, METRICS_FILE)), await readMetricsParquet(join(dir, "every-step", METRICS_FILE)));
});
