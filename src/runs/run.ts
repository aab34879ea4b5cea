import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { grokDelay, grokStep, memorizeStep, type EvalRecord } from "../measures/grokking.js";
import { getMeasure, resolveMeasures, runMeasure } from "../measures/registry.js";
import { MeasureNotApplicable, type MeasureContext } from "../measures/measure.js";
import { fold, keyFromSeed } from "../tensor/rng.js";
import type { Params } from "../tensor/tensor.js";
import { evalCadence } from "../train/cadence.js";
import { surfingInit, type SurfingSums } from "../train/surfing-tracker.js";
import { parseSurfingSettings } from "../measures/surfing.js";
import { evaluate, trainStep, type TrainSetup, type TrainState } from "../train/loop.js";
import { EventLoopTurns } from "./event-loop-turns.js";
import { checkpointSteps, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { readMetricsParquet, writeMetricsParquet, type MetricRow } from "./metrics-file.js";
import { buildSetup } from "./setup.js";
import { normalizeSpec, SpecError, type RunConfig } from "./spec.js";
import { openStore, type Store } from "./store.js";
import { createBackend } from "../tensor/backend-select.js";

export const SPEC_FILE = "spec.json";
export const METRICS_FILE = "metrics.parquet";
export const SUMMARY_FILE = "summary.json";

/** The final JSON line of `grokscope train` (DESIGN.md's contract). */
export interface RunSummary {
  run_id: string;
  preset: string | null;
  seed: number;
  steps: number;
  train_acc: number;
  test_acc: number;
  train_loss: number;
  test_loss: number;
  memorize_step: number | null;
  grok_step: number | null;
  grok_delay: number | null;
  /**
   * Runs whose task has further splits (src/tasks/dataset.ts `evalSplits`: an OOD test, a mixture's domains): the
   * first evaluated step at which each split's accuracy reached `acc_threshold`, or null — e.g. a domain's memorize
   * step is `split_steps["domain/add/train"]`, its grok step `split_steps["domain/add/test"]`.
   */
  split_steps?: Record<string, number | null>;
  final_measures: Record<string, number>;
  backend: string;
  seconds: number;
  run_dir: string;
}

export interface Progress {
  readonly step: number;
  readonly total: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly stepsPerSecond: number;
}

export interface RunOptions {
  /** Where the store lives and run directories go by default. */
  readonly dataDir: string;
  /** The run directory (default <dataDir>/<run_id>). */
  readonly outDir?: string;
  readonly onProgress?: (p: Progress) => void;
  /** A measure failed at a step (e.g. SGLD diverged); the run goes on without that value. */
  readonly onWarning?: (message: string) => void;
  /** Aborting stops the run at the next step boundary; it is marked "killed" and can be resumed. */
  readonly signal?: AbortSignal;
  /** The run's id (default: a new one from the preset and the time). Sweeps give stable ids. */
  readonly runId?: string;
  /**
   * Where the run's row and metrics are recorded: the store in `dataDir` (default), or "none" — the run directory
   * only (a sweep's worker thread or a remote worker, whose coordinator records the result).
   */
  readonly record?: "store" | "none";
  /** Kernel threads, replacing the config's (results are bit-identical across thread counts). */
  readonly threads?: number;
}

/** The store operations a run makes; `Store` is one, `NO_SINK` records nothing. */
export type RunSink = Pick<Store, "recordRun" | "updateRun" | "appendMetrics" | "findRun" | "deleteMetricsAfter" | "getMetrics" | "close">;

const NO_SINK: RunSink = {
  recordRun: async (r) => ({ ...r, status: r.status ?? "running", createdAt: new Date(), updatedAt: new Date(), step: 0, summary: null, tags: [] }),
  updateRun: async () => ({}) as never,
  appendMetrics: async () => {},
  findRun: async () => null,
  deleteMetricsAfter: async () => 0,
  getMetrics: async () => [],
  close: async () => {},
};

async function openSink(opts: RunOptions): Promise<RunSink> {
  return opts.record === "none" ? NO_SINK : openStore(opts.dataDir);
}

/** The run was stopped by its signal (Ctrl-C); its last checkpoint remains for --resume. */
export class RunInterrupted extends Error {}

function newRunId(preset: string | null): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${preset ?? "run"}-${t}-${randomUUID().slice(0, 6)}`;
}

async function isNonEmptyDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory() && (await readdir(path)).length > 0;
  } catch {
    return false;
  }
}

/** What one evaluation needs besides the setup and state. */
export interface EvaluationInputs {
  readonly config: RunConfig;
  /** The measures to compute (already resolved: "all" expanded). */
  readonly measures: readonly string[];
  readonly init: Params;
  readonly onWarning?: (message: string) => void;
}

/** Rows of one evaluation: train/test (and the task's further splits') loss and accuracy, then every measure. */
export function evaluationRows(run: EvaluationInputs, setup: TrainSetup, state: TrainState): MetricRow[] {
  const step = state.step;
  const train = evaluate(setup, state, setup.data.train);
  const test = evaluate(setup, state, setup.data.test);
  const values: Record<string, number> = { train_loss: train.loss, train_acc: train.acc, test_loss: test.loss, test_acc: test.acc };
  if (setup.data.kind === "tokens") {
    for (const [name, split] of Object.entries(setup.data.evalSplits ?? {})) {
      const r = evaluate(setup, state, split);
      values[`${name}_loss`] = r.loss;
      values[`${name}_acc`] = r.acc;
    }
  }
  const ctx = measureContext(run.config, setup, state.params, step, run.init, state.surfing?.sums);
  for (const name of run.measures) {
    try {
      Object.assign(values, runMeasure(name, getMeasure(name), ctx));
    } catch (e) {
      run.onWarning?.(`measure "${name}" failed at step ${step} (the run's other metrics are kept): ${(e as Error).message}`);
    }
  }
  return Object.entries(values).map(([key, value]) => ({ step, key, value }));
}

/** What a measure sees at a step: the state, the run's loss and kernels, its settings and a key of its own. */
export function measureContext(config: RunConfig, setup: TrainSetup, params: Params, step: number, init: Params, surfing?: Readonly<SurfingSums> | null): MeasureContext {
  return { params, data: setup.data, model: setup.model, step, init, loss: setup.loss, backend: setup.backend, key: fold(keyFromSeed(config.seed), `measures/${step}`), settings: config.measure_settings, surfing: surfing ? { ...surfing } : null };
}

function history(rows: readonly MetricRow[]): EvalRecord[] {
  const byStep = new Map<number, { step: number; train_acc?: number; test_acc?: number }>();
  for (const r of rows) {
    if (r.key !== "train_acc" && r.key !== "test_acc") continue;
    let e = byStep.get(r.step);
    if (!e) byStep.set(r.step, (e = { step: r.step }));
    e[r.key] = r.value;
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function lastValues(rows: readonly MetricRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.key] = r.value; // rows are in step order
  return out;
}

interface Running {
  readonly runId: string;
  readonly runDir: string;
  readonly config: RunConfig;
  readonly store: RunSink;
  readonly rows: MetricRow[];
  /** The measures this run computes: the config's, with "all" expanded to those that apply. */
  readonly measures: readonly string[];
  readonly init: Params;
  readonly onWarning?: (message: string) => void;
  flushed: number; // rows already in the store
}

/**
 * Metrics first, checkpoint last: a checkpoint at step s exists only once every row up to s is on disk, so a run
 * killed anywhere in between resumes from the previous checkpoint and drops the rows after it.
 */
async function persist(run: Running, state: TrainState): Promise<void> {
  await writeMetricsParquet(join(run.runDir, METRICS_FILE), run.rows);
  await run.store.appendMetrics(run.runId, run.rows.slice(run.flushed));
  run.flushed = run.rows.length;
  await saveCheckpoint(run.runDir, run.runId, state);
  await run.store.updateRun(run.runId, { step: state.step });
}

/** How often (ms of training) the loop lets the event loop run, to notice an abort signal. */
const TURN_EVERY_MS = 200;

/** Trains from `state.step` to the config's steps, evaluating, measuring and checkpointing at their cadences. */
async function trainLoop(run: Running, setup: TrainSetup, state: TrainState, opts: RunOptions, resumed: boolean): Promise<RunSummary> {
  const { config } = run;
  const total = config.steps;
  const isEval = evalCadence(config.eval);
  const t0 = performance.now();
  const firstStep = state.step;
  let skipRecord = resumed; // the checkpoint's step was evaluated and saved before the interruption
  const turns = new EventLoopTurns(TURN_EVERY_MS);
  for (;;) {
    const s = state.step;
    let persisted = false;
    if (!skipRecord) {
      const evalHere = isEval(s, total);
      if (evalHere) {
        const rows = evaluationRows(run, setup, state);
        run.rows.push(...rows);
        const sps = (s - firstStep) / Math.max(1e-9, (performance.now() - t0) / 1000);
        opts.onProgress?.({ step: s, total, metrics: lastValues(rows), stepsPerSecond: sps });
      }
      if (s === total || (s > 0 && s % config.checkpoint_every === 0)) {
        await persist(run, state);
        persisted = true;
      }
    }
    skipRecord = false;
    if (s >= total) break;
    if (turns.due()) await turns.take(); // Ctrl-C is seen within a fraction of a second, not at the next checkpoint
    if (opts.signal?.aborted) {
      // keep the work done since the last checkpoint: a checkpoint here resumes bit-identically, like any other
      if (!persisted && s > firstStep) await persist(run, state);
      throw new RunInterrupted(`interrupted at step ${s}; continue with: grokscope train --resume ${run.runId}`);
    }
    trainStep(setup, state);
  }
  const summary = summarizeRun(run.runId, run.runDir, config, run.rows, setup.backend.name, (performance.now() - t0) / 1000);
  await writeFile(join(run.runDir, SUMMARY_FILE), JSON.stringify(summary, null, 2) + "\n");
  await run.store.updateRun(run.runId, { status: "done", step: total, summary });
  return summary;
}

/** `split_steps` for every further split: keys `<name>_acc` recorded beside `<name>_loss` (not train or test). */
function splitSteps(rows: readonly MetricRow[], threshold: number): { split_steps?: Record<string, number | null> } {
  const keys = new Set(rows.map((r) => r.key));
  const names = [...keys].filter((k) => k.endsWith("_acc") && k !== "train_acc" && k !== "test_acc" && keys.has(k.slice(0, -4) + "_loss")).map((k) => k.slice(0, -4));
  if (names.length === 0) return {};
  const out: Record<string, number | null> = {};
  for (const name of names.sort()) {
    let first: number | null = null;
    for (const r of rows) if (r.key === `${name}_acc` && r.value >= threshold && (first === null || r.step < first)) first = r.step;
    out[name] = first;
  }
  return { split_steps: out };
}

/** The final JSON object of a run from its metric rows (in step order). */
export function summarizeRun(runId: string, runDir: string, config: RunConfig, rows: readonly MetricRow[], backend: string, seconds: number): RunSummary {
  const h = history(rows);
  const { train_loss, train_acc, test_loss, test_acc, ...measures } = lastValues(rows);
  return {
    run_id: runId,
    preset: config.preset,
    seed: config.seed,
    steps: config.steps,
    train_acc,
    test_acc,
    train_loss,
    test_loss,
    memorize_step: memorizeStep(h, config.acc_threshold),
    grok_step: grokStep(h, config.acc_threshold),
    grok_delay: grokDelay(h, config.acc_threshold),
    ...splitSteps(rows, config.acc_threshold),
    final_measures: measures,
    backend,
    seconds: Math.round(seconds * 1000) / 1000,
    run_dir: runDir,
  };
}

/** Writes a finished run's directory (spec, metrics, final checkpoint, summary) — for runs trained outside trainLoop. */
export async function writeFinishedRun(runId: string, runDir: string, config: RunConfig, rows: readonly MetricRow[], state: TrainState, backend: string, seconds: number): Promise<RunSummary> {
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, SPEC_FILE), JSON.stringify({ run_id: runId, ...config }, null, 2) + "\n");
  await writeMetricsParquet(join(runDir, METRICS_FILE), rows);
  await saveCheckpoint(runDir, runId, state);
  const summary = summarizeRun(runId, runDir, config, rows, backend, seconds);
  await writeFile(join(runDir, SUMMARY_FILE), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}

async function guarded<T>(run: Running, setup: TrainSetup, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    await run.store.updateRun(run.runId, { status: e instanceof RunInterrupted ? "killed" : "failed" }).catch(() => {});
    throw e;
  } finally {
    setup.backend.dispose();
  }
}

/** The config's measures that apply to this model and task; a named one that does not is a bad input (SpecError). */
function measuresFor(config: RunConfig, setup: TrainSetup, state: TrainState, cleanup: () => void): string[] {
  try {
    return resolveMeasures(config.measures, setup.model, setup.data, state.params);
  } catch (e) {
    cleanup();
    if (e instanceof MeasureNotApplicable) throw new SpecError(e.message);
    throw e;
  }
}

/** Attaches the per-step trackers the run's measures need: the surfing sums (ε from measure_settings.surfing). */
function attachTrackers(config: RunConfig, measures: readonly string[], state: TrainState): void {
  if (measures.includes("surfing")) state.surfing = surfingInit((config.measure_settings.surfing ?? parseSurfingSettings()).epsilon);
}

async function setupFor(config: RunConfig, opts: RunOptions): ReturnType<typeof buildSetup> {
  if (opts.threads === undefined || config.backend === "js" || config.backend === "js64") return buildSetup(config);
  return buildSetup(config, { backend: await createBackend(config.backend, { threads: opts.threads }) });
}

/** Starts a new run from a normalized config. */
export async function startRun(config: RunConfig, opts: RunOptions): Promise<RunSummary> {
  const runId = opts.runId ?? newRunId(config.preset);
  const runDir = resolve(opts.outDir ?? join(opts.dataDir, runId));
  if (await isNonEmptyDir(runDir)) throw new SpecError(`--out ${runDir}: directory is not empty (continue a run there with --resume ${runDir})`);
  const { setup, state, init } = await setupFor(config, opts);
  const measures = measuresFor(config, setup, state, () => setup.backend.dispose());
  attachTrackers(config, measures, state);
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, SPEC_FILE), JSON.stringify({ run_id: runId, ...config }, null, 2) + "\n");
  const store = await openSink(opts);
  await store.recordRun({ runId, preset: config.preset ?? "custom", seed: config.seed, steps: config.steps, spec: config, runDir });
  const run: Running = { runId, runDir, config, store, rows: [], measures, init, onWarning: opts.onWarning, flushed: 0 };
  try {
    return await guarded(run, setup, () => trainLoop(run, setup, state, opts, false));
  } finally {
    await store.close();
  }
}

/** Reads a run directory's spec.json; errors name the directory. */
export async function readRunDir(runDir: string): Promise<{ runId: string; config: RunConfig }> {
  const path = join(runDir, SPEC_FILE);
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch {
    throw new SpecError(`cannot read ${path}: not a grokscope run directory`);
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SpecError(`${path}: not valid JSON`);
  }
  const { run_id, ...spec } = parsed;
  if (typeof run_id !== "string") throw new SpecError(`${path}: missing run_id`);
  return { runId: run_id, config: normalizeSpec(spec) };
}

/** Where `ref` (a run directory or a run id / unique prefix in the store) lives. */
export async function locateRun(ref: string, dataDir: string): Promise<string> {
  if (existsSync(join(ref, SPEC_FILE))) return resolve(ref);
  if (existsSync(ref)) throw new SpecError(`${ref}: not a grokscope run directory (no ${SPEC_FILE})`);
  if (!existsSync(dataDir)) throw new SpecError(`run "${ref}" not found: no such directory, and no run store at ${dataDir}`);
  const store = await openStore(dataDir);
  try {
    return (await store.getRun(ref)).runDir;
  } catch (e) {
    throw new SpecError(`run "${ref}" not found: ${(e as Error).message}`);
  } finally {
    await store.close();
  }
}

/**
 * Continues a run from its last checkpoint: parameters, optimizer state and step restored, metrics after the
 * checkpoint dropped; the batches and every other draw are functions of (seed, step), so the resumed run is
 * bit-identical to an uninterrupted one. `steps` may extend the run.
 */
export async function resumeRun(ref: string, opts: RunOptions & { steps?: number }): Promise<RunSummary> {
  const runDir = await locateRun(ref, opts.dataDir);
  const { runId, config: saved } = await readRunDir(runDir);
  const config = opts.steps === undefined ? saved : normalizeSpec({ ...saved, steps: opts.steps });
  const steps = await checkpointSteps(runDir);
  const { setup, state, init } = await setupFor(config, opts);
  const measures = measuresFor(config, setup, state, () => setup.backend.dispose());
  attachTrackers(config, measures, state);
  const store = await openSink(opts);
  try {
    let record = await store.findRun(runId);
    if (!record) record = await store.recordRun({ runId, preset: config.preset ?? "custom", seed: config.seed, steps: config.steps, spec: config, runDir });
    const run: Running = { runId, runDir, config, store, rows: [], measures, init, onWarning: opts.onWarning, flushed: 0 };
    return await guarded(run, setup, async () => {
      const from = steps.length > 0 ? steps[steps.length - 1] : null;
      if (from !== null && from <= config.steps) {
        await loadCheckpoint(runDir, from, state);
        const old = existsSync(join(runDir, METRICS_FILE)) ? await readMetricsParquet(join(runDir, METRICS_FILE)) : [];
        run.rows.push(...old.filter((r) => r.step <= from));
      } else if (from !== null) {
        throw new SpecError(`${runDir}: last checkpoint is at step ${from}, beyond the requested ${config.steps} steps`);
      }
      await store.deleteMetricsAfter(runId, from ?? -1);
      const kept = await store.getMetrics(runId);
      run.flushed = Math.min(kept.length, run.rows.length);
      if (kept.length !== run.rows.length) {
        // the store missed the last flush (killed between the files and the store): rewrite it from the run directory
        await store.deleteMetricsAfter(runId, -1);
        run.flushed = 0;
      }
      await store.updateRun(runId, { status: "running", steps: config.steps, spec: config });
      if (config.steps !== saved.steps) await writeFile(join(runDir, SPEC_FILE), JSON.stringify({ run_id: runId, ...config }, null, 2) + "\n");
      return trainLoop(run, setup, state, opts, from !== null);
    });
  } finally {
    await store.close();
  }
}
