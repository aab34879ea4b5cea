/**
 * Training one run of a sweep where the coordinator does not own the store: a local worker thread or a remote
 * worker. The run directory is the only state: a job that finds a finished run there returns it without training,
 * one that finds checkpoints resumes from the last (bit-identical to an uninterrupted run), and one that finds a
 * directory without a checkpoint starts over.
 */
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { checkpointSteps } from "../runs/checkpoint.js";
import { readMetricsParquet, type MetricRow } from "../runs/metrics-file.js";
import { METRICS_FILE, readRunDir, resumeRun, startRun, SUMMARY_FILE, writeFinishedRun, type Progress, type RunSummary } from "../runs/run.js";
import { batchKey, trainBatched } from "./batched/index.js";
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
  const base = { runKey: job.runKey, runId: job.runId, runDir };
  if (existsSync(runDir) && !(await holdsConfig(runDir, config))) await rm(runDir, { recursive: true, force: true }); // another sweep's run
  const done = await finished(runDir);
  if (done && done.steps === config.steps) return { ...base, summary: done, rows: await readMetricsParquet(join(runDir, METRICS_FILE)), how: "found" };
  const runOpts = { dataDir: dirname(runDir), record: "none" as const, threads: opts.threads, signal: opts.signal, onProgress: opts.onProgress };
  let summary: RunSummary;
  let how: RunJobResult["how"];
  if (existsSync(runDir) && (await checkpointSteps(runDir)).length > 0) {
    summary = await resumeRun(runDir, runOpts);
    how = "resumed";
  } else {
    await rm(runDir, { recursive: true, force: true }); // killed before its first checkpoint: nothing to keep
    summary = await startRun(config, { ...runOpts, outDir: runDir, runId: job.runId });
    how = "trained";
  }
  return { ...base, summary, rows: await readMetricsParquet(join(runDir, METRICS_FILE)), how };
}

/** Whether a job can join a batch: its config batches and its run directory holds no checkpoint to resume from. */
export async function batchableJob(job: RunJob): Promise<string | null> {
  const key = batchKey(job.config);
  if (key === null) return null;
  if (existsSync(job.runDir) && (await checkpointSteps(job.runDir)).length > 0) return null; // resume it alone
  return key;
}

/**
 * Trains jobs whose configs share a batch key together in one set of batched kernels (bit-identical to training each
 * alone, src/sweeps/batched), then writes each run directory as a run of its own would be. A batch keeps no
 * intermediate checkpoints: a batch stopped midway starts over. A run that diverged fails alone.
 */
export async function executeBatchJob(jobs: readonly RunJob[], opts: ExecuteOptions = {}): Promise<Array<RunJobResult | { runKey: string; error: string }>> {
  const configs = jobs.map((j) => normalizeSpec(j.config));
  const outputs = await trainBatched(configs, { signal: opts.signal, threads: opts.threads });
  const results: Array<RunJobResult | { runKey: string; error: string }> = [];
  for (const [i, job] of jobs.entries()) {
    const out = outputs[i];
    if (out.error) {
      results.push({ runKey: job.runKey, error: out.error.message });
      continue;
    }
    await rm(job.runDir, { recursive: true, force: true });
    const summary = await writeFinishedRun(job.runId, job.runDir, configs[i], out.rows, out.state, "wasm batched", out.seconds);
    results.push({ runKey: job.runKey, runId: job.runId, runDir: job.runDir, summary, rows: out.rows, how: "trained" });
  }
  return results;
}
