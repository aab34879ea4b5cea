/**
 * A remote sweep worker: pulls run jobs from the queue, trains each in its run directory (resuming from the
 * checkpoints there, when this machine can reach them) and returns the result to the coordinator through BullMQ.
 * It owns no store and keeps no state. A worker that dies mid-run loses its job's lock; after `lockDurationMs`
 * another worker's stalled check puts the job back in the queue and it is trained again — BullMQ's retries and
 * stalled-job detection, not ours.
 */
import { availableParallelism, hostname } from "node:os";
import { join, resolve } from "node:path";
import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from "bullmq";
import { runThreads } from "../../tensor/backend-select.js";
import { RunInterrupted } from "../../runs/run.js";
import type { RunJob, RunJobResult } from "../execute.js";
import { checkRedis, connect, disconnect, isRunJob, outageReporter, QUEUE_NAME, QUEUE_PREFIX } from "./queue.js";
import { trainerPool } from "./trainer.js";

export interface WorkerOptions {
  readonly url: string;
  /** Train in <runsDir>/<runId> instead of the run directory the coordinator named (a retry elsewhere then starts over unless the directory is shared). */
  readonly runsDir?: string;
  /** Runs trained side by side (default: the number of cores, one kernel thread each). */
  readonly concurrency?: number;
  /** Return once the queue has no job waiting, delayed or running (useful in tests and batch jobs). */
  readonly once?: boolean;
  /** How long a job's lock lasts unless renewed; a dead worker's job is retried after about this long (default 30 s). */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs of dead workers (default 30 s). */
  readonly stalledIntervalMs?: number;
  /** Times a run may be recovered from a dead worker before it is failed (default 5). */
  readonly maxStalledCount?: number;
  /** Stop: take no more jobs, put the running ones back in the queue (their checkpoints stay), then return. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: WorkerEvent) => void;
  readonly connectTimeoutMs?: number;
}

export type WorkerEvent =
  | { readonly type: "ready"; readonly concurrency: number; readonly threadsPerRun: number }
  | { readonly type: "started"; readonly sweep: string; readonly runKey: string; readonly runId: string; readonly attempt: number }
  | { readonly type: "progress"; readonly sweep: string; readonly runKey: string; readonly step: number; readonly total: number }
  | { readonly type: "finished"; readonly sweep: string; readonly runKey: string; readonly how: RunJobResult["how"]; readonly seconds: number }
  | { readonly type: "failed"; readonly sweep: string; readonly runKey: string; readonly message: string }
  | { readonly type: "returned"; readonly sweep: string; readonly runKey: string }
  | { readonly type: "error"; readonly message: string };

export interface WorkerOutcome {
  readonly finished: number;
  readonly failed: number;
  /** Runs put back in the queue when the worker was stopped. */
  readonly returned: number;
  readonly stopped: boolean;
}

/** Progress goes to Redis at most this often per job (each update is a write and an event). */
const PROGRESS_EVERY_MS = 1000;
const ONCE_CHECK_MS = 500;

export async function runWorker(opts: WorkerOptions): Promise<WorkerOutcome> {
  await checkRedis(opts.url, opts.connectTimeoutMs);
  const concurrency = Math.max(1, opts.concurrency ?? availableParallelism());
  const threadsPerRun = runThreads(Math.max(1, Math.floor(availableParallelism() / concurrency)));
  const lockDuration = opts.lockDurationMs ?? 30_000;
  const emit = opts.onEvent ?? (() => {});
  const stop = new AbortController(); // aborts the runs in training
  let finished = 0, failed = 0, returned = 0;
  const pool = trainerPool();

  const processor = async (job: Job, token?: string): Promise<RunJobResult> => {
    if (!isRunJob(job.data)) throw new UnrecoverableError(`job ${job.id}: not a grokscope run job`);
    const data: RunJob = job.data;
    const runJob = opts.runsDir === undefined ? data : { ...data, runDir: join(resolve(opts.runsDir), data.runId) };
    const tag = { sweep: data.sweep, runKey: data.runKey };
    emit({ type: "started", ...tag, runId: data.runId, attempt: job.attemptsStarted });
    const t0 = performance.now();
    let lastSent = -Infinity;
    try {
      const result = await pool.train(runJob, {
        threads: threadsPerRun,
        signal: stop.signal,
        onProgress: (p) => {
          emit({ type: "progress", ...tag, step: p.step, total: p.total });
          const now = performance.now();
          if (now - lastSent < PROGRESS_EVERY_MS && p.step < p.total) return;
          lastSent = now;
          job.updateProgress({ step: p.step, total: p.total }).catch(() => {}); // progress is best effort
        },
      });
      finished++;
      emit({ type: "finished", ...tag, how: result.how, seconds: (performance.now() - t0) / 1000 });
      return result;
    } catch (e) {
      if (e instanceof RunInterrupted && token !== undefined) {
        await job.moveToWait(token); // not an attempt: another worker resumes it from its checkpoints
        returned++;
        emit({ type: "returned", ...tag });
        throw new WaitingError();
      }
      failed++;
      emit({ type: "failed", ...tag, message: (e as Error).message });
      throw e;
    }
  };

  const main = connect(opts.url, `grokscope-worker@${hostname()}`);
  const worker = new Worker(QUEUE_NAME, processor, {
    connection: main,
    prefix: QUEUE_PREFIX,
    concurrency,
    lockDuration,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: opts.maxStalledCount ?? 5,
    name: `${hostname()}:${process.pid}`,
    autorun: false,
  });
  worker.on("error", outageReporter(main, (message) => emit({ type: "error", message })));

  // Closing the worker stops it taking jobs and waits for the running ones, which the abort sends back to the queue.
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const done = worker.close();
      stop.abort();
      await done;
    })();
    return closing;
  };
  let stopped = false;
  const onSignal = (): void => {
    stopped = true;
    void close();
  };
  if (opts.signal?.aborted) onSignal();
  else opts.signal?.addEventListener("abort", onSignal, { once: true });

  let onceTimer: NodeJS.Timeout | undefined;
  let counter: Queue | undefined;
  if (opts.once) {
    counter = new Queue(QUEUE_NAME, { connection: main, prefix: QUEUE_PREFIX });
    counter.on("error", () => {});
    const check = async (): Promise<void> => {
      try {
        const counts = await counter!.getJobCounts("wait", "active", "delayed", "prioritized", "waiting-children");
        if (Object.values(counts).every((n) => n === 0)) {
          void close();
          return;
        }
      } catch {
        // Redis unreachable for a moment: look again
      }
      if (!closing) onceTimer = setTimeout(check, ONCE_CHECK_MS);
    };
    onceTimer = setTimeout(check, ONCE_CHECK_MS);
  }

  emit({ type: "ready", concurrency, threadsPerRun });
  try {
    await worker.run();
    await close();
  } finally {
    clearTimeout(onceTimer);
    opts.signal?.removeEventListener("abort", onSignal);
    await counter?.close();
    await pool.close();
    await disconnect(main);
  }
  return { finished, failed, returned, stopped };
}
