import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { openStore, StoreError, STORE_FILE, type NewRun, type Store } from "../../src/runs/store.js";
import { exportRun, runJsonPathFor } from "../../src/runs/export.js";
import { readMetricsCsv, readMetricsParquet, writeMetricsParquet, type MetricRow } from "../../src/runs/metrics-file.js";

const root = mkdtempSync(join(tmpdir(), "store-test-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));
const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "store-writer.js");
let dirs = 0;
const freshDir = (): string => join(root, `d${dirs++}`);

const newRun = (runId: string, extra: Partial<NewRun> = {}): NewRun => ({
  runId,
  preset: "power-x-minus-y",
  seed: 0,
  steps: 1000,
  spec: { task: { name: "mod_sub", p: 97 }, optimizer: { name: "adamw", lr: 1e-3, weight_decay: 1 } },
  runDir: `/runs/${runId}`,
  ...extra,
});

const batch = (step: number, keys: number): MetricRow[] =>
  Array.from({ length: keys }, (_, i) => ({ step, key: `k${i}`, value: step + i / keys }));

async function rejectsWith(p: Promise<unknown>, code: string, includes: string[]): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreError, String(err));
    assert.equal(err.code, code, err.message);
    for (const s of includes) assert.ok(err.message.includes(s), `"${err.message}" should mention ${s}`);
    return true;
  });
}

test("schema creation is idempotent and opening does not lose data", async () => {
  const dir = freshDir();
  const a = await openStore(dir);
  assert.equal(a.file, join(dir, STORE_FILE));
  await a.recordRun(newRun("r1"));
  await a.close();
  const b = await openStore(dir);
  const c = await openStore(dir);
  assert.deepEqual((await c.listRuns()).map((r) => r.runId), ["r1"]);
  await b.close();
  await c.close();
  await rejectsWith(c.listRuns(), "CLOSED", [STORE_FILE]);
});

test("record, update, list (filters, newest first) and get by unique prefix", async () => {
  const store = await openStore(freshDir());
  const t0 = new Date("2024-01-01T00:00:00.123Z");
  const r = await store.recordRun(newRun("abc123", { seed: 4294967297, tags: ["sweep-a"], createdAt: t0 }));
  assert.deepEqual(
    { ...r, updatedAt: undefined },
    {
      runId: "abc123",
      preset: "power-x-minus-y",
      status: "running",
      createdAt: t0,
      updatedAt: undefined,
      seed: 4294967297,
      steps: 1000,
      step: 0,
      spec: newRun("x").spec,
      summary: null,
      runDir: "/runs/abc123",
      tags: ["sweep-a"],
    },
  );
  await store.recordRun(newRun("abd456", { preset: "gromov", createdAt: new Date(t0.getTime() + 1000) }));
  await store.recordRun(newRun("xyz789", { createdAt: new Date(t0.getTime() + 2000), status: "done" }));
  await rejectsWith(store.recordRun(newRun("abc123")), "EXISTS", ["abc123", STORE_FILE]);

  const summary = { run_id: "abc123", test_acc: 0.995, grok_step: 7200, final_measures: { "fourier/ipr": 0.31 } };
  const before = Date.now();
  const u = await store.updateRun("abc123", { status: "done", step: 1000, summary, tags: ["sweep-a", "best"] });
  assert.equal(u.status, "done");
  assert.equal(u.step, 1000);
  assert.deepEqual(u.summary, summary);
  assert.ok(u.updatedAt.getTime() >= before - 1 && u.updatedAt.getTime() <= Date.now() + 1, "updated_at set to now");
  assert.deepEqual(u.createdAt, t0, "created_at unchanged");
  assert.equal((await store.updateRun("abc123", { summary: null })).summary, null, "summary can be cleared");
  await store.updateRun("abc123", { summary });
  await rejectsWith(store.updateRun("nope", { status: "failed" }), "NOT_FOUND", ["nope"]);
  await rejectsWith(store.updateRun("abc123", { status: "weird" as never }), "INVALID", ["status"]);
  await rejectsWith(store.updateRun("abc123", { step: -1 }), "INVALID", ["step"]);

  assert.deepEqual((await store.listRuns()).map((x) => x.runId), ["xyz789", "abd456", "abc123"]);
  assert.deepEqual((await store.listRuns({ status: "done" })).map((x) => x.runId), ["xyz789", "abc123"]);
  assert.deepEqual((await store.listRuns({ status: ["running", "failed"] })).map((x) => x.runId), ["abd456"]);
  assert.deepEqual((await store.listRuns({ preset: "gromov" })).map((x) => x.runId), ["abd456"]);
  assert.deepEqual((await store.listRuns({ tag: "best" })).map((x) => x.runId), ["abc123"]);
  assert.deepEqual((await store.listRuns({ limit: 1 })).map((x) => x.runId), ["xyz789"]);

  assert.equal((await store.getRun("abc123")).runId, "abc123");
  assert.equal((await store.findRun("abc123"))?.runId, "abc123");
  assert.equal(await store.findRun("abc"), null, "findRun does not match prefixes");
  assert.equal((await store.getRun("abc")).runId, "abc123");
  assert.equal((await store.getRun("x")).runId, "xyz789");
  await rejectsWith(store.getRun("ab"), "AMBIGUOUS", ["ab", "abc123", "abd456"]);
  await rejectsWith(store.getRun("q"), "NOT_FOUND", ['"q"', STORE_FILE]);

  await store.deleteRun("xyz789");
  assert.deepEqual((await store.listRuns()).map((x) => x.runId), ["abd456", "abc123"]);
  await store.close();
});

test("an exact id wins over a longer id it prefixes", async () => {
  const store = await openStore(freshDir());
  await store.recordRun(newRun("ab"));
  await store.recordRun(newRun("abc"));
  assert.equal((await store.getRun("ab")).runId, "ab");
  await store.close();
});

test("metrics: append, filter by key, delete after a checkpoint step, keys, ingest Parquet", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  await store.recordRun(newRun("m1"));
  await store.recordRun(newRun("m2"));
  for (let s = 0; s < 10; s++) await store.appendMetrics("m1", batch(s * 100, 3));
  await store.appendMetrics("m2", batch(0, 2));
  await rejectsWith(store.appendMetrics("ghost", batch(0, 1)), "NOT_FOUND", ["ghost"]);
  await rejectsWith(store.appendMetrics("m1", [{ step: 1, key: "k", value: "x" as never }]), "INVALID", ['"m1"', "non-numeric"]);

  const all = await store.getMetrics("m1");
  assert.equal(all.length, 30);
  assert.deepEqual(all.slice(0, 3), batch(0, 3), "ordered by step then key");
  assert.deepEqual(await store.getMetrics("m1", ["k1"]), Array.from({ length: 10 }, (_, s) => batch(s * 100, 3)[1]));
  assert.deepEqual(await store.getMetrics("m1", []), []);
  assert.deepEqual(await store.metricKeys("m1"), ["k0", "k1", "k2"]);

  assert.equal(await store.deleteMetricsAfter("m1", 450), 5 * 3, "steps 500..900 dropped");
  const kept = await store.getMetrics("m1");
  assert.equal(Math.max(...kept.map((r) => r.step)), 400);
  assert.equal(await store.deleteMetricsAfter("m1", 400), 0, "the checkpoint step itself is kept");
  await rejectsWith(store.deleteMetricsAfter("m1", 0.5), "INVALID", ["step"]);
  assert.equal((await store.getMetrics("m2")).length, 2, "other runs untouched");

  const pq = join(dir, "worker.parquet");
  await writeMetricsParquet(pq, batch(500, 3));
  assert.equal(await store.ingestMetricsParquet("m1", pq), 3);
  assert.equal((await store.getMetrics("m1")).length, 18);

  assert.equal(await store.deleteMetricsAfter("m1", -1), 18, "-1 deletes every row");
  assert.deepEqual(await store.getMetrics("m1"), []);
  await store.deleteRun("m1");
  await rejectsWith(store.getMetrics("m1"), "NOT_FOUND", ["m1"]);
  await store.close();
});

test("operations from one process are queued: concurrent calls on two Store objects all land", async () => {
  const dir = freshDir();
  const a = await openStore(dir);
  const b = await openStore(dir);
  await a.recordRun(newRun("q"));
  await Promise.all(Array.from({ length: 20 }, (_, s) => (s % 2 === 0 ? a : b).appendMetrics("q", batch(s, 4))));
  const rows = await b.getMetrics("q");
  assert.equal(rows.length, 80);
  assert.deepEqual([...new Set(rows.map((r) => r.step))], Array.from({ length: 20 }, (_, s) => s));
  await a.close();
  await b.close();
});

test("export writes a metrics file pandas can read and a .run.json sidecar", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  await store.recordRun(newRun("export-me", { tags: ["t"] }));
  await store.appendMetrics("export-me", [...batch(0, 2), ...batch(10, 2)]);
  await store.updateRun("export-me", { status: "done", step: 10, summary: { test_acc: 1 } });
  const out = join(dir, "out", "run.parquet");
  const res = await exportRun(store, "export", { format: "parquet", out });
  assert.deepEqual(res, { runId: "export-me", metricsPath: out, runJsonPath: join(dir, "out", "run.run.json"), rows: 4 });
  assert.deepEqual(await readMetricsParquet(out), await store.getMetrics("export-me"));
  const sidecar = JSON.parse(readFileSync(runJsonPathFor(out), "utf8"));
  assert.equal(sidecar.run_id, "export-me");
  assert.deepEqual(sidecar.spec, newRun("x").spec);
  assert.deepEqual(sidecar.summary, { test_acc: 1 });
  assert.deepEqual(sidecar.metric_keys, ["k0", "k1"]);
  assert.equal(sidecar.metrics_file, "run.parquet");
  const csv = join(dir, "out", "k1.csv");
  await exportRun(store, "export-me", { format: "csv", out: csv, keys: ["k1"] });
  assert.deepEqual(await readMetricsCsv(csv), [batch(0, 2)[1], batch(10, 2)[1]]);
  assert.ok(existsSync(join(dir, "out", "k1.run.json")));
  await store.close();
});

// ---------------------------------------------------------------------------------------------------------------
// Cross-process behaviour, with child processes running test/runs/fixtures/store-writer.ts.

function startChild(args: string[]): { child: ChildProcess; lines: string[]; exited: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => lines.push(...d.split("\n").filter(Boolean)));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
  return { child, lines, exited };
}

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Per run: rows per step must all equal `rowsPerBatch` and steps must be 0..n-1; returns n. */
async function wholeBatches(store: Store, runId: string, rowsPerBatch: number): Promise<number> {
  const rows = await store.getMetrics(runId);
  const perStep = new Map<number, number>();
  for (const r of rows) perStep.set(r.step, (perStep.get(r.step) ?? 0) + 1);
  const steps = [...perStep.keys()].sort((x, y) => x - y);
  assert.deepEqual(steps, steps.map((_, i) => i), `${runId}: batches are 0..n-1`);
  for (const [step, n] of perStep) assert.equal(n, rowsPerBatch, `${runId}: batch ${step} is whole`);
  return steps.length;
}

test("two processes append 50 batches each to one store concurrently, while this process reads", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  await store.recordRun(newRun("w1"));
  await store.recordRun(newRun("w2"));
  const t0 = performance.now();
  const children = ["w1", "w2"].map((id) => startChild(["append", dir, id, "50", "300"]));
  let reads = 0;
  let done = false;
  const reader = (async () => {
    while (!done) {
      const runs = await store.listRuns();
      assert.equal(runs.length, 2);
      reads++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const results = await Promise.all(children.map((c) => c.exited));
  done = true;
  await reader;
  const ms = performance.now() - t0;
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  assert.equal(await wholeBatches(store, "w1", 300), 50);
  assert.equal(await wholeBatches(store, "w2", 300), 50);
  assert.equal((await store.getRun("w1")).step, 49);
  console.log(`# 2 writers x 50 batches x 300 rows + ${reads} concurrent reads: ${ms.toFixed(0)} ms`);
  await store.close();
});

test("a writer SIGKILLed mid-write leaves a store that opens and holds whole batches only", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  let total = 0;
  // Kill at different moments relative to a batch boundary to land in open, append, commit or checkpoint.
  for (const delayMs of [0, 3, 7, 11, 17]) {
    const runId = `k${delayMs}`;
    await store.recordRun(newRun(runId));
    const { child, lines, exited } = startChild(["append", dir, runId, "-1", "500"]);
    await waitFor(() => lines.length >= 3, "the writer to commit 3 batches");
    await new Promise((r) => setTimeout(r, delayMs));
    child.kill("SIGKILL");
    const { code } = await exited;
    assert.equal(code, null, "killed by the signal");
    const n = await wholeBatches(store, runId, 500);
    assert.ok(n >= lines.length, `every reported batch survived (${n} >= ${lines.length})`);
    total += n;
  }
  assert.ok(total > 0);
  await store.close();
});

test("a held lock is waited for, and reported with the file name after the timeout", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  await store.recordRun(newRun("l"));
  const holder = startChild(["hold", dir, "1200"]);
  await waitFor(() => holder.lines.includes("held"), "the holder to open the database");
  const impatient = await openStore(dir, { lockTimeoutMs: 200 }).catch((e: unknown) => e);
  assert.ok(impatient instanceof StoreError && impatient.code === "LOCKED", String(impatient));
  assert.ok((impatient as Error).message.includes(join(dir, STORE_FILE)));
  const t0 = performance.now();
  await store.appendMetrics("l", batch(0, 5)); // default timeout: waits for the holder to finish
  const waited = performance.now() - t0;
  assert.equal((await holder.exited).code, 0);
  assert.ok(waited > 500, `waited ${waited.toFixed(0)} ms for the lock`);
  assert.equal((await store.getMetrics("l")).length, 5);
  await store.close();
});

test("a file that is not a DuckDB database is reported, naming it", async () => {
  const dir = freshDir();
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, STORE_FILE), "definitely not a database, just some bytes padded out ".repeat(100));
  await assert.rejects(openStore(dir), (e: Error) => e instanceof StoreError && e.message.includes(join(dir, STORE_FILE)));
  // DuckDB itself still works on other files (sanity check that the failure was the file, not the engine).
  const inst = await DuckDBInstance.create(":memory:");
  inst.closeSync();
});
