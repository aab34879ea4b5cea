/**
 * The run store: one DuckDB database file `<dataDir>/grokscope.duckdb` holding every run's row and its metrics.
 *
 * Tables
 *   runs    (run_id TEXT PRIMARY KEY, preset, status 'running'|'done'|'failed'|'killed', created_at, updated_at
 *            TIMESTAMP (UTC), seed, steps (target), step (reached) BIGINT, spec JSON, summary JSON, run_dir TEXT,
 *            tags TEXT (a JSON array of strings))
 *   metrics (run_id TEXT, step BIGINT, key TEXT, value DOUBLE): long format, one row per (step, key)
 *   store_meta (key TEXT PRIMARY KEY, value TEXT): schema_version
 *
 * Concurrency. DuckDB lets one process at a time open a database file for writing, and a read-only open
 * cannot coexist with a writer either (several readers can share it). So the store never holds the file open:
 * every operation opens it, runs one transaction (BEGIN … COMMIT, ROLLBACK on error), and closes it (closing
 * checkpoints the write-ahead log into the file). An open refused because another process holds the lock is
 * retried with jittered exponential backoff until `lockTimeoutMs`, then fails with a StoreError naming the file.
 * Reads use read-only opens, so concurrent readers do not block each other. A process killed mid-write leaves
 * only whole transactions (DuckDB replays or discards its write-ahead log on the next open).
 * Within one process DuckDB does not detect a second open of the same file, so operations on one file are
 * queued here, per resolved path, across every Store object of the process.
 * One operation costs ~10–20 ms (open + commit + checkpoint); batch metrics (a few hundred rows per call).
 */
import { randomInt } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { resolve, join } from "node:path";
import {
  DuckDBInstance,
  LIST,
  VARCHAR,
  listValue,
  timestampValue,
  type DuckDBConnection,
  type DuckDBValue,
} from "@duckdb/node-api";
import { appendMetricRows, checkMetricRows, metricRowsFromColumns, sqlString, type MetricRow } from "./metrics-file.js";

export const STORE_FILE = "grokscope.duckdb";
export const SCHEMA_VERSION = 1;
export const RUN_STATUSES = ["running", "done", "failed", "killed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A run as stored. JSON columns come back parsed. */
export interface RunRecord {
  readonly runId: string;
  readonly preset: string;
  readonly status: RunStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly seed: number;
  readonly steps: number; // target number of steps
  readonly step: number; // last step reached (or checkpointed)
  readonly spec: unknown; // the normalized run spec (any JSON value)
  readonly summary: unknown; // the final JSON object, or null while running
  readonly runDir: string;
  readonly tags: readonly string[];
}

/** What recordRun needs; omitted fields take the defaults shown. */
export interface NewRun {
  readonly runId: string;
  readonly preset: string;
  readonly seed: number;
  readonly steps: number;
  readonly spec: unknown;
  readonly runDir: string;
  readonly status?: RunStatus; // "running"
  readonly step?: number; // 0
  readonly summary?: unknown; // null
  readonly tags?: readonly string[]; // []
  readonly createdAt?: Date; // now
}

/** Fields updateRun may change; updated_at is always set to now. */
export interface RunPatch {
  readonly status?: RunStatus;
  readonly step?: number;
  readonly steps?: number;
  readonly spec?: unknown;
  readonly summary?: unknown;
  readonly runDir?: string;
  readonly tags?: readonly string[];
}

export interface RunFilter {
  readonly status?: RunStatus | readonly RunStatus[];
  readonly preset?: string;
  readonly tag?: string; // runs whose tags include this one
  readonly limit?: number; // newest first
}

export interface StoreOptions {
  /** How long to keep retrying while another process holds the database lock (default 30 000 ms). */
  readonly lockTimeoutMs?: number;
}

export type StoreErrorCode = "LOCKED" | "NOT_FOUND" | "AMBIGUOUS" | "EXISTS" | "INVALID" | "CLOSED" | "UNREADABLE";

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

export interface Store {
  /** Absolute path of the database file. */
  readonly file: string;
  /** Inserts a new run; StoreError EXISTS if the id is taken. */
  recordRun(run: NewRun): Promise<RunRecord>;
  /** Changes fields of an existing run (exact id); StoreError NOT_FOUND otherwise. */
  updateRun(runId: string, patch: RunPatch): Promise<RunRecord>;
  /**
   * Appends metric rows to an existing run in one transaction (all or nothing); with `patch`, the run's fields change
   * in the same transaction (a running run's rows and the step it reached become visible together).
   */
  appendMetrics(runId: string, rows: readonly MetricRow[], patch?: RunPatch): Promise<void>;
  /** Replaces every row of the run whose key is in `keys` by `rows`, in one transaction (re-measuring a run). */
  replaceMetrics(runId: string, keys: readonly string[], rows: readonly MetricRow[]): Promise<void>;
  /** Appends a metrics Parquet file (columns step, key, value) to an existing run; returns the row count. */
  ingestMetricsParquet(runId: string, path: string): Promise<number>;
  /** Deletes the run's metric rows with step > `step` (resume from a checkpoint at `step`; -1 deletes all); returns the count. */
  deleteMetricsAfter(runId: string, step: number): Promise<number>;
  /** Deletes a run and its metrics; StoreError NOT_FOUND if absent. */
  deleteRun(runId: string): Promise<void>;
  /** Runs matching the filter, newest first. */
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  /** The run whose id is `idOrPrefix`, else the only run whose id starts with it; NOT_FOUND / AMBIGUOUS otherwise. */
  getRun(idOrPrefix: string): Promise<RunRecord>;
  /** The run with exactly this id, or null (no prefix matching). */
  findRun(runId: string): Promise<RunRecord | null>;
  /** The run's metric rows (all keys, or only `keys`), ordered by step then key. */
  getMetrics(runId: string, keys?: readonly string[]): Promise<MetricRow[]>;
  /** The distinct metric keys the run has, sorted. */
  metricKeys(runId: string): Promise<string[]>;
  /**
   * Runs `fn` in one transaction on the database (for layers above that keep their own tables, e.g. sweeps: they
   * create them IF NOT EXISTS inside `fn`). Serialized with this process's other operations on the file.
   */
  transaction<T>(mode: "read" | "write", fn: (c: DuckDBConnection) => Promise<T>): Promise<T>;
  /** Waits for this process's queued operations on the file; later calls throw CLOSED. */
  close(): Promise<void>;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS runs (
     run_id TEXT PRIMARY KEY,
     preset TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'killed')),
     created_at TIMESTAMP NOT NULL,
     updated_at TIMESTAMP NOT NULL,
     seed BIGINT NOT NULL,
     steps BIGINT NOT NULL,
     step BIGINT NOT NULL,
     spec JSON NOT NULL,
     summary JSON,
     run_dir TEXT NOT NULL,
     tags TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS metrics (run_id TEXT NOT NULL, step BIGINT NOT NULL, key TEXT NOT NULL, value DOUBLE NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `INSERT OR IGNORE INTO store_meta VALUES ('schema_version', '${SCHEMA_VERSION}')`,
];

const RUN_COLUMNS = "run_id, preset, status, created_at, updated_at, seed, steps, step, spec, summary, run_dir, tags";

// ---------------------------------------------------------------------------------------------------------------
// Opening: per-file queue inside this process, lock retry across processes, one transaction per open.

const queues = new Map<string, Promise<void>>();

/** Runs `fn` after every operation already queued on `file` in this process has finished. */
function enqueue<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  const result = previous.then(fn);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  queues.set(file, tail);
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  return result;
}

const isLockError = (err: unknown): boolean => /Could not set lock on file|Conflicting lock/i.test(String((err as Error)?.message));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function openInstance(file: string, readOnly: boolean, lockTimeoutMs: number): Promise<DuckDBInstance> {
  const deadline = Date.now() + lockTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await DuckDBInstance.create(file, { access_mode: readOnly ? "READ_ONLY" : "READ_WRITE" });
    } catch (err) {
      if (!isLockError(err)) throw unreadable(file, err);
      const wait = Math.min(250, 4 * 2 ** attempt) * (0.5 + randomInt(1000) / 1000); // jittered so waiters desynchronize
      if (Date.now() + wait > deadline) {
        throw new StoreError(
          "LOCKED",
          `run store ${file} stayed locked by another process for ${lockTimeoutMs / 1000} s: ${(err as Error).message}`,
        );
      }
      await sleep(wait);
    }
  }
}

/** A store file DuckDB cannot open (truncated, garbage, another program's): one line with the way out. */
function unreadable(file: string, err: unknown): StoreError {
  const why = String((err as Error)?.message ?? err).split("\n")[0].slice(0, 200);
  return new StoreError(
    "UNREADABLE",
    `run store ${file} is damaged or not a grokscope store (${why}); move it aside (mv ${file} ${file}.broken, and its .wal if any) and rerun: each run directory keeps its spec.json and metrics.parquet`,
  );
}

/** Opens `file`, runs `fn` inside one transaction, closes. Serialized per file within this process. */
function transaction<T>(
  file: string,
  mode: "read" | "write",
  lockTimeoutMs: number,
  fn: (c: DuckDBConnection) => Promise<T>,
): Promise<T> {
  return enqueue(file, () =>
    inTransaction(file, mode, lockTimeoutMs, fn).catch((err: unknown) => {
      throw isDamage(err) ? unreadable(file, err) : err;
    }),
  );
}

/** DuckDB's words for a file it cannot read back (a store truncated or overwritten under it). */
const isDamage = (err: unknown): boolean =>
  !(err instanceof StoreError) && /^(IO Error|INTERNAL Error|FATAL Error|Serialization Error)|Could not read enough bytes|checksum|corrupt/i.test(String((err as Error)?.message));

async function inTransaction<T>(file: string, mode: "read" | "write", lockTimeoutMs: number, fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  {
    const instance = await openInstance(file, mode === "read", lockTimeoutMs);
    let connection: DuckDBConnection | undefined;
    try {
      connection = await instance.connect();
      await connection.run("BEGIN TRANSACTION");
      try {
        const result = await fn(connection);
        await connection.run("COMMIT");
        return result;
      } catch (err) {
        await connection.run("ROLLBACK").catch(() => undefined);
        throw err;
      }
    } finally {
      connection?.closeSync();
      instance.closeSync(); // releases the file lock (after checkpointing, for a writer)
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Value checks and conversions.

function invalid(file: string, what: string): never {
  throw new StoreError("INVALID", `run store ${file}: ${what}`);
}

function checkCount(file: string, name: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) invalid(file, `${name} must be a non-negative integer, got ${String(v)}`);
  return v as number;
}

function checkStatus(file: string, s: unknown): RunStatus {
  if (!RUN_STATUSES.includes(s as RunStatus)) invalid(file, `status must be one of ${RUN_STATUSES.join(", ")}, got ${String(s)}`);
  return s as RunStatus;
}

function checkTags(file: string, tags: unknown): string {
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string")) invalid(file, `tags must be an array of strings`);
  return JSON.stringify(tags);
}

function toJson(file: string, name: string, v: unknown): string {
  const text = JSON.stringify(v);
  if (text === undefined) invalid(file, `${name} is not JSON-serializable`);
  return text;
}

const timestamp = (d: Date): DuckDBValue => timestampValue(BigInt(d.getTime()) * 1000n);

function toRecord(row: Record<string, unknown>): RunRecord {
  const micros = (v: unknown): Date => new Date(Number((v as { micros: bigint }).micros / 1000n));
  return {
    runId: row.run_id as string,
    preset: row.preset as string,
    status: row.status as RunStatus,
    createdAt: micros(row.created_at),
    updatedAt: micros(row.updated_at),
    seed: Number(row.seed as bigint),
    steps: Number(row.steps as bigint),
    step: Number(row.step as bigint),
    spec: JSON.parse(row.spec as string),
    summary: row.summary === null ? null : JSON.parse(row.summary as string),
    runDir: row.run_dir as string,
    tags: JSON.parse(row.tags as string) as string[],
  };
}

async function selectRuns(c: DuckDBConnection, where: string, values: DuckDBValue[]): Promise<RunRecord[]> {
  const reader = await c.runAndReadAll(`SELECT ${RUN_COLUMNS} FROM runs ${where}`, values);
  return reader.getRowObjects().map((r) => toRecord(r as Record<string, unknown>));
}

async function requireRun(file: string, c: DuckDBConnection, runId: string): Promise<RunRecord> {
  const [run] = await selectRuns(c, "WHERE run_id = $1", [runId]);
  if (run === undefined) throw new StoreError("NOT_FOUND", `run store ${file}: no run "${runId}"`);
  return run;
}

/** Inserts a run row inside a transaction; StoreError EXISTS if the id is taken. */
export async function insertRunRow(f: string, c: DuckDBConnection, run: NewRun): Promise<RunRecord> {
  if (typeof run.runId !== "string" || run.runId.length === 0) invalid(f, `runId must be a non-empty string`);
  if (typeof run.preset !== "string") invalid(f, `run "${run.runId}": preset must be a string`);
  if (typeof run.runDir !== "string") invalid(f, `run "${run.runId}": runDir must be a string`);
  const created = run.createdAt ?? new Date();
  const values: DuckDBValue[] = [
    run.runId,
    run.preset,
    checkStatus(f, run.status ?? "running"),
    timestamp(created),
    timestamp(created),
    checkCount(f, "seed", run.seed),
    checkCount(f, "steps", run.steps),
    checkCount(f, "step", run.step ?? 0),
    toJson(f, "spec", run.spec),
    run.summary === undefined || run.summary === null ? null : toJson(f, "summary", run.summary),
    run.runDir,
    checkTags(f, run.tags ?? []),
  ];
  const exists = await c.runAndReadAll("SELECT 1 FROM runs WHERE run_id = $1", [run.runId]);
  if (exists.currentRowCount > 0) throw new StoreError("EXISTS", `run store ${f}: run "${run.runId}" already exists`);
  await c.run(`INSERT INTO runs (${RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, values);
  return requireRun(f, c, run.runId);
}

/**
 * The UPDATE of a run row that `patch` asks for (its values checked now, before any transaction), run on a connection
 * inside one; updated_at is always set to now. StoreError NOT_FOUND when the run is not there.
 */
function runUpdate(f: string, runId: string, patch: RunPatch): (c: DuckDBConnection) => Promise<void> {
  const sets: string[] = [];
  const values: DuckDBValue[] = [runId];
  const set = (column: string, value: DuckDBValue): void => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (patch.status !== undefined) set("status", checkStatus(f, patch.status));
  if (patch.step !== undefined) set("step", checkCount(f, "step", patch.step));
  if (patch.steps !== undefined) set("steps", checkCount(f, "steps", patch.steps));
  if (patch.spec !== undefined) set("spec", toJson(f, "spec", patch.spec));
  if (patch.summary !== undefined) set("summary", patch.summary === null ? null : toJson(f, "summary", patch.summary));
  if (patch.runDir !== undefined) set("run_dir", patch.runDir);
  if (patch.tags !== undefined) set("tags", checkTags(f, patch.tags));
  set("updated_at", timestamp(new Date()));
  return async (c) => {
    const result = await c.run(`UPDATE runs SET ${sets.join(", ")} WHERE run_id = $1`, values);
    if (result.rowsChanged === 0) throw new StoreError("NOT_FOUND", `run store ${f}: no run "${runId}"`);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The store.

class DuckStore implements Store {
  private closed = false;

  constructor(
    readonly file: string,
    private readonly lockTimeoutMs: number,
  ) {}

  transaction<T>(mode: "read" | "write", fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.tx(mode, fn);
  }

  private tx<T>(mode: "read" | "write", fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError("CLOSED", `run store ${this.file} is closed`));
    return transaction(this.file, mode, this.lockTimeoutMs, fn);
  }

  async recordRun(run: NewRun): Promise<RunRecord> {
    return this.tx("write", (c) => insertRunRow(this.file, c, run));
  }

  async updateRun(runId: string, patch: RunPatch): Promise<RunRecord> {
    const update = runUpdate(this.file, runId, patch);
    return this.tx("write", async (c) => {
      await update(c);
      return requireRun(this.file, c, runId);
    });
  }

  async appendMetrics(runId: string, rows: readonly MetricRow[], patch?: RunPatch): Promise<void> {
    return this.writeMetrics(runId, rows, null, patch);
  }

  async replaceMetrics(runId: string, keys: readonly string[], rows: readonly MetricRow[]): Promise<void> {
    return this.writeMetrics(runId, rows, keys);
  }

  /**
   * Appends rows in one transaction, first deleting the run's rows with a key in `replaceKeys` when given, and
   * applying `patch` to the run's row in the same transaction.
   */
  private async writeMetrics(runId: string, rows: readonly MetricRow[], replaceKeys: readonly string[] | null, patch?: RunPatch): Promise<void> {
    try {
      checkMetricRows(rows, `run store ${this.file}: run "${runId}"`);
    } catch (err) {
      throw new StoreError("INVALID", (err as Error).message);
    }
    const update = patch === undefined ? null : runUpdate(this.file, runId, patch);
    return this.tx("write", async (c) => {
      await requireRun(this.file, c, runId);
      if (update) await update(c);
      if (replaceKeys) await c.run("DELETE FROM metrics WHERE run_id = $1 AND list_contains($2, key)", [runId, listValue([...replaceKeys])], [VARCHAR, LIST(VARCHAR)]);
      const appender = await c.createAppender("metrics");
      appendMetricRows(appender, rows, runId);
      appender.closeSync(); // flushes into this transaction
    });
  }

  async ingestMetricsParquet(runId: string, path: string): Promise<number> {
    return this.tx("write", async (c) => {
      await requireRun(this.file, c, runId);
      try {
        const r = await c.run(
          `INSERT INTO metrics SELECT $1, step::BIGINT, key::TEXT, value::DOUBLE FROM read_parquet(${sqlString(path)})`,
          [runId],
        );
        return r.rowsChanged;
      } catch (err) {
        throw new StoreError("INVALID", `${path}: cannot ingest metrics into run "${runId}": ${(err as Error).message}`);
      }
    });
  }

  async deleteMetricsAfter(runId: string, step: number): Promise<number> {
    if (!Number.isSafeInteger(step)) invalid(this.file, `deleteMetricsAfter: step must be an integer, got ${String(step)}`);
    return this.tx("write", async (c) => {
      await requireRun(this.file, c, runId);
      const r = await c.run("DELETE FROM metrics WHERE run_id = $1 AND step > $2", [runId, step]);
      return r.rowsChanged;
    });
  }

  async deleteRun(runId: string): Promise<void> {
    return this.tx("write", async (c) => {
      await requireRun(this.file, c, runId);
      await c.run("DELETE FROM metrics WHERE run_id = $1", [runId]);
      await c.run("DELETE FROM runs WHERE run_id = $1", [runId]);
    });
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const values: DuckDBValue[] = [];
    if (filter.status !== undefined) {
      const statuses = (typeof filter.status === "string" ? [filter.status] : filter.status).map((s) => checkStatus(this.file, s));
      values.push(listValue(statuses));
      where.push(`list_contains($${values.length}::TEXT[], status)`);
    }
    if (filter.preset !== undefined) {
      values.push(filter.preset);
      where.push(`preset = $${values.length}`);
    }
    if (filter.tag !== undefined) {
      values.push(filter.tag);
      where.push(`list_contains(json_extract_string(tags, '$[*]'), $${values.length})`);
    }
    let sql = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    sql += " ORDER BY created_at DESC, run_id";
    if (filter.limit !== undefined) sql += ` LIMIT ${checkCount(this.file, "limit", filter.limit)}`;
    return this.tx("read", (c) => selectRuns(c, sql, values));
  }

  async getRun(idOrPrefix: string): Promise<RunRecord> {
    const f = this.file;
    if (typeof idOrPrefix !== "string" || idOrPrefix.length === 0) invalid(f, "run id must be a non-empty string");
    return this.tx("read", async (c) => {
      const runs = await selectRuns(c, "WHERE starts_with(run_id, $1) ORDER BY run_id LIMIT 6", [idOrPrefix]);
      const exact = runs.find((r) => r.runId === idOrPrefix);
      if (exact !== undefined) return exact;
      if (runs.length === 1) return runs[0];
      if (runs.length === 0) throw new StoreError("NOT_FOUND", `run store ${f}: no run "${idOrPrefix}"`);
      const shown = runs.slice(0, 5).map((r) => r.runId).join(", ");
      throw new StoreError("AMBIGUOUS", `run store ${f}: run id prefix "${idOrPrefix}" matches several runs (${shown}${runs.length > 5 ? ", …" : ""})`);
    });
  }

  async findRun(runId: string): Promise<RunRecord | null> {
    return this.tx("read", async (c) => (await selectRuns(c, "WHERE run_id = $1", [runId]))[0] ?? null);
  }

  async getMetrics(runId: string, keys?: readonly string[]): Promise<MetricRow[]> {
    return this.tx("read", async (c) => {
      await requireRun(this.file, c, runId);
      const filter = keys === undefined ? "" : "AND list_contains($2, key)";
      const values: DuckDBValue[] = keys === undefined ? [runId] : [runId, listValue([...keys])];
      const types = keys === undefined ? [VARCHAR] : [VARCHAR, LIST(VARCHAR)];
      const reader = await c.runAndReadAll(`SELECT step, key, value FROM metrics WHERE run_id = $1 ${filter} ORDER BY step, key`, values, types);
      return metricRowsFromColumns(reader.getColumns());
    });
  }

  async metricKeys(runId: string): Promise<string[]> {
    return this.tx("read", async (c) => {
      await requireRun(this.file, c, runId);
      const reader = await c.runAndReadAll("SELECT DISTINCT key FROM metrics WHERE run_id = $1 ORDER BY key", [runId]);
      return reader.getColumns()[0]?.map((k) => k as string) ?? [];
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await queues.get(this.file);
  }
}

/**
 * Reads every column of every table, so that DuckDB verifies every block's checksum: a truncated, overwritten or
 * bit-flipped file fails here, at open, with the recovery step, instead of half-working (listing runs but failing on
 * a run's metrics). Hashing 5 million metric rows takes ~0.1 s.
 */
async function checkReadable(c: DuckDBConnection): Promise<void> {
  const tables = (await c.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")).getRows().map((r) => String(r[0]));
  for (const t of tables) await c.run(`SELECT sum(hash(COLUMNS(*))) FROM "${t.replace(/"/g, '""')}"`);
}

/**
 * Opens (creating if needed) the store in `dataDir`. Holds no file open afterwards: each call opens briefly.
 * Creating the schema takes the write lock once; an existing store at the current schema is only read.
 */
export async function openStore(dataDir: string, options: StoreOptions = {}): Promise<Store> {
  const file = resolve(join(dataDir, STORE_FILE));
  const lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
  try {
    mkdirSync(resolve(dataDir), { recursive: true });
  } catch (e) {
    throw new StoreError("UNREADABLE", `run store directory ${resolve(dataDir)}: cannot create it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}: a file is in the way?)`);
  }
  let version = 0;
  if (existsSync(file)) {
    version = await transaction(file, "read", lockTimeoutMs, async (c) => {
      await checkReadable(c);
      const t = await c.runAndReadAll("SELECT 1 FROM information_schema.tables WHERE table_name = 'store_meta'");
      if (t.currentRowCount === 0) return 0;
      const v = await c.runAndReadAll("SELECT value FROM store_meta WHERE key = 'schema_version'");
      return Number(v.getRows()[0]?.[0] ?? 0);
    }).catch((e: unknown) => {
      if (e instanceof StoreError) throw e;
      throw unreadable(file, e);
    });
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreError("INVALID", `run store ${file} has schema version ${version}, newer than this grokscope (${SCHEMA_VERSION})`);
  }
  if (version < SCHEMA_VERSION) {
    await transaction(file, "write", lockTimeoutMs, async (c) => {
      for (const statement of SCHEMA) await c.run(statement);
    });
  }
  return new DuckStore(file, lockTimeoutMs);
}
