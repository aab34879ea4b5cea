/**
 * Local sweep execution: the session's jobs trained by a pool of worker threads (one run each at a time, one
 * kernel thread each), or in this thread when there is one worker. Results are recorded as they arrive, so a
 * sweep stopped anywhere keeps every finished run and resumes the others from their checkpoints.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { runThreads } from "../tensor/backend-select.js";
import { RunInterrupted } from "../runs/run.js";
import type { SweepSession } from "./coordinator.js";
import { batchCost, batchKey, WAVE } from "./batched/index.js";
import { executeBatchJob, executeRunJob, type RunJob, type RunJobResult } from "./execute.js";
import { ProgressTally } from "./progress-tally.js";
import type { FromWorker, ToWorker } from "./worker-thread.js";

export interface SweepProgress {
  readonly done: number;
  readonly failed: number;
  readonly total: number;
  /** Seconds left: from the work done so far where it is known (local sweeps), else from the mean time per finished run; null before either. */
  readonly etaSeconds: number | null;
  /** Training steps done and to do, summed over this session's runs, finished or under way (local sweeps). */
  readonly steps?: { readonly done: number; readonly total: number };
  /** The same steps weighted by each run's cost per step (progress-tally.ts): what the bar and the ETA go by. */
  readonly work?: { readonly done: number; readonly total: number };
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

const jobsOf = (u: Unit): readonly RunJob[] => (u.kind === "job" ? [u.job] : u.jobs);
const cost = (u: Unit): number => (u.kind === "job" ? batchCost(u.job.config) : u.jobs.reduce((s, j) => s + batchCost(j.config), 0));

/**
 * Batchable jobs grouped by batch key, each group dealt over the workers so every core gets a batch — the costliest
 * job first to the batch with the least work so far, so the batches finish together; the rest alone. A batch is
 * handed out in waves of at most WAVE models (what the batched trainer holds in memory at once), so results are
 * recorded wave by wave rather than at the end of a worker's whole share.
 */
function planUnits(jobs: readonly RunJob[], workers: number, batch: boolean): Unit[] {
  const groups = new Map<string, RunJob[]>();
  const units: Unit[] = [];
  for (const job of jobs) {
    const key = batch ? batchKey(job.config) : null;
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
    const waves: Unit[] = [];
    for (const b of batches) for (let i = 0; i < b.jobs.length; i += WAVE) waves.push({ kind: "batch", jobs: b.jobs.slice(i, i + WAVE) });
    // the costliest waves first (each worker's share starts with its costliest jobs): a worker that runs out last
    // is left with a cheap wave
    units.unshift(...waves.sort((a, b) => cost(b) - cost(a)));
  }
  return units;
}

/** Progress within units under way: at most one report per this many ms (a batch steps thousands of times a second). */
const PROGRESS_EVERY_MS = 1000;

export async function runSweepLocal(session: SweepSession, opts: LocalOptions = {}): Promise<SweepOutcome> {
  const jobs = [...session.jobs];
  const total = session.refs.length;
  let done = total - jobs.length;
  let failed = 0;
  let interrupted = false;
  const t0 = performance.now();
  let finishedHere = 0;
  const workers = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), jobs.length || 1));
  const threadsPerRun = runThreads(Math.max(1, Math.floor(defaultWorkers() / workers)));
  const units = planUnits(jobs, workers, opts.batch !== false);
  // training steps: of runs finished or failed, and of the units under way (keyed by worker)
  const tally = new ProgressTally(jobs);
  let reportedAt = -Infinity;
  const report = (last: SweepProgress["last"]): void => {
    const elapsed = (performance.now() - t0) / 1000;
    const etaSeconds = tally.etaSeconds(elapsed) ?? (finishedHere > 0 ? (elapsed / finishedHere) * (total - done - failed) : null);
    reportedAt = performance.now();
    opts.onProgress?.({ done, failed, total, etaSeconds, steps: tally.steps, work: tally.work, last });
  };
  const underWay = (key: unknown, stepsDone: number): void => {
    tally.progress(key, stepsDone);
    if (performance.now() - reportedAt >= PROGRESS_EVERY_MS) report(undefined);
  };
  const ended = (runKey: string): void => tally.ended(runKey);
  // a batch's runs end together: their results go to the store in one transaction
  const onResults = async (rs: readonly RunJobResult[]): Promise<void> => {
    if (rs.length === 0) return;
    await session.recordMany(rs);
    for (const r of rs) {
      done++;
      finishedHere++;
      ended(r.runKey);
      report({ runKey: r.runKey, how: r.how });
    }
  };
  const onFailure = async (runKey: string, message: string, wasInterrupt: boolean): Promise<void> => {
    if (wasInterrupt) {
      interrupted = true;
      return;
    }
    await session.fail(runKey, message);
    failed++;
    ended(runKey);
    report({ runKey, how: "failed", message });
  };
  report(undefined);

  if (workers === 1) {
    for (const unit of units) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      const unitJobs = jobsOf(unit);
      tally.start(unit, unitJobs);
      try {
        if (unit.kind === "job") {
          const result = await executeRunJob(unit.job, { signal: opts.signal, threads: threadsPerRun, onProgress: (p) => underWay(unit, p.step) });
          tally.clear(unit);
          await onResults([result]);
        } else {
          const results = await executeBatchJob(unit.jobs, { signal: opts.signal, threads: threadsPerRun, onBatchProgress: (n) => underWay(unit, n) });
          tally.clear(unit);
          await onResults(results.filter((r): r is RunJobResult => !("error" in r)));
          for (const r of results) if ("error" in r) await onFailure(r.runKey, r.error, false);
        }
      } catch (e) {
        tally.clear(unit);
        for (const j of unitJobs) await onFailure(j.runKey, (e as Error).message, e instanceof RunInterrupted);
        if (e instanceof RunInterrupted) break;
      }
    }
    return { trained: finishedHere, failed, interrupted };
  }

  await new Promise<void>((resolveAll, rejectAll) => {
    const pool: Worker[] = [];
    let active = 0;
    let chain = Promise.resolve(); // results are recorded in arrival order: those that arrived while the store was busy together
    const arrived: RunJobResult[] = [];
    const recordArrived = (): Promise<void> => onResults(arrived.splice(0));
    const inBatch = new Set<Worker>();
    const next = (w: Worker): void => {
      const unit = opts.signal?.aborted ? undefined : units.shift();
      if (!unit) {
        void w.terminate();
        if (--active === 0) chain.then(resolveAll, rejectAll);
        return;
      }
      tally.start(w, jobsOf(unit));
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
        if (m.type === "progress") return underWay(w, m.step);
        if (m.type === "batch-progress") return underWay(w, m.done);
        if (m.type === "batch-done" || !inBatch.has(w)) tally.clear(w); // its runs' steps count as ended when recorded
        if (m.type === "result") {
          arrived.push(m.result);
          chain = chain.then(recordArrived);
        } else if (m.type !== "batch-done") chain = chain.then(() => onFailure(m.runKey, m.message, m.interrupted));
        if (m.type === "batch-done" || !inBatch.has(w)) chain.then(() => next(w), rejectAll);
      });
      w.on("error", (e) => rejectAll(e));
      next(w);
    }
  });
  return { trained: finishedHere, failed, interrupted };
}

export type { RunJob };
