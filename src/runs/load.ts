/** Reading recorded runs back: the store's list, a run's files, its checkpoints, and measures of a checkpoint. */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MeasureNotApplicable } from "../measures/measure.js";
import { getMeasure, resolveMeasures, runMeasure } from "../measures/registry.js";
import { checkpointPath, checkpointStepOf, checkpointSteps, isParameterTensor, loadCheckpoint as restoreCheckpoint, readCheckedSafetensors } from "./checkpoint.js";
import { resolveDataDir } from "./compose.js";
import { readMetricsParquet, type MetricRow } from "./metrics-file.js";
import { locateRun, measureContext, METRICS_FILE, readRunDir, SUMMARY_FILE, type RunSummary } from "./run.js";
import type { SafeTensors } from "./safetensors.js";
import { buildSetup } from "./setup.js";
import { SpecError, type RunConfig } from "./spec.js";
import type { Params } from "../tensor/tensor.js";
import { openStore, STORE_FILE, type RunFilter, type RunRecord } from "./store.js";

export interface StoreLocation {
  /** The run store (default $GROKSCOPE_DATA, else ./runs). */
  readonly dataDir?: string;
}

/** One metric over the run: the evaluated steps and the values there. */
export interface MetricSeries {
  readonly steps: number[];
  readonly values: number[];
}

export interface LoadedRun {
  readonly runId: string;
  readonly runDir: string;
  /** The normalized spec the run trained with. */
  readonly config: RunConfig;
  /** The final summary, or null while the run is unfinished (running, killed, failed). */
  readonly summary: RunSummary | null;
  /** Long format, in step order. */
  readonly metrics: MetricRow[];
  /** The same rows by key: `series.test_acc.values[i]` was measured at `series.test_acc.steps[i]`. */
  readonly series: Record<string, MetricSeries>;
  /** Steps that have a checkpoint, ascending. */
  readonly checkpoints: number[];
}

/** Recorded runs, newest first; [] when the store does not exist yet. */
export async function listRuns(opts: StoreLocation & RunFilter = {}): Promise<RunRecord[]> {
  const dataDir = resolveDataDir(opts.dataDir);
  if (!existsSync(join(dataDir, STORE_FILE))) return [];
  const store = await openStore(dataDir);
  try {
    return await store.listRuns({ status: opts.status, preset: opts.preset, tag: opts.tag, limit: opts.limit });
  } finally {
    await store.close();
  }
}

export function seriesOf(rows: readonly MetricRow[]): Record<string, MetricSeries> {
  const out: Record<string, MetricSeries> = {};
  for (const r of rows) {
    const s = (out[r.key] ??= { steps: [], values: [] });
    s.steps.push(r.step);
    s.values.push(r.value);
  }
  return out;
}

/** A run (run id, unique id prefix or run directory) as its directory records it. */
export async function loadRun(ref: string, opts: StoreLocation = {}): Promise<LoadedRun> {
  const runDir = await locateRun(ref, resolveDataDir(opts.dataDir));
  const { runId, config } = await readRunDir(runDir);
  const summaryPath = join(runDir, SUMMARY_FILE);
  const summary = existsSync(summaryPath) ? (JSON.parse(await readFile(summaryPath, "utf8")) as RunSummary) : null;
  const metricsPath = join(runDir, METRICS_FILE);
  const metrics = existsSync(metricsPath) ? (await readMetricsParquet(metricsPath)).sort((a, b) => a.step - b.step) : [];
  return { runId, runDir, config, summary, metrics, series: seriesOf(metrics), checkpoints: await checkpointSteps(runDir) };
}

/**
 * The tensors of a run's checkpoint at `step` (default the last): the parameters under their own names (`U`, `W_E`, …)
 * and the optimizer state under `optim/…` (`isParameterTensor` tells them apart).
 */
export async function loadCheckpoint(ref: string, step?: number, opts: StoreLocation = {}): Promise<SafeTensors> {
  const runDir = await locateRun(ref, resolveDataDir(opts.dataDir));
  return (await readCheckedSafetensors(checkpointPath(runDir, await checkpointStepOf(runDir, step, "step")))).tensors;
}

/** The model parameters of a checkpoint (default the last) as `Params`, what `Model.forward` and measures take. */
export async function loadParams(ref: string, step?: number, opts: StoreLocation = {}): Promise<Params> {
  const params: Params = {};
  for (const [name, t] of Object.entries(await loadCheckpoint(ref, step, opts))) {
    if (!isParameterTensor(name)) continue;
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Float64Array)) throw new SpecError(`checkpoint tensor "${name}" is ${t.dtype}, expected F32 or F64`);
    params[name] = { shape: t.shape, data: t.data as Float32Array }; // a float64 run's F64 buffers, as training keeps them
  }
  return params;
}

export interface MeasureOptions extends StoreLocation {
  /** The checkpoint (default the last). */
  readonly step?: number;
}

/**
 * Measures (names, namespaces like "fourier", or "all") of a run's checkpoint, computed as the run would have
 * computed them at that step, without recording anything. A named measure that does not apply is a SpecError.
 */
export async function computeMeasures(ref: string, measures: readonly string[], opts: MeasureOptions = {}): Promise<{ step: number; values: Record<string, number> }> {
  const runDir = await locateRun(ref, resolveDataDir(opts.dataDir));
  const { config } = await readRunDir(runDir);
  const step = await checkpointStepOf(runDir, opts.step, "step");
  const { setup, state, init } = await buildSetup(config);
  try {
    let names: string[];
    try {
      names = resolveMeasures(measures, setup.model, setup.data, state.params);
    } catch (e) {
      throw e instanceof MeasureNotApplicable ? new SpecError(e.message) : e;
    }
    await restoreCheckpoint(runDir, step, state);
    const ctx = measureContext(config, setup, state.params, step, init);
    const values: Record<string, number> = {};
    for (const name of names) Object.assign(values, runMeasure(name, getMeasure(name), ctx));
    return { step, values };
  } finally {
    setup.backend.dispose();
  }
}
