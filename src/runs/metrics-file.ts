/**
 * Metrics files: long-format rows (step BIGINT, key VARCHAR, value DOUBLE), one row per (step, metric key),
 * written as Parquet (or CSV) by an in-memory DuckDB so pandas / polars / DuckDB read them directly:
 *   pd.read_parquet("metrics.parquet").pivot(index="step", columns="key", values="value")
 * Files are replaced atomically (temporary name in the same directory, fsync, rename). Row order is preserved.
 */
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from "@duckdb/node-api";
import { replaceAtomically } from "./atomic.js";

/** One measurement: metric `key` (namespaced, e.g. "test/acc") had `value` at training step `step`. */
export interface MetricRow {
  readonly step: number; // integer >= 0
  readonly key: string;
  readonly value: number; // double; NaN and ±Infinity are kept
}

export type MetricsFormat = "parquet" | "csv";

/** Throws naming the first bad row (and `where`, e.g. a file or run id) unless every row is well formed. */
export function checkMetricRows(rows: readonly MetricRow[], where: string): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!Number.isSafeInteger(r?.step) || r.step < 0) throw new Error(`${where}: metric row ${i} has invalid step ${r?.step}`);
    if (typeof r.key !== "string" || r.key.length === 0) throw new Error(`${where}: metric row ${i} has invalid key ${JSON.stringify(r.key)}`);
    if (typeof r.value !== "number") throw new Error(`${where}: metric row ${i} ("${r.key}") has non-numeric value ${String(r.value)}`);
  }
}

/** Appends rows to an open appender whose table is ([run_id VARCHAR,] step BIGINT, key VARCHAR, value DOUBLE). */
export function appendMetricRows(appender: DuckDBAppender, rows: readonly MetricRow[], runId?: string): void {
  for (const r of rows) {
    if (runId !== undefined) appender.appendVarchar(runId);
    appender.appendBigInt(BigInt(r.step));
    appender.appendVarchar(r.key);
    appender.appendDouble(r.value);
    appender.endRow();
  }
}

/** Converts a (step, key, value) result's columns to rows. */
export function metricRowsFromColumns(columns: readonly (readonly unknown[])[]): MetricRow[] {
  if (columns.length === 0) return []; // an empty result has no column arrays
  const [steps, keys, values] = columns;
  const rows: MetricRow[] = new Array(steps.length);
  for (let i = 0; i < steps.length; i++) {
    rows[i] = { step: Number(steps[i] as bigint), key: keys[i] as string, value: values[i] as number };
  }
  return rows;
}

/** A SQL string literal (for statements such as COPY that take no parameters). */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * One in-memory DuckDB per process (per thread) for metrics files: creating an instance takes ~30 ms and a connection
 * ~1 ms, and a run rewrites its metrics file at every checkpoint. Each operation has a connection of its own, and
 * its table is a TEMP table of that connection, so operations in flight together do not meet.
 */
let memoryDb: Promise<DuckDBInstance> | null = null;

async function withMemoryDb<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const pending = (memoryDb ??= DuckDBInstance.create(":memory:", { threads: "1" }));
  let instance: DuckDBInstance;
  try {
    instance = await pending;
  } catch (err) {
    if (memoryDb === pending) memoryDb = null; // try again next time
    throw err;
  }
  const connection = await instance.connect();
  try {
    return await fn(connection);
  } finally {
    connection.closeSync();
  }
}

const COPY_OPTIONS: Record<MetricsFormat, string> = {
  parquet: "FORMAT parquet, COMPRESSION zstd",
  csv: "FORMAT csv, HEADER true",
};

async function writeMetrics(path: string, rows: readonly MetricRow[], format: MetricsFormat): Promise<void> {
  checkMetricRows(rows, path);
  await withMemoryDb(async (c) => {
    await c.run("CREATE TEMP TABLE metrics (step BIGINT NOT NULL, key VARCHAR NOT NULL, value DOUBLE NOT NULL)");
    const appender = await c.createAppender("metrics");
    appendMetricRows(appender, rows);
    appender.closeSync();
    await replaceAtomically(path, async (tmp) => {
      try {
        await c.run(`COPY metrics TO ${sqlString(tmp)} (${COPY_OPTIONS[format]})`);
      } catch (err) {
        throw new Error(`${path}: cannot write metrics ${format}: ${(err as Error).message}`);
      }
    });
  });
}

async function readMetrics(path: string, source: string): Promise<MetricRow[]> {
  return withMemoryDb(async (c) => {
    try {
      const reader = await c.runAndReadAll(`SELECT step::BIGINT, key::VARCHAR, value::DOUBLE FROM ${source}`);
      return metricRowsFromColumns(reader.getColumns());
    } catch (err) {
      throw new Error(`${path}: cannot read metrics (want columns step, key, value): ${(err as Error).message}`);
    }
  });
}

/** Writes rows to a Parquet file (zstd) at `path`, atomically. */
export function writeMetricsParquet(path: string, rows: readonly MetricRow[]): Promise<void> {
  return writeMetrics(path, rows, "parquet");
}

/** Writes rows to a CSV file with header `step,key,value` at `path`, atomically (NaN as `nan`, infinities as `inf`). */
export function writeMetricsCsv(path: string, rows: readonly MetricRow[]): Promise<void> {
  return writeMetrics(path, rows, "csv");
}

/** Reads a metrics Parquet file (any file with columns step, key, value; extra columns are ignored). */
export function readMetricsParquet(path: string): Promise<MetricRow[]> {
  return readMetrics(path, `read_parquet(${sqlString(path)})`);
}

/** Reads a metrics CSV file with a header naming step, key, value. */
export function readMetricsCsv(path: string): Promise<MetricRow[]> {
  const types = "{'step': 'BIGINT', 'key': 'VARCHAR', 'value': 'DOUBLE'}";
  return readMetrics(path, `read_csv(${sqlString(path)}, header = true, types = ${types})`);
}

/** Writes `rows` in `format` (dispatch helper). */
export function writeMetricsFile(path: string, rows: readonly MetricRow[], format: MetricsFormat): Promise<void> {
  return writeMetrics(path, rows, format);
}

/** Reads a metrics file in `format`. */
export function readMetricsFile(path: string, format: MetricsFormat): Promise<MetricRow[]> {
  return format === "parquet" ? readMetricsParquet(path) : readMetricsCsv(path);
}
