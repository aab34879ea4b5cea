import { join } from "node:path";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./atomic.js";
import { MeasureNotApplicable } from "../measures/measure.js";
import { getMeasure, resolveMeasures, runMeasure } from "../measures/registry.js";
import { checkpointSteps, loadCheckpoint } from "./checkpoint.js";
import { readMetricsParquet, writeMetricsParquet, type MetricRow } from "./metrics-file.js";
import { locateRun, measureContext, METRICS_FILE, readRunDir, SUMMARY_FILE } from "./run.js";
import { buildSetup } from "./setup.js";
import { SpecError } from "./spec.js";
import { openStore } from "./store.js";

export interface MeasureRunOptions {
  readonly dataDir: string;
  /** Measure names, namespaces ("fourier") or "all". */
  readonly measures: readonly string[];
  /** Only checkpoints whose step is a multiple of this (the last checkpoint always). */
  readonly every?: number;
  readonly onStep?: (step: number, done: number, total: number) => void;
  readonly onWarning?: (message: string) => void;
}

async function withStore<T>(dataDir: string, f: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore(dataDir);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

export interface MeasureRunResult {
  readonly run_id: string;
  readonly steps: number[];
  readonly measures: string[];
  /** Values at the last measured checkpoint. */
  readonly final_measures: Record<string, number>;
  readonly rows: number;
}

/**
 * Computes measures after the fact from a run's saved checkpoints and records them as if the run had computed
 * them: rows go into metrics.parquet and the store (replacing earlier values of the same keys), and the last
 * checkpoint's values into the summary's final_measures.
 */
export async function measureRun(ref: string, opts: MeasureRunOptions): Promise<MeasureRunResult> {
  const runDir = await locateRun(ref, opts.dataDir);
  const { runId, config } = await readRunDir(runDir);
  // A run directory given by path may not be in this store (trained with another --data-dir, or moved): its files are
  // the record, so they are updated and the store is left alone — said before any work, not after.
  const inStore = (await withStore(opts.dataDir, (store) => store.findRun(runId))) !== null;
  if (!inStore) opts.onWarning?.(`run ${runId} is not in the store at ${opts.dataDir}: its metrics.parquet and summary are updated, the store is not (pass --data-dir to update that store)`);
  let steps = await checkpointSteps(runDir);
  if (steps.length === 0) throw new SpecError(`${runDir}: the run has no checkpoints to measure`);
  const last = steps[steps.length - 1];
  if (opts.every !== undefined) steps = steps.filter((s) => s % opts.every! === 0 || s === last);
  const { setup, state, init } = await buildSetup(config);
  try {
    let names: string[];
    try {
      names = resolveMeasures(opts.measures, setup.model, setup.data, state.params);
    } catch (e) {
      throw e instanceof MeasureNotApplicable ? new SpecError(e.message) : e;
    }
    const rows: MetricRow[] = [];
    for (const [i, step] of steps.entries()) {
      await loadCheckpoint(runDir, step, state);
      const ctx = measureContext(config, setup, state.params, step, init, undefined, { runDir, onWarning: opts.onWarning });
      for (const name of names) {
        let values: Record<string, number>;
        try {
          values = runMeasure(name, getMeasure(name), ctx);
        } catch (e) {
          opts.onWarning?.(`measure "${name}" failed at step ${step} (other measures are kept): ${(e as Error).message}`);
          continue;
        }
        for (const [key, value] of Object.entries(values)) rows.push({ step, key, value });
      }
      opts.onStep?.(step, i + 1, steps.length);
    }
    const keys = [...new Set(rows.map((r) => r.key))];
    const metricsPath = join(runDir, METRICS_FILE);
    const old = existsSync(metricsPath) ? await readMetricsParquet(metricsPath) : [];
    const merged = [...old.filter((r) => !keys.includes(r.key)), ...rows].sort((a, b) => a.step - b.step);
    await writeMetricsParquet(metricsPath, merged);
    const final: Record<string, number> = {};
    for (const r of rows) if (r.step === steps[steps.length - 1]) final[r.key] = r.value;
    const summaryPath = join(runDir, SUMMARY_FILE);
    let summary: Record<string, unknown> | null = null;
    if (existsSync(summaryPath)) {
      summary = JSON.parse(await readFile(summaryPath, "utf8")) as Record<string, unknown>;
      summary.final_measures = { ...(summary.final_measures as Record<string, number> | undefined), ...final };
      await writeFileAtomic(summaryPath, JSON.stringify(summary, null, 2) + "\n");
    }
    if (inStore) {
      await withStore(opts.dataDir, async (store) => {
        await store.replaceMetrics(runId, keys, rows);
        if (summary) await store.updateRun(runId, { summary });
      });
    }
    return { run_id: runId, steps, measures: names, final_measures: final, rows: rows.length };
  } finally {
    setup.backend.dispose();
  }
}
