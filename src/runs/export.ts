/**
 * Export one stored run for pandas / polars / DuckDB users.
 *
 * Writes two files, each atomically:
 *   <out>                   the run's metrics, long format (step BIGINT, key VARCHAR, value DOUBLE), ordered by
 *                           step then key, as Parquet or CSV (the same schema as a run directory's metrics file);
 *   <out stem>.run.json     the run's record with snake_case keys (run_id, preset, status, created_at, updated_at,
 *                           seed, steps, step, spec, summary, run_dir, tags) plus metrics_file (the metrics file's
 *                           name) and metric_keys. The stem is `out` without a trailing .parquet / .csv.
 * In Python:  df = pd.read_parquet(out).pivot(index="step", columns="key", values="value")
 */
import { mkdir } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { writeMetricsFile, type MetricsFormat } from "./metrics-file.js";
import type { Store } from "./store.js";

export interface ExportOptions {
  readonly format: MetricsFormat;
  readonly out: string; // path of the metrics file to write
  readonly keys?: readonly string[]; // only these metric keys (default: all)
}

export interface ExportResult {
  readonly runId: string;
  readonly metricsPath: string;
  readonly runJsonPath: string;
  readonly rows: number;
}

/** `<stem>.run.json` beside the metrics file. */
export function runJsonPathFor(out: string): string {
  return `${out.replace(/\.(parquet|csv)$/i, "")}.run.json`;
}

/** Exports the run named by `idOrPrefix` (see Store.getRun) to `options.out` and its `.run.json` sidecar. */
export async function exportRun(store: Store, idOrPrefix: string, options: ExportOptions): Promise<ExportResult> {
  if (options.format !== "parquet" && options.format !== "csv") {
    throw new Error(`export: format must be "parquet" or "csv", got ${JSON.stringify(options.format)}`);
  }
  const run = await store.getRun(idOrPrefix);
  const rows = await store.getMetrics(run.runId, options.keys);
  const runJsonPath = runJsonPathFor(options.out);
  await mkdir(dirname(options.out), { recursive: true });
  await writeMetricsFile(options.out, rows, options.format);
  const record = {
    run_id: run.runId,
    preset: run.preset,
    status: run.status,
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    seed: run.seed,
    steps: run.steps,
    step: run.step,
    spec: run.spec,
    summary: run.summary,
    run_dir: run.runDir,
    tags: run.tags,
    metrics_file: basename(options.out),
    metric_keys: [...new Set(rows.map((r) => r.key))].sort(),
  };
  await writeFileAtomic(runJsonPath, `${JSON.stringify(record, null, 2)}\n`);
  return { runId: run.runId, metricsPath: options.out, runJsonPath, rows: rows.length };
}
