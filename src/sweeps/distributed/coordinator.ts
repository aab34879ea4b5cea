/**
 * Distributed sweep execution: the coordinator enqueues the session's runs on Redis (BullMQ), workers on any
 * machine train them, and the coordinator — the only writer of its store — records each returned result once
 * (session.record is idempotent). Jobs have stable ids (queue.ts jobIdOf), so a coordinator restarted after a
 * crash finds its jobs again: results that finished meanwhile wait in the queue as completed jobs and are
 * collected, missing jobs are enqueued again. A job is removed from Redis only after its result is in the store.
 *
 * Completion events from BullMQ make collection prompt; a periodic check of every outstanding job makes it sure
 * (an event missed while the connection was down, a job lost with a Redis restart).
 */
import { Job, Queue, QueueEvents } from "bullmq";
import { hostname } from "node:os";
import type { SweepSession } from "../coordinator.js";
import type { RunJob, RunJobResult } from "../execute.js";
import type { SweepOutcome, SweepProgress } from "../local.js";
import { checkRedis, connect, disconnect, jobIdOf, outageReporter, QUEUE_NAME, QUEUE_PREFIX, shownUrl } from "./queue.js";

export interface DistributedOptions {
  /** redis://host:port[/db] — the queue the workers serve (`grokscope worker --queue <url>`). */
  readonly url: string;
  /** Stop waiting: the jobs stay queued, the workers go on, and running the sweep again collects their results. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SweepProgress) => void;
  /** One-line notices for the user (runs queued, a worker lost). */
  readonly log?: (line: string) => void;
  /** Tries per run before it is recorded as failed (default 3); a run recovered from a dead worker uses none. */
  readonly attempts?: number;
  /** How often every outstanding job is looked at besides the completion events (default 5 s). */
  readonly pollMs?: number;
  readonly connectTimeoutMs?: number;
}

const BULK = 500; // jobs per addBulk / per batch of state lookups

async function inBatches<T>(items: readonly T[], f: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += BULK) await Promise.all(items.slice(i, i + BULK).map(f));
}

function isResultOf(value: unknown, job: RunJob): value is RunJobResult {
  const r = value as Partial<RunJobResult> | null;
  return typeof r === "object" && r !== null && r.runKey === job.runKey && typeof r.summary === "object" && r.summary !== null && Array.isArray(r.rows);
}

export async function runSweepDistributed(session: SweepSession, opts: DistributedOptions): Promise<SweepOutcome> {
  await checkRedis(opts.url, opts.connectTimeoutMs);
  const url = shownUrl(opts.url);
  const log = opts.log ?? (() => {});
  const name = session.sweep.name;
  const total = session.refs.length;
  let done = total - session.jobs.length;
  let failed = 0, trained = 0, finishedHere = 0;
  const t0 = performance.now();
  const report = (last: SweepProgress["last"]): void => {
    const perRun = finishedHere > 0 ? (performance.now() - t0) / 1000 / finishedHere : null;
    opts.onProgress?.({ done, failed, total, etaSeconds: perRun === null ? null : perRun * (total - done - failed), last });
  };

  const conn = connect(opts.url, `grokscope-coordinator@${hostname()}`);
  const eventsConn = connect(opts.url, `grokscope-coordinator-events@${hostname()}`);
  const queue = new Queue(QUEUE_NAME, {
    connection: conn,
    prefix: QUEUE_PREFIX,
    defaultJobOptions: { attempts: opts.attempts ?? 3, backoff: { type: "fixed", delay: 2000 } },
  });
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConn, prefix: QUEUE_PREFIX });
  const onError = outageReporter(conn, (line) => log(`sweep "${name}": Redis at ${url}: ${line}`));
  queue.on("error", onError);
  events.on("error", onError);

  const outstanding = new Map(session.jobs.map((j) => [jobIdOf(j), j]));
  let storeQueue: Promise<unknown> = Promise.resolve();
  /** The store has one writer: results and failures are written one at a time. */
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const p = storeQueue.then(f);
    storeQueue = p.catch(() => {});
    return p;
  };
  let fatal: unknown = null;
  let closed = false;
  let wake: () => void = () => {};
  const inFlight = new Map<string, Promise<void>>();

  const enqueue = async (jobs: readonly RunJob[]): Promise<void> => {
    for (let i = 0; i < jobs.length; i += BULK) {
      await queue.addBulk(jobs.slice(i, i + BULK).map((job) => ({ name, data: job, opts: { jobId: jobIdOf(job) } })));
    }
  };

  /** Acts on one outstanding job's state: collect its result, record its failure, queue it again, or leave it. */
  const settle = async (id: string, job: RunJob, atStart: boolean): Promise<void> => {
    const state = await queue.getJobState(id);
    if (state === "unknown") {
      await enqueue([job]); // never queued, or lost with Redis: queue it again
    } else if (state === "completed") {
      const j = await Job.fromId(queue, id);
      if (!j) return; // removed in between: the next look queues it again
      if (!isResultOf(j.returnvalue, job)) throw new Error(`sweep "${name}": job ${id} returned no result for run ${job.runKey}`);
      const result = j.returnvalue;
      const isNew = await serial(() => session.record(result));
      outstanding.delete(id);
      await j.remove(); // only now: a crash before this line leaves the result for the next coordinator
      if (isNew) {
        done++;
        trained++;
        finishedHere++;
      }
      report({ runKey: job.runKey, how: result.how });
    } else if (state === "failed") {
      const j = await Job.fromId(queue, id);
      if (atStart) {
        await j?.remove(); // failed under an earlier coordinator: this run of the sweep tries it afresh
        await enqueue([job]);
        return;
      }
      const message = j?.failedReason ?? "failed";
      await serial(() => session.fail(job.runKey, message));
      outstanding.delete(id);
      await j?.remove();
      failed++;
      report({ runKey: job.runKey, how: "failed", message });
    }
  };
  const check = (id: string, atStart = false): Promise<void> => {
    const job = outstanding.get(id);
    if (!job || closed) return Promise.resolve();
    const running = inFlight.get(id);
    if (running) return running;
    const p = settle(id, job, atStart)
      .catch((e: unknown) => {
        fatal ??= e;
      })
      .finally(() => {
        inFlight.delete(id);
        wake();
      });
    inFlight.set(id, p);
    return p;
  };
  const checkAll = (atStart = false): Promise<void> => inBatches([...outstanding.keys()], (id) => check(id, atStart));
  events.on("completed", ({ jobId }) => void check(jobId));
  events.on("failed", ({ jobId }) => void check(jobId));
  events.on("stalled", ({ jobId }) => {
    const job = outstanding.get(jobId);
    if (job) log(`sweep "${name}": the worker training ${job.runKey} stopped answering; the run goes back in the queue`);
  });

  let poll: NodeJS.Timeout | undefined;
  const onAbort = (): void => wake();
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]); // listening before looking: no completion slips between
    // jobs of runs already recorded (a crash between recording and removing) are only clutter now
    const configOf = new Map(session.sweep.runs.map((r) => [r.runKey, r.config]));
    await inBatches(
      session.refs.filter((r) => r.status === "done" && configOf.has(r.runKey)),
      async (r) => void (await queue.remove(jobIdOf({ sweep: name, runKey: r.runKey, config: configOf.get(r.runKey)! }))),
    );
    report(undefined);
    const before = outstanding.size;
    await checkAll(true);
    if (fatal) throw fatal;
    const collected = before - outstanding.size;
    if (outstanding.size > 0) {
      log(
        `sweep "${name}": ${outstanding.size} runs queued on ${url}${collected > 0 ? ` (${collected} results collected from the queue)` : ""}; ` +
          `start workers with: grokscope worker --queue ${url}`,
      );
    }
    const finishedAll = new Promise<void>((resolve) => {
      wake = () => {
        if (outstanding.size === 0 || fatal || opts.signal?.aborted) resolve();
      };
      wake();
    });
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const tick = (): void => {
      if (!closed) poll = setTimeout(() => void checkAll().then(tick), opts.pollMs ?? 5000);
    };
    tick();
    await finishedAll;
    if (fatal) throw fatal;
  } finally {
    closed = true;
    clearTimeout(poll);
    await Promise.allSettled([...inFlight.values()]);
    opts.signal?.removeEventListener("abort", onAbort);
    await events.close();
    await queue.close();
    await Promise.all([disconnect(conn), disconnect(eventsConn)]);
  }
  return { trained, failed, interrupted: outstanding.size > 0 };
}
