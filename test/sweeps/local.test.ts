/**
 * Local sweeps end to end on tiny sparse-parity runs: worker threads give bit-identical results to one worker;
 * a stopped sweep keeps its finished runs and resumes the rest (bit-identical to an uninterrupted sweep); a
 * finished sweep trains nothing when run again; a changed spec under the same name is refused; a batch stopped midway
 * has saved every run, which resumes (in a batch or alone) to the same results.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/runs/store.js";
import { openSweepSession } from "../../src/sweeps/coordinator.js";
import { runSweepLocal } from "../../src/sweeps/local.js";
import { executeBatchJob, executeRunJob, type RunJobResult } from "../../src/sweeps/execute.js";
import { checkpointSteps, plannedCheckpointSteps } from "../../src/runs/checkpoint.js";
import type { MetricRow } from "../../src/runs/metrics-file.js";
import { RunInterrupted } from "../../src/runs/run.js";
import { normalizeSweep } from "../../src/sweeps/spec.js";
import { loadSweepResults, sweepRuns } from "../../src/sweeps/sweep-store.js";
import type { SweepRunResult } from "../../src/sweeps/types.js";

const SPEC = {
  name: "tiny",
  base: "sparse-parity",
  spec: { steps: 300, eval: { every: 50 }, checkpoint_every: 100, task: { n_bits: 12, n_train: 200, n_test: 200 }, model: { width: 16 } },
  axes: { "optimizer.weight_decay": [0.01, 0.1] },
  seeds: 2,
};

function tempDir(t: { after: (f: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), "grokscope-sweep-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function sweepOnce(dataDir: string, workers: number, signalAfter?: number, batch = false): Promise<{ outcome: Awaited<ReturnType<typeof runSweepLocal>>; jobs: number }> {
  const session = await openSweepSession(normalizeSweep(SPEC), { dataDir });
  const abort = new AbortController();
  try {
    const outcome = await runSweepLocal(session, {
      workers,
      batch,
      signal: abort.signal,
      onProgress: (p) => {
        if (signalAfter !== undefined && p.done >= signalAfter) abort.abort();
      },
    });
    return { outcome, jobs: session.jobs.length };
  } finally {
    await session.close();
  }
}

async function results(dataDir: string): Promise<SweepRunResult[]> {
  const store = await openStore(dataDir);
  try {
    return await loadSweepResults(store, "tiny");
  } finally {
    await store.close();
  }
}

function sameResults(a: SweepRunResult[], b: SweepRunResult[]): void {
  assert.deepEqual(a.map((r) => r.runKey), b.map((r) => r.runKey));
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual(a[i].rows, b[i].rows, `metrics of ${a[i].runKey}`);
    assert.equal(a[i].summary.test_acc, b[i].summary.test_acc);
  }
}

test("two worker threads, and batched kernels, record the same runs, bit for bit, as one worker training runs alone", async (t) => {
  const one = tempDir(t), two = tempDir(t), batched = tempDir(t);
  const r1 = await sweepOnce(one, 1);
  const r2 = await sweepOnce(two, 2);
  const r3 = await sweepOnce(batched, 2, undefined, true);
  assert.equal(r3.outcome.trained, 4);
  sameResults(await results(one), await results(batched));
  assert.equal(r1.outcome.trained, 4);
  assert.equal(r2.outcome.trained, 4);
  const a = await results(one), b = await results(two);
  assert.equal(a.length, 4);
  for (const r of a) {
    const evalSteps = new Set(r.rows.filter((x) => x.key === "test_acc").map((x) => x.step));
    for (let s = 0; s <= 300; s += 50) assert.ok(evalSteps.has(s), `${r.runKey}: evaluated at step ${s}`);
  }
  sameResults(a, b);
  const again = await sweepOnce(one, 2);
  assert.equal(again.jobs, 0, "a finished sweep has nothing left to train");
  assert.equal(again.outcome.trained, 0);
});

test("a stopped sweep keeps its finished runs and resumes the rest to the same results", async (t) => {
  const whole = tempDir(t), stopped = tempDir(t);
  await sweepOnce(whole, 1);
  const first = await sweepOnce(stopped, 1, 1);
  assert.equal(first.outcome.interrupted, true);
  assert.equal(first.outcome.trained, 1);
  const store = await openStore(stopped);
  const refs = await sweepRuns(store, "tiny");
  await store.close();
  assert.deepEqual(refs.map((r) => r.status), ["done", "pending", "pending", "pending"]);
  const second = await sweepOnce(stopped, 2);
  assert.equal(second.jobs, 3);
  assert.equal(second.outcome.trained, 3);
  sameResults(await results(whole), await results(stopped));
});

test("a sweep whose spec changed is refused under the same name unless started fresh", async (t) => {
  const dir = tempDir(t);
  await sweepOnce(dir, 1, 1);
  const changed = normalizeSweep({ ...SPEC, axes: { "optimizer.weight_decay": [0.3] } });
  await assert.rejects(openSweepSession(changed, { dataDir: dir }), /sweep "tiny" already exists with a different spec \(1\/4 runs done\); re-run with --new/);
  const fresh = await openSweepSession(changed, { dataDir: dir, fresh: true });
  try {
    assert.equal(fresh.refs.length, 2);
    assert.equal(fresh.jobs.length, 2);
  } finally {
    await fresh.close();
  }
});

test("a batch stopped midway has saved every run at that step; the runs resume from there, in a batch or alone, to the same results", async (t) => {
  const whole = tempDir(t), stopped = tempDir(t);
  await sweepOnce(whole, 1); // every run alone, uninterrupted
  const session = await openSweepSession(normalizeSweep(SPEC), { dataDir: stopped });
  const jobs = [...session.jobs];
  await session.close();
  const abort = new AbortController();
  // never a timed save: the abort's save is the only one; it comes at step 150, an evaluation step (every 50)
  const stop = executeBatchJob(jobs, { signal: abort.signal, threads: 1, checkpointEveryMs: 1e12, onBatchProgress: (done) => done >= 150 * jobs.length && abort.abort() });
  await assert.rejects(stop, RunInterrupted);
  for (const job of jobs) assert.deepEqual(await checkpointSteps(job.runDir), [150], `${job.runKey}: one save, at step 150`);
  const [alone, ...rest] = jobs;
  const resumed: RunJobResult[] = [await executeRunJob(alone, { threads: 1 })];
  let firstProgress = -1;
  const onBatchProgress = (done: number) => void (firstProgress < 0 && (firstProgress = done));
  for (const r of await executeBatchJob(rest, { threads: 1, onBatchProgress })) {
    assert.ok(!("error" in r), `${r.runKey}: trained`);
    resumed.push(r);
  }
  assert.deepEqual(resumed.map((r) => r.how), ["resumed", "resumed", "resumed", "resumed"]);
  assert.equal(firstProgress, 151 * rest.length, "the batch went on from step 150, not from 0");
  const want = await results(whole);
  for (const r of resumed) {
    const w = want.find((x) => x.runKey === r.runKey)!;
    const sorted = (rows: readonly MetricRow[]) => [...rows].sort((a, b) => a.step - b.step || a.key.localeCompare(b.key)); // the store's order
    assert.deepEqual(sorted(r.rows), sorted(w.rows), `metrics of ${r.runKey}`);
    assert.ok(r.rows.some((x) => x.step === 150 && x.key === "train_loss"));
    assert.equal(r.summary.test_acc, w.summary.test_acc);
    // alone: the save, then the run's own cadence; a batch keeps the final checkpoint only
    const aloneSteps = [150, ...plannedCheckpointSteps(alone.config).filter((step) => step > 150)];
    assert.deepEqual(await checkpointSteps(r.runDir), r === resumed[0] ? aloneSteps : [300], `${r.runKey}: checkpoints kept`);
  }
  const again = await executeBatchJob(rest, { threads: 1 });
  assert.deepEqual(again.map((r) => ("how" in r ? r.how : r.error)), ["found", "found", "found"], "a finished run directory is not trained again");
});
