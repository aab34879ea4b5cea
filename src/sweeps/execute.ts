/**
 * Training one run of a sweep where the coordinator does not own the store: a local worker thread or a remote
 * worker. The run directory is the only state: a job that finds a finished run there returns it without training,
 * one that finds checkpoints resumes from the last (bit-identical to an uninterrupted run), and one that finds a
 * directory without a checkpoint starts over.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { checkpointPath, checkpointSteps, loadCheckpoint, snapshotCheckpoint, writeCheckpoint } from "../runs/checkpoint.js";
import { readMetricsParquet, writeMetricsParquet, type MetricRow } from "../runs/metrics-file.js";
import { writeSpecFile } from "../runs/run-dir.js";
import { METRICS_FILE, readRunDir, resumeRun, startRun, SUMMARY_FILE, writeFinishedRun, type Progress, type RunSummary } from "../runs/run.js";
import type { TrainState } from "../train/loop.js";
import { trainBatched } from "./batched/index.js";
import { normalizeSpec, type RunConfig } from "../runs/spec.js";

/** A run to train, as plain JSON (it crosses threads and machines). */
export interface RunJob {
  readonly sweep: string;
  readonly runKey: string;
  readonly runId: string;
  /** Where the run directory goes; a worker that can reach it resumes from its checkpoints. */
  readonly runDir: string;
  readonly config: RunConfig;
}

export interface RunJobResult {
  readonly runKey: string;
  readonly runId: string;
  readonly runDir: string;
  readonly summary: RunSummary;
  readonly rows: MetricRow[];
  /** "trained", "resumed" (from a checkpoint) or "found" (finished earlier, not yet recorded). */
  readonly how: "trained" | "resumed" | "found";
}

export interface ExecuteOptions {
  readonly signal?: AbortSignal;
  /** Kernel threads per run (1 when several runs train side by side). */
  readonly threads?: number;
  readonly onProgress?: (p: Progress) => void;
}

async function finished(runDir: string): Promise<RunSummary | null> {
  const path = join(runDir, SUMMARY_FILE);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(await readFile(path, "utf8")) as RunSummary;
  } catch {
    return null; // a summary cut short by a kill: the run is resumed from its final checkpoint instead
  }
}

/** Whether the run directory was written for this config (a sweep started over with --new reuses run ids). */
async function holdsConfig(runDir: string, config: RunConfig): Promise<boolean> {
  try {
    const { config: saved } = await readRunDir(runDir);
    return JSON.stringify(saved) === JSON.stringify(config);
  } catch {
    return false;
  }
}

export async function executeRunJob(job: RunJob, opts: ExecuteOptions = {}): Promise<RunJobResult> {
  const config = normalizeSpec(job.config); // a job from a queue is data from outside: validate it again
  const { runDir } = job;
  const dir = await inspectRunDir(job, config);
  if ("found" in dir) return dir.found;
  const runOpts = { dataDir: dirname(runDir), record: "none" as const, threads: opts.threads, signal: opts.signal, onProgress: opts.onProgress };
  let summary: RunSummary;
  let how: RunJobResult["how"];
  if (dir.checkpoints.length > 0) {
    summary = await resumeRun(runDir, runOpts);
    how = "resumed";
  } else {
    summary = await startRun(config, { ...runOpts, outDir: runDir, runId: job.runId });
    how = "trained";
  }
  return { runKey: job.runKey, runId: job.runId, runDir, summary, rows: await readMetricsParquet(join(runDir, METRICS_FILE)), how };
}

/**
 * A job's run directory before it trains: another sweep's is removed; a finished one is the result ("found"); one
 * without a checkpoint is removed (killed before its first: nothing to keep); else the steps of its checkpoints.
 */
async function inspectRunDir(job: RunJob, config: RunConfig): Promise<{ found: RunJobResult } | { checkpoints: number[] }> {
  const { runDir } = job;
  if (existsSync(runDir) && !(await holdsConfig(runDir, config))) await rm(runDir, { recursive: true, force: true }); // another sweep's run
  const done = await finished(runDir);
  if (done && done.steps === config.steps) return { found: { runKey: job.runKey, runId: job.runId, runDir, summary: done, rows: await readMetricsParquet(join(runDir, METRICS_FILE)), how: "found" } };
  const checkpoints = existsSync(runDir) ? await checkpointSteps(runDir) : [];
  if (checkpoints.length === 0) await rm(runDir, { recursive: true, force: true });
  return { checkpoints };
}

/** How often a batch saves every model's state to its run directory while it trains (wall clock). */
export const BATCH_CHECKPOINT_MS = 120_000;

export interface BatchExecuteOptions extends ExecuteOptions {
  /** Milliseconds between a batch's saves (default BATCH_CHECKPOINT_MS); a batch also saves when aborted. */
  readonly checkpointEveryMs?: number;
  /** Model-steps done of the batch's total (a resumed model counts the steps it resumed from as done). */
  readonly onBatchProgress?: (done: number, total: number) => void;
}

type BatchJobResult = RunJobResult | { runKey: string; error: string };

/**
 * Trains jobs whose configs share a batch key together in one set of batched kernels (bit-identical to training each
 * alone, src/sweeps/batched), then writes each run directory as a run of its own would be. While the batch trains,
 * every model's checkpoint and metrics go to its run directory every `checkpointEveryMs` and when it is aborted (only
 * the newest kept), so a batch stopped midway resumes each run from there — in a batch again, or alone — with
 * identical results. A finished run directory is returned as found; a run that diverged fails alone.
 */
export async function executeBatchJob(jobs: readonly RunJob[], opts: BatchExecuteOptions = {}): Promise<BatchJobResult[]> {
  const configs = jobs.map((j) => normalizeSpec(j.config));
  const results: Array<BatchJobResult | undefined> = [];
  const toTrain: number[] = []; // job indices, in the order trainBatched gets them
  const resumeFrom = new Map<number, number>(); // job index → its last checkpoint's step
  for (const [i, job] of jobs.entries()) {
    const dir = await inspectRunDir(job, configs[i]);
    if ("found" in dir) {
      results[i] = dir.found;
      continue;
    }
    if (dir.checkpoints.length > 0) resumeFrom.set(i, dir.checkpoints[dir.checkpoints.length - 1]);
    toTrain.push(i);
  }
  const outputs = await trainBatched(
    toTrain.map((i) => configs[i]),
    {
      signal: opts.signal,
      threads: opts.threads,
      onProgress: opts.onBatchProgress,
      restore: async (k, state) => {
        const i = toTrain[k], from = resumeFrom.get(i);
        if (from === undefined) return null;
        await loadCheckpoint(jobs[i].runDir, from, state); // checks the checkpoint's sha256
        return (await readMetricsParquet(join(jobs[i].runDir, METRICS_FILE))).filter((r) => r.step <= from);
      },
      checkpoint: { everyMs: opts.checkpointEveryMs ?? BATCH_CHECKPOINT_MS, save: (k, rows, state) => saveBatchMember(jobs[toTrain[k]], configs[toTrain[k]], rows, state) },
    },
  );
  for (const [k, i] of toTrain.entries()) {
    const job = jobs[i], out = outputs[k];
    if (out.error) {
      results[i] = { runKey: job.runKey, error: out.error.message };
      continue;
    }
    await rm(job.runDir, { recursive: true, force: true });
    const summary = await writeFinishedRun(job.runId, job.runDir, configs[i], out.rows, out.state, "wasm batched", out.seconds);
    results[i] = { runKey: job.runKey, runId: job.runId, runDir: job.runDir, summary, rows: out.rows, how: resumeFrom.has(i) ? "resumed" : "trained" };
  }
  return results as BatchJobResult[];
}

/**
 * A batched model's state written as a run's would be: spec, then metrics, then the checkpoint (a checkpoint exists
 * only once its rows are on disk), then the older checkpoints removed.
 */
async function saveBatchMember(job: RunJob, config: RunConfig, rows: readonly MetricRow[], state: TrainState): Promise<void> {
  const snapshot = snapshotCheckpoint(state), kept = rows.slice();
  const before = existsSync(job.runDir) ? await checkpointSteps(job.runDir) : [];
  if (before.length === 0) {
    await mkdir(job.runDir, { recursive: true });
    await writeSpecFile(job.runDir, job.runId, config);
  }
  await writeMetricsParquet(join(job.runDir, METRICS_FILE), kept);
  await writeCheckpoint(job.runDir, job.runId, snapshot);
  for (const step of before) if (step !== snapshot.step) await rm(checkpointPath(job.runDir, step), { force: true });
}
