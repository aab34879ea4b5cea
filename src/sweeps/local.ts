/**
 * Local sweep execution: the session's jobs trained by a pool of worker threads (one run each at a time, one
 * kernel thread each), or in this thread when there is one worker. Results are recorded as they arrive, so a
 * sweep stopped anywhere keeps every finished run and resumes the others from their checkpoints.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { RunInterrupted } from "../runs/run.js";
import type { SweepSession } from "./coordinator.js";
import { batchCost } from "./batched/index.js";
import { batchableJob, executeBatchJob, executeRunJob, type RunJob, type RunJobResult } from "./execute.js";
import type { FromWorker, ToWorker } from "./worker-thread.js";

export interface SweepProgress {
  readonly done: number;
  readonly failed: number;
  readonly total: number;
  /** Seconds left, from the mean time per finished run (null before the first). */
  readonly etaSeconds: number | null;
  readonly last?: { readonly runKey: string; readonly how: RunJobResult["how"] | "failed"; readonly message?: string };
}

export interface LocalOptions {
  /** Runs trained side by side (default: the number of cores). */
  readonly workers?: number;
  /** Train runs of the same shape together in batched kernels (default true; results are identical either way). */
  readonly batch?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SweepProgress) => void;
}

export interface SweepOutcome {
  readonly trained: number;
  readonly failed: number;
  readonly interrupted: boolean;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** What one worker trains at a time: a run alone, or runs that batch together. */
type Unit = { kind: "job"; job: RunJob } | { kind: "batch"; jobs: RunJob[] };

/**
 * Batchable jobs grouped by batch key, each group dealt over the workers so every core gets a batch — the costliest
 * job first to the batch with the least work so far, so the batches finish together; the rest alone.
 */
async function planUnits(jobs: readonly RunJob[], workers: number, batch: boolean): Promise<Unit[]> {
  const groups = new Map<string, RunJob[]>();
  const units: Unit[] = [];
  for (const job of jobs) {
    const key = batch ? await batchableJob(job) : null;
    if (key === null) units.push({ kind: "job", job });
    else groups.set(key, [...(groups.get(key) ?? []), job]);
  }
  for (const group of groups.values()) {
    if (group.length === 1) {
      units.push({ kind: "job", job: group[0] });
      continue;
    }
    const chunks = Math.min(workers, Math.floor(group.length / 2)) || 1;
    const batches = Array.from({ length: chunks }, () => ({ jobs: [] as RunJob[], cost: 0 }));
    for (const job of [...group].sort((a, b) => batchCost(b.config) - batchCost(a.config))) {
      const least = batches.reduce((m, b) => (b.cost < m.cost ? b : m));
      least.jobs.push(job);
      least.cost += batchCost(job.config);
    }
    for (const b of batches) units.unshift({ kind: "batch", jobs: b.jobs });
  }
  return units;
}

export async function runSweepLocal(session: SweepSession, opts: LocalOptions = {}): Promise<SweepOutcome> {
  const jobs = [...session.jobs];
  const total = session.refs.length;
  let done = total - jobs.length;
  let failed = 0;
  let interrupted = false;
  const t0 = performance.now();
  let finishedHere = 0;
  const workers = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), jobs.length || 1));
  const threadsPerRun = Math.max(1, Math.floor(defaultWorkers() / workers));
  const units = await planUnits(jobs, workers, opts.batch !== false);
  const report = (last: SweepProgress["last"]): void => {
    const perRun = finishedHere > 0 ? (performance.now() - t0) / 1000 / finishedHere : null;
    opts.onProgress?.({ done, failed, total, etaSeconds: perRun === null ? null : (perRun * (total - done - failed)), last });
  };
  const onResult = async (r: RunJobResult): Promise<void> => {
    await session.record(r);
    done++;
    finishedHere++;
    report({ runKey: r.runKey, how: r.how });
  };
  const onFailure = async (runKey: string, message: string, wasInterrupt: boolean): Promise<void> => {
    if (wasInterrupt) {
      interrupted = true;
      return;
    }
    await session.fail(runKey, message);
    failed++;
    report({ runKey, how: "failed", message });
  };
  report(undefined);

  if (workers === 1) {
    for (const unit of units) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      const unitJobs = unit.kind === "job" ? [unit.job] : unit.jobs;
      try {
        if (unit.kind === "job") await onResult(await executeRunJob(unit.job, { signal: opts.signal, threads: threadsPerRun }));
        else for (const r of await executeBatchJob(unit.jobs, { signal: opts.signal, threads: threadsPerRun })) await ("error" in r ? onFailure(r.runKey, r.error, false) : onResult(r));
      } catch (e) {
        for (const j of unitJobs) await onFailure(j.runKey, (e as Error).message, e instanceof RunInterrupted);
        if (e instanceof RunInterrupted) break;
      }
    }
    return { trained: finishedHere, failed, interrupted };
  }

  await new Promise<void>((resolveAll, rejectAll) => {
    const pool: Worker[] = [];
    let active = 0;
    let chain = Promise.resolve(); // results are recorded one at a time, in arrival order
    const inBatch = new Set<Worker>();
    const next = (w: Worker): void => {
      const unit = opts.signal?.aborted ? undefined : units.shift();
      if (!unit) {
        void w.terminate();
        if (--active === 0) chain.then(resolveAll, rejectAll);
        return;
      }
      if (unit.kind === "batch") inBatch.add(w);
      else inBatch.delete(w);
      w.postMessage(unit.kind === "job" ? ({ type: "job", job: unit.job, threads: threadsPerRun } satisfies ToWorker) : ({ type: "batch", jobs: unit.jobs, threads: threadsPerRun } satisfies ToWorker));
    };
    const onAbort = (): void => {
      interrupted = true;
      for (const w of pool) w.postMessage({ type: "abort" } satisfies ToWorker);
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    for (let i = 0; i < workers; i++) {
      const w = new Worker(new URL("./worker-thread.js", import.meta.url));
      pool.push(w);
      active++;
      w.on("message", (m: FromWorker) => {
        if (m.type === "progress") return;
        if (m.type !== "batch-done") chain = chain.then(() => (m.type === "result" ? onResult(m.result) : onFailure(m.runKey, m.message, m.interrupted)));
        if (m.type === "batch-done" || !inBatch.has(w)) chain.then(() => next(w), rejectAll);
      });
      w.on("error", (e) => rejectAll(e));
      next(w);
    }
  });
  return { trained: finishedHere, failed, interrupted };
}

export type { RunJob };
