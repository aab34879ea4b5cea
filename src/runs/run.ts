/**
 * A run: start it from a config or resume it from its last checkpoint, and the training loop between — evaluating,
 * measuring, checkpointing and recording at their cadences, crash-safe (metrics first, checkpoint last), stoppable.
 * Evaluations reach the store as they happen (at most about once a second), so a page follows a run between its
 * checkpoints. The run directory and ids live in run-dir.ts, one evaluation and the summary in evaluation.ts.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { resolveMeasures } from "../measures/registry.js";
import { MeasureNotApplicable } from "../measures/measure.js";
import type { Params } from "../tensor/tensor.js";
import { evalCadence } from "../train/cadence.js";
import { surfingHook } from "../train/surfing-tracker.js";
import { parseSurfingSettings } from "../measures/dynamics/surfing.js";
import { forwardEvaluatesTrain, NonFiniteError, stepForward, stepUpdate, trainStep, type StepForward, type TrainSetup, type TrainState } from "../train/loop.js";
import { evaluationRows, lastValues, summarizeRun, type RunSummary } from "./evaluation.js";
import { isNonEmptyDir, locateRun, makeRunDir, METRICS_FILE, newRunId, readRunDir, SUMMARY_FILE, writeSpecFile } from "./run-dir.js";
import { resolveModelDefaults } from "./model-module.js";
import { EventLoopTurns } from "./event-loop-turns.js";
import { checkpointPredicate, checkpointSteps, loadCheckpoint, saveCheckpoint, snapshotCheckpoint, writeCheckpoint, type CheckpointSnapshot } from "./checkpoint.js";
import { readMetricsParquet, writeMetricsParquet, type MetricRow } from "./metrics-file.js";
import { buildSetup } from "./setup.js";
import { normalizeSpec, SpecError, type RunConfig } from "./spec.js";
import { openStore, type RunPatch, type Store } from "./store.js";

export { evaluationRows, measureContext, summarizeRun, type EvaluationInputs, type RunSummary } from "./evaluation.js";
export { locateRun, METRICS_FILE, readRunDir, SPEC_FILE, SUMMARY_FILE } from "./run-dir.js";
import { createBackend, runThreads } from "../tensor/backend-select.js";
import { checkSafeId } from "./run-id.js";
import { acquireRunLock, type RunLock } from "./run-lock.js";
import { nonFiniteTensor } from "./divergence.js";

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
  /**
   * Evaluations go to the store at most this often (ms; default 1000): each write opens the store (~10–20 ms), so a
   * run evaluating every few milliseconds batches them. 0 writes at every evaluation.
   */
  readonly liveFlushMs?: number;
}

/** How often (ms) a run's new evaluations reach the store by default: the web lab polls it about once a second. */
export const LIVE_FLUSH_MS = 1000;

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
  readonly liveFlushMs: number;
  flushed: number; // rows already in the store
  flushedAt: number; // performance.now() of the last write to the store (-Infinity: none yet)
  /** Rows in the run's metrics file as this run last wrote it (-1: not written by this process yet). */
  metricsFileRows: number;
  /**
   * Whether an evaluation takes the training split's metrics from the forward of the step that follows it (the same
   * values, one forward fewer); false once a step's forward proved unable to (dropout).
   */
  shareTrainForward: boolean;
  /** Checkpoints copied out of the state and not yet written, oldest first, with the number of rows each covers. */
  readonly pending: { readonly snapshot: CheckpointSnapshot; readonly rowCount: number }[];
  /** The writer of `pending` (settled when nothing is pending); training goes on while it reaches the disk. */
  files: Promise<void>;
  writing: boolean;
  /** The first of those writes that failed (the run stops at its next step). */
  filesError: unknown;
}

/** Checkpoints that may wait to be written before the run waits for the disk (each a copy of the state). */
const MAX_PENDING_CHECKPOINTS = 8;

/**
 * Metrics first, checkpoint last: a checkpoint at step s exists only once every row up to s is in the run's metrics
 * file, so a run killed anywhere in between resumes from the previous checkpoint and drops the rows after it (from
 * the file and from the store, which may have received them already: see resumeRun). The state is copied now and
 * written behind the run's earlier file writes while training goes on. A short run checkpoints every few steps, faster
 * than a metrics file is rewritten (an in-memory DuckDB, ~10–100 ms on a busy machine), so the writer takes every
 * checkpoint waiting at once: one metrics file with the rows up to the newest of them, then each checkpoint in order.
 */
async function persist(run: Running, state: TrainState): Promise<void> {
  if (run.pending.length >= MAX_PENDING_CHECKPOINTS) await settleFiles(run);
  else if (run.filesError !== undefined) throw run.filesError;
  run.pending.push({ snapshot: snapshotCheckpoint(state), rowCount: run.rows.length });
  if (run.writing) return;
  run.writing = true;
  run.files = writePending(run);
  run.files.catch((e: unknown) => {
    run.filesError ??= e;
  });
}

async function writePending(run: Running): Promise<void> {
  try {
    while (run.pending.length > 0) {
      const batch = run.pending.splice(0);
      const rowCount = batch[batch.length - 1].rowCount;
      // Rows are only appended, so a file of rowCount rows already written holds these rows: checkpoints between two
      // evaluations (a short run's log-spaced ones) do not rewrite it.
      if (rowCount !== run.metricsFileRows) {
        await writeMetricsParquet(join(run.runDir, METRICS_FILE), run.rows.slice(0, rowCount));
        run.metricsFileRows = rowCount;
      }
      for (const { snapshot } of batch) await writeCheckpoint(run.runDir, run.runId, snapshot);
    }
  } finally {
    run.writing = false;
  }
}

/** Waits for the run directory's queued writes; rethrows the first that failed. */
async function settleFiles(run: Running): Promise<void> {
  await run.files;
  if (run.filesError !== undefined) throw run.filesError;
}

/**
 * The rows not yet in the store go there with `patch` (the step reached; at the end also the status and summary), in
 * one transaction — when `force`d, else only once `liveFlushMs` have passed since the last write. The store is a view
 * of the run for pages and `grokscope show`; the run directory is what a resume trusts.
 */
async function flush(run: Running, patch: RunPatch, force: boolean): Promise<void> {
  const now = performance.now();
  if (!force && (run.flushed === run.rows.length || now - run.flushedAt < run.liveFlushMs)) return;
  await run.store.appendMetrics(run.runId, run.rows.slice(run.flushed), patch);
  run.flushed = run.rows.length;
  run.flushedAt = now;
}

/**
 * Keeps every row evaluated before the divergence (metrics file and store; no checkpoint of the diverged
 * parameters), then throws: the run ends as failed, and --resume starts again from its last checkpoint.
 */
async function diverged(run: Running, step: number, e: NonFiniteError): Promise<never> {
  await settleFiles(run);
  await writeMetricsParquet(join(run.runDir, METRICS_FILE), run.rows);
  run.metricsFileRows = run.rows.length;
  await flush(run, { step }, true);
  throw e;
}

/** How often (ms of training) the loop lets the event loop run, to notice an abort signal. */
const TURN_EVERY_MS = 200;

/** Trains from `state.step` to the config's steps, evaluating, measuring and checkpointing at their cadences. */
async function trainLoop(run: Running, setup: TrainSetup, state: TrainState, opts: RunOptions, resumed: boolean): Promise<RunSummary> {
  const { config } = run;
  const total = config.steps;
  const isEval = evalCadence(config.eval);
  const isCheckpoint = checkpointPredicate(config);
  const t0 = performance.now();
  const firstStep = state.step;
  let skipRecord = resumed; // the checkpoint's step was evaluated and saved before the interruption
  const turns = new EventLoopTurns(TURN_EVERY_MS);
  for (;;) {
    const s = state.step;
    let persisted = false;
    let ahead = null as StepForward | null; // this step's forward, taken early as the training split's evaluation
    if (!skipRecord) {
      const evalHere = isEval(s, total);
      if (evalHere) {
        const rows = evaluationRows(run, setup, state, () => {
          if (s >= total || !run.shareTrainForward || setup.batchSize !== null) return null;
          const f = stepForward(setup, state);
          if (!forwardEvaluatesTrain(setup, f)) {
            run.shareTrainForward = false; // it drew dropout masks: evaluate the split on its own from now on
            return null;
          }
          ahead = f;
          return f.stats;
        });
        run.rows.push(...rows);
        const sps = (s - firstStep) / Math.max(1e-9, (performance.now() - t0) / 1000);
        if (s < total) await flush(run, { step: s }, false); // the last rows go with the run's summary, below
        opts.onProgress?.({ step: s, total, metrics: lastValues(rows), stepsPerSecond: sps });
      }
      if (isCheckpoint(s, total)) {
        const bad = nonFiniteTensor(state.params);
        if (bad !== null) await diverged(run, s, new NonFiniteError(`training diverged before step ${s}: tensor "${bad}" holds NaN or Inf`));
        await persist(run, state);
        persisted = true;
      }
    }
    skipRecord = false;
    if (run.filesError !== undefined) await settleFiles(run);
    if (s >= total) break;
    if (turns.due()) await turns.take(); // Ctrl-C is seen within a fraction of a second, not at the next checkpoint
    if (opts.signal?.aborted) {
      // keep the work done since the last checkpoint: a checkpoint here resumes bit-identically, like any other
      if (!persisted && s > firstStep) await persist(run, state);
      await settleFiles(run);
      await flush(run, { step: s }, true);
      throw new RunInterrupted(`interrupted at step ${s}; continue with: grokscope train --resume ${run.runId}`);
    }
    try {
      if (ahead !== null) stepUpdate(setup, state, ahead);
      else trainStep(setup, state);
    } catch (e) {
      if (e instanceof NonFiniteError) await diverged(run, s, e);
      throw e;
    }
  }
  await settleFiles(run);
  const summary = summarizeRun(run.runId, run.runDir, config, run.rows, setup.backend.name, (performance.now() - t0) / 1000);
  await writeFile(join(run.runDir, SUMMARY_FILE), JSON.stringify(summary, null, 2) + "\n");
  await flush(run, { status: "done", step: total, summary }, true);
  return summary;
}

/** Writes a finished run's directory (spec, metrics, final checkpoint, summary) — for runs trained outside trainLoop. */
export async function writeFinishedRun(runId: string, runDir: string, config: RunConfig, rows: readonly MetricRow[], state: TrainState, backend: string, seconds: number): Promise<RunSummary> {
  await mkdir(runDir, { recursive: true });
  await writeSpecFile(runDir, runId, config);
  await writeMetricsParquet(join(runDir, METRICS_FILE), rows);
  await saveCheckpoint(runDir, runId, state);
  const summary = summarizeRun(runId, runDir, config, rows, backend, seconds);
  await writeFile(join(runDir, SUMMARY_FILE), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}

/** A run about to train: no rows yet, nothing in the store or in flight. */
function running(runId: string, runDir: string, config: RunConfig, store: RunSink, measures: readonly string[], init: Params, opts: RunOptions): Running {
  return { runId, runDir, config, store, rows: [], measures, init, onWarning: opts.onWarning, liveFlushMs: opts.liveFlushMs ?? LIVE_FLUSH_MS, flushed: 0, flushedAt: -Infinity, metricsFileRows: -1, shareTrainForward: true, pending: [], files: Promise.resolve(), writing: false, filesError: undefined };
}

async function guarded<T>(run: Running, setup: TrainSetup, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    await run.files.catch(() => {}); // nothing of this run is written after it returns (the lock is released next)
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
  // first: the tracker reads the loss gradient before a filter changes it
  if (measures.includes("surfing")) state.hooks.unshift(surfingHook((config.measure_settings.surfing ?? parseSurfingSettings()).epsilon));
}

async function setupFor(config: RunConfig, opts: RunOptions): ReturnType<typeof buildSetup> {
  if (opts.threads === undefined || config.backend === "js" || config.backend === "js64") return buildSetup(config);
  return buildSetup(config, { backend: await createBackend(config.backend, { threads: runThreads(opts.threads) }) });
}

/** Starts a new run from a normalized config. */
export async function startRun(given: RunConfig, opts: RunOptions): Promise<RunSummary> {
  // a user model's defaults are recorded in spec.json (a later change to the module's defaults cannot change the run)
  const { config, modelName } = await resolveModelDefaults(given);
  const runId = checkSafeId("run id", opts.runId ?? newRunId(modelName ?? config.preset));
  const runDir = resolve(opts.outDir ?? join(opts.dataDir, runId));
  if (await isNonEmptyDir(runDir)) throw new SpecError(`--out ${runDir}: directory is not empty (continue a run there with --resume ${runDir})`);
  const { setup, state, init } = await setupFor(config, opts);
  const measures = measuresFor(config, setup, state, () => setup.backend.dispose());
  attachTrackers(config, measures, state);
  let store: RunSink | undefined;
  let lock: RunLock | undefined;
  try {
    store = await openSink(opts); // a store that cannot be opened refuses the run before its directory exists
    await makeRunDir(runDir);
    lock = await acquireRunLock(runDir, runId);
    await writeSpecFile(runDir, runId, config);
    await store.recordRun({ runId, preset: config.preset ?? "custom", seed: config.seed, steps: config.steps, spec: config, runDir });
  } catch (e) {
    setup.backend.dispose();
    await lock?.release();
    await store?.close();
    throw e;
  }
  const run = running(runId, runDir, config, store, measures, init, opts);
  try {
    return await guarded(run, setup, () => trainLoop(run, setup, state, opts, false));
  } finally {
    await lock.release();
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
  const from = steps.length > 0 ? steps[steps.length - 1] : null;
  // every refusal comes before the store or the run directory changes
  if (from !== null && from > config.steps) throw new SpecError(`--steps ${config.steps}: the last checkpoint of ${runDir} is at step ${from}, beyond it`);
  const { setup, state, init } = await setupFor(config, opts);
  const measures = measuresFor(config, setup, state, () => setup.backend.dispose());
  attachTrackers(config, measures, state);
  let store: RunSink | undefined;
  let lock: RunLock | undefined;
  try {
    if (from !== null) await loadCheckpoint(runDir, from, state); // checks the checkpoint's sha256
    store = await openSink(opts);
    lock = await acquireRunLock(runDir, runId);
  } catch (e) {
    setup.backend.dispose();
    await store?.close();
    throw e;
  }
  try {
    let record = await store.findRun(runId);
    if (!record) record = await store.recordRun({ runId, preset: config.preset ?? "custom", seed: config.seed, steps: config.steps, spec: config, runDir });
    const run = running(runId, runDir, config, store, measures, init, opts);
    const sink = store; // TypeScript does not carry the narrowing of a `let` into the closure
    return await guarded(run, setup, async () => {
      const store = sink;
      if (from !== null) {
        const old = existsSync(join(runDir, METRICS_FILE)) ? await readMetricsParquet(join(runDir, METRICS_FILE)) : [];
        run.rows.push(...old.filter((r) => r.step <= from));
      }
      // rows after the checkpoint may be in the store already (evaluations go there before the next checkpoint): drop them
      await store.deleteMetricsAfter(runId, from ?? -1);
      const kept = await store.getMetrics(runId);
      run.flushed = Math.min(kept.length, run.rows.length);
      if (kept.length !== run.rows.length) {
        // the store missed the last flush (killed between the files and the store): rewrite it from the run directory
        await store.deleteMetricsAfter(runId, -1);
        run.flushed = 0;
      }
      await store.updateRun(runId, { status: "running", step: from ?? 0, steps: config.steps, spec: config });
      if (config.steps !== saved.steps) await writeSpecFile(runDir, runId, config);
      return trainLoop(run, setup, state, opts, from !== null);
    });
  } finally {
    await lock.release();
    await store.close();
  }
}
