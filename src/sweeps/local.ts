/**
 * Local sweep execution: the session's jobs trained by a pool of worker threads (one run each at a time, one
 * kernel thread each), or in this thread when there is one worker. Results are recorded as they arrive, so a
 * sweep stopped anywhere keeps every finished run and resumes the others from their checkpoints.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { RunInterrupted } from "../runs/run.js";
import type { SweepSession } from "./coordinator.js";
import { executeRunJob, type RunJob, type RunJobResult } from "./execute.js";
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
    for (const job of jobs) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      try {
        await onResult(await executeRunJob(job, { signal: opts.signal, threads: threadsPerRun }));
      } catch (e) {
        await onFailure(job.runKey, (e as Error).message, e instanceof RunInterrupted);
        if (e instanceof RunInterrupted) break;
      }
    }
    return { trained: finishedHere, failed, interrupted };
  }

  await new Promise<void>((resolveAll, rejectAll) => {
    const pool: Worker[] = [];
    let active = 0;
    let chain = Promise.resolve(); // results are recorded one at a time, in arrival order
    const next = (w: Worker): void => {
      const job = opts.signal?.aborted ? undefined : jobs.shift();
      if (!job) {
        void w.terminate();
        if (--active === 0) chain.then(resolveAll, rejectAll);
        return;
      }
      w.postMessage({ type: "job", job, threads: threadsPerRun } satisfies ToWorker);
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
        chain = chain.then(() => (m.type === "result" ? onResult(m.result) : onFailure(m.runKey, m.message, m.interrupted)));
        chain.then(() => next(w), rejectAll);
      });
      w.on("error", (e) => rejectAll(e));
      next(w);
    }
  });
  return { trained: finishedHere, failed, interrupted };
}

export type { RunJob };
