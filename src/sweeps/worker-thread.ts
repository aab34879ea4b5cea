/**
 * A local sweep worker: a worker thread that trains the jobs its parent posts, one at a time, and posts back each
 * result. It never touches the run store (the parent records results). Messages:
 *   in:  { type: "job", job: RunJob, threads } | { type: "abort" }
 *   out: { type: "result", result } | { type: "failed", runKey, message, interrupted } | { type: "progress", runKey, step, total }
 *        | { type: "batch-progress", done, total } | { type: "batch-done" }
 */
import { parentPort } from "node:worker_threads";
import { RunInterrupted } from "../runs/run.js";
import { executeBatchJob, executeRunJob, type RunJob } from "./execute.js";

export type ToWorker = { type: "job"; job: RunJob; threads: number } | { type: "batch"; jobs: RunJob[]; threads: number } | { type: "abort" };
export type FromWorker =
  | { type: "result"; result: Awaited<ReturnType<typeof executeRunJob>> }
  | { type: "failed"; runKey: string; message: string; interrupted: boolean }
  | { type: "progress"; runKey: string; step: number; total: number }
  /** A batch's model-steps done (at most one a second). */
  | { type: "batch-progress"; done: number; total: number }
  /** After a batch: every job of it has had its "result" or "failed". */
  | { type: "batch-done" };

if (parentPort) {
  const port = parentPort;
  const abort = new AbortController();
  const post = (m: FromWorker): void => port.postMessage(m);
  port.on("message", (m: ToWorker) => {
    if (m.type === "abort") {
      abort.abort();
      return;
    }
    if (m.type === "batch") {
      let postedAt = -Infinity;
      const onBatchProgress = (done: number, total: number): void => {
        if (performance.now() - postedAt < 1000) return;
        postedAt = performance.now();
        post({ type: "batch-progress", done, total });
      };
      executeBatchJob(m.jobs, { threads: m.threads, signal: abort.signal, onBatchProgress }).then(
        (results) => {
          for (const r of results) post("error" in r ? { type: "failed", runKey: r.runKey, message: r.error, interrupted: false } : { type: "result", result: r });
          post({ type: "batch-done" });
        },
        (e: unknown) => {
          for (const j of m.jobs) post({ type: "failed", runKey: j.runKey, message: (e as Error).message, interrupted: e instanceof RunInterrupted });
          post({ type: "batch-done" });
        },
      );
      return;
    }
    const { job } = m;
    executeRunJob(job, { threads: m.threads, signal: abort.signal, onProgress: (p) => post({ type: "progress", runKey: job.runKey, step: p.step, total: p.total }) }).then(
      (result) => post({ type: "result", result }),
      (e: unknown) => post({ type: "failed", runKey: job.runKey, message: (e as Error).message, interrupted: e instanceof RunInterrupted }),
    );
  });
}
