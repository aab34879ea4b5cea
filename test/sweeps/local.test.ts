/**
 * Local sweeps end to end on tiny sparse-parity runs: worker threads give bit-identical results to one worker;
 * a stopped sweep keeps its finished runs and resumes the rest (bit-identical to an uninterrupted sweep); a
 * finished sweep trains nothing when run again; a changed spec under the same name is refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/runs/store.js";
import { openSweepSession } from "../../src/sweeps/coordinator.js";
import { runSweepLocal } from "../../src/sweeps/local.js";
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
