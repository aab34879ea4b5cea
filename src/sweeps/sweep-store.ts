/**
 * Sweeps in the run store (the same DuckDB file as runs; the sweep's coordinator is its only writer).
 *
 *   sweeps     (name TEXT PRIMARY KEY, spec JSON, spec_hash TEXT, total BIGINT, created_at, updated_at TIMESTAMP)
 *   sweep_runs (sweep, run_key TEXT, idx BIGINT, cell JSON, seed BIGINT, run_id TEXT, status 'pending'|'done'|'failed',
 *               error TEXT, classes JSON, PRIMARY KEY (sweep, run_key))
 *
 * A finished run is recorded in one transaction — its `runs` row, its metrics and its sweep_runs status — and only
 * if the sweep does not have it yet, so a run whose result arrives twice (a retried job) is recorded exactly once.
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import { appendMetricRows, metricRowsFromColumns, type MetricRow } from "../runs/metrics-file.js";
import type { RunSummary } from "../runs/run.js";
import { SpecError } from "../runs/spec.js";
import { insertRunRow, type Store } from "../runs/store.js";
import type { SweepConfig } from "./spec.js";
import type { AxisValue, SweepRunResult } from "./types.js";

const SWEEP_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sweeps (
     name TEXT PRIMARY KEY, spec JSON NOT NULL, spec_hash TEXT NOT NULL, total BIGINT NOT NULL,
     created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS sweep_runs (
     sweep TEXT NOT NULL, run_key TEXT NOT NULL, idx BIGINT NOT NULL, cell JSON NOT NULL, seed BIGINT NOT NULL,
     run_id TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')), error TEXT, classes JSON,
     PRIMARY KEY (sweep, run_key))`,
];

export type SweepRunStatus = "pending" | "done" | "failed";

/** A run of a sweep as stored, with what a worker needs to train it. */
export interface SweepRunRef {
  readonly runKey: string;
  readonly index: number;
  readonly runId: string;
  readonly cell: Readonly<Record<string, AxisValue>>;
  readonly seed: number;
  readonly status: SweepRunStatus;
  readonly error: string | null;
  readonly classes: Readonly<Record<string, string>> | null;
}

export interface SweepRecord {
  readonly name: string;
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly specHash: string;
  readonly spec: unknown;
}

/** The hash that says whether a sweep spec changed: its expanded runs' keys and configs. */
export function sweepHash(sweep: SweepConfig): string {
  const h = createHash("sha256");
  for (const r of sweep.runs) h.update(JSON.stringify([r.runKey, r.config])).update("\n");
  return h.digest("hex").slice(0, 16);
}

export function sweepRunId(name: string, index: number): string {
  return `${name}-${String(index).padStart(4, "0")}`;
}

/** Where a sweep's run directories live by default. */
export function sweepDir(dataDir: string, name: string): string {
  return resolve(join(dataDir, "sweeps", name));
}

async function ensureSchema(c: DuckDBConnection): Promise<void> {
  for (const statement of SWEEP_SCHEMA) await c.run(statement);
}

function toRef(row: Record<string, unknown>): SweepRunRef {
  return {
    runKey: row.run_key as string,
    index: Number(row.idx as bigint),
    runId: row.run_id as string,
    cell: JSON.parse(row.cell as string),
    seed: Number(row.seed as bigint),
    status: row.status as SweepRunStatus,
    error: (row.error as string | null) ?? null,
    classes: row.classes === null ? null : JSON.parse(row.classes as string),
  };
}

async function selectRefs(c: DuckDBConnection, name: string): Promise<SweepRunRef[]> {
  const r = await c.runAndReadAll("SELECT run_key, idx, cell, seed, run_id, status, error, classes FROM sweep_runs WHERE sweep = $1 ORDER BY idx", [name]);
  return r.getRowObjects().map((row) => toRef(row as Record<string, unknown>));
}

async function deleteSweep(c: DuckDBConnection, name: string): Promise<void> {
  await c.run("DELETE FROM metrics WHERE run_id IN (SELECT run_id FROM sweep_runs WHERE sweep = $1)", [name]);
  await c.run("DELETE FROM runs WHERE run_id IN (SELECT run_id FROM sweep_runs WHERE sweep = $1)", [name]);
  await c.run("DELETE FROM sweep_runs WHERE sweep = $1", [name]);
  await c.run("DELETE FROM sweeps WHERE name = $1", [name]);
}

const now = (): DuckDBValue => new Date().toISOString().replace("T", " ").replace("Z", "");

/**
 * Registers the sweep (or finds it) and returns all its runs. A sweep of the same name with a different spec is
 * refused unless `fresh` (then the old sweep's runs and metrics are deleted first).
 */
export async function beginSweep(store: Store, sweep: SweepConfig, opts: { fresh?: boolean; specJson?: unknown } = {}): Promise<{ runs: SweepRunRef[]; resumed: boolean }> {
  const hash = sweepHash(sweep);
  return store.transaction("write", async (c) => {
    await ensureSchema(c);
    const existing = await c.runAndReadAll("SELECT spec_hash FROM sweeps WHERE name = $1", [sweep.name]);
    let resumed = false;
    if (existing.currentRowCount > 0) {
      const oldHash = existing.getRows()[0][0] as string;
      if (oldHash !== hash && !opts.fresh) {
        const refs = await selectRefs(c, sweep.name);
        const done = refs.filter((r) => r.status === "done").length;
        throw new SpecError(
          `sweep "${sweep.name}" already exists with a different spec (${done}/${refs.length} runs done); ` +
            `re-run with --new to delete it and start over, or give the sweep another name`,
        );
      }
      if (opts.fresh) await deleteSweep(c, sweep.name);
      else resumed = true;
    }
    if (!resumed) {
      await c.run("INSERT INTO sweeps VALUES ($1, $2, $3, $4, $5::TIMESTAMP, $5::TIMESTAMP)", [sweep.name, JSON.stringify(opts.specJson ?? null), hash, sweep.runs.length, now()]);
      const appender = await c.createAppender("sweep_runs");
      sweep.runs.forEach((r, i) => {
        appender.appendVarchar(sweep.name);
        appender.appendVarchar(r.runKey);
        appender.appendBigInt(BigInt(i));
        appender.appendVarchar(JSON.stringify(r.cell));
        appender.appendBigInt(BigInt(r.seed));
        appender.appendVarchar(sweepRunId(sweep.name, i));
        appender.appendVarchar("pending");
        appender.appendNull();
        appender.appendNull();
        appender.endRow();
      });
      appender.closeSync();
    }
    return { runs: await selectRefs(c, sweep.name), resumed };
  });
}

/** A finished run of a sweep, as recordSweepResults stores it. */
export interface SweepResultRecord {
  readonly ref: Pick<SweepRunRef, "runKey" | "runId" | "seed">;
  readonly result: { summary: RunSummary; rows: readonly MetricRow[]; runDir: string; spec: unknown; preset: string };
  readonly classes: Readonly<Record<string, string>>;
}

/**
 * Records finished runs of the sweep, each with its runs row (status done, summary), its metrics and its classes, all
 * in one transaction (a batch of runs ends together; one store write each cost ~40 ms of the coordinator's CPU).
 * Returns, per run, false when the sweep already had it recorded (then nothing of it is written).
 */
export async function recordSweepResults(store: Store, name: string, items: readonly SweepResultRecord[]): Promise<boolean[]> {
  if (items.length === 0) return [];
  return store.transaction("write", async (c) => {
    await ensureSchema(c);
    const recorded: boolean[] = [];
    for (const { ref, result, classes } of items) {
      const r = await c.runAndReadAll("SELECT status FROM sweep_runs WHERE sweep = $1 AND run_key = $2", [name, ref.runKey]);
      if (r.currentRowCount === 0) throw new SpecError(`sweep "${name}" has no run "${ref.runKey}"`);
      if (r.getRows()[0][0] === "done") {
        recorded.push(false);
        continue;
      }
      await c.run("DELETE FROM metrics WHERE run_id = $1", [ref.runId]);
      await c.run("DELETE FROM runs WHERE run_id = $1", [ref.runId]);
      await insertRunRow(store.file, c, {
        runId: ref.runId,
        preset: result.preset,
        seed: ref.seed,
        steps: result.summary.steps,
        step: result.summary.steps,
        status: "done",
        spec: result.spec,
        summary: result.summary,
        runDir: result.runDir,
        tags: [`sweep:${name}`],
      });
      const appender = await c.createAppender("metrics");
      appendMetricRows(appender, result.rows, ref.runId);
      appender.closeSync();
      await c.run("UPDATE sweep_runs SET status = 'done', error = NULL, classes = $3 WHERE sweep = $1 AND run_key = $2", [name, ref.runKey, JSON.stringify(classes)]);
      recorded.push(true);
    }
    await c.run("UPDATE sweeps SET updated_at = $2::TIMESTAMP WHERE name = $1", [name, now()]);
    return recorded;
  });
}

/** One finished run: recordSweepResults of one. */
export async function recordSweepResult(store: Store, name: string, ref: SweepResultRecord["ref"], result: SweepResultRecord["result"], classes: SweepResultRecord["classes"]): Promise<boolean> {
  const [recorded] = await recordSweepResults(store, name, [{ ref, result, classes }]);
  return recorded;
}

/** Marks a run failed (e.g. its training diverged); a later run of the sweep retries it. */
export async function recordSweepFailure(store: Store, name: string, runKey: string, message: string): Promise<void> {
  await store.transaction("write", async (c) => {
    await ensureSchema(c);
    await c.run("UPDATE sweep_runs SET status = 'failed', error = $3 WHERE sweep = $1 AND run_key = $2 AND status <> 'done'", [name, runKey, message]);
  });
}

/** Every run of a sweep (in expansion order); SpecError if there is no such sweep. */
export async function sweepRuns(store: Store, name: string): Promise<SweepRunRef[]> {
  return store.transaction("read", async (c) => {
    const t = await c.runAndReadAll("SELECT 1 FROM information_schema.tables WHERE table_name = 'sweeps'");
    const s = t.currentRowCount === 0 ? null : await c.runAndReadAll("SELECT 1 FROM sweeps WHERE name = $1", [name]);
    if (!s || s.currentRowCount === 0) throw new SpecError(`no sweep "${name}" in the run store ${store.file}`);
    return selectRefs(c, name);
  });
}

/** The sweeps in the store with their progress, newest first. */
export async function listSweeps(store: Store): Promise<SweepRecord[]> {
  return store.transaction("read", async (c) => {
    const t = await c.runAndReadAll("SELECT 1 FROM information_schema.tables WHERE table_name = 'sweeps'");
    if (t.currentRowCount === 0) return [];
    const r = await c.runAndReadAll(
      `SELECT s.name, s.total, s.spec_hash, s.spec,
              count(*) FILTER (WHERE r.status = 'done') AS done, count(*) FILTER (WHERE r.status = 'failed') AS failed
       FROM sweeps s LEFT JOIN sweep_runs r ON r.sweep = s.name GROUP BY ALL ORDER BY max(s.updated_at) DESC`,
    );
    return r.getRowObjects().map((row) => ({
      name: row.name as string,
      total: Number(row.total as bigint),
      done: Number(row.done as bigint),
      failed: Number(row.failed as bigint),
      specHash: row.spec_hash as string,
      spec: JSON.parse(row.spec as string),
    }));
  });
}

/** The finished runs of a sweep with their summaries and metric rows (for classification, plots, prediction). */
export async function loadSweepResults(store: Store, name: string): Promise<SweepRunResult[]> {
  const refs = (await sweepRuns(store, name)).filter((r) => r.status === "done");
  return store.transaction("read", async (c) => {
    const summaries = await c.runAndReadAll("SELECT run_id, summary, spec FROM runs WHERE run_id IN (SELECT run_id FROM sweep_runs WHERE sweep = $1)", [name]);
    const summaryOf = new Map(summaries.getRows().map(([id, s]) => [id as string, JSON.parse(s as string) as RunSummary]));
    const lossOf = new Map(summaries.getRows().map(([id, , spec]) => {
      const loss = (JSON.parse(spec as string) as { loss?: unknown } | null)?.loss;
      return [id as string, typeof loss === "string" ? loss : undefined];
    }));
    const m = await c.runAndReadAll(
      "SELECT run_id, step, key, value FROM metrics WHERE run_id IN (SELECT run_id FROM sweep_runs WHERE sweep = $1 AND status = 'done') ORDER BY run_id, step, key",
      [name],
    );
    const cols = m.currentRowCount === 0 ? [[], [], [], []] : m.getColumns();
    const rowsOf = new Map<string, MetricRow[]>();
    const all = metricRowsFromColumns([cols[1], cols[2], cols[3]]);
    cols[0].forEach((id, i) => {
      let list = rowsOf.get(id as string);
      if (!list) rowsOf.set(id as string, (list = []));
      list.push(all[i]);
    });
    return refs.map((r) => {
      const loss = lossOf.get(r.runId);
      return { runKey: r.runKey, cell: r.cell, seed: r.seed, summary: summaryOf.get(r.runId)!, rows: rowsOf.get(r.runId) ?? [], ...(loss ? { loss } : {}) };
    });
  });
}
