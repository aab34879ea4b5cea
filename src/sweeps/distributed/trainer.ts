/**
 * A remote worker trains each job in a worker thread (the local sweep's worker-thread.ts), so its main thread
 * stays free to renew BullMQ's job locks on time: a step that blocked it longer than the lock would make the job
 * look stalled and train twice. Threads are reused; one that was aborted or crashed is dropped.
 */
import { Worker } from "node:worker_threads";
import type { Progress } from "../../runs/run.js";
import { RunInterrupted } from "../../runs/run.js";
import type { RunJob, RunJobResult } from "../execute.js";
import type { FromWorker, ToWorker } from "../worker-thread.js";

export interface TrainOptions {
  readonly threads: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Pick<Progress, "step" | "total">) => void;
}

export interface TrainerPool {
  /** Trains the job in a thread; rejects with RunInterrupted when `signal` stopped it. */
  train(job: RunJob, opts: TrainOptions): Promise<RunJobResult>;
  close(): Promise<void>;
}

export function trainerPool(): TrainerPool {
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  const spawn = (): Worker => {
    const w = new Worker(new URL("../worker-thread.js", import.meta.url));
    all.add(w);
    w.once("exit", () => all.delete(w));
    return w;
  };
  return {
    train(job, opts) {
      const w = idle.pop() ?? spawn();
      return new Promise<RunJobResult>((resolve, reject) => {
        let aborted = false;
        const onAbort = (): void => {
          aborted = true;
          w.postMessage({ type: "abort" } satisfies ToWorker);
        };
        const finish = (keep: boolean): void => {
          opts.signal?.removeEventListener("abort", onAbort);
          w.off("message", onMessage);
          w.off("error", onError);
          w.off("exit", onExit);
          if (keep && !aborted) idle.push(w);
          else void w.terminate(); // its abort flag stays set: no further job could run in it
        };
        const onMessage = (m: FromWorker): void => {
          if (m.type === "progress") {
            if (m.runKey === job.runKey) opts.onProgress?.({ step: m.step, total: m.total });
            return;
          }
          if (m.type === "batch-done" || m.type === "batch-progress") return; // this worker is only sent single jobs
          finish(true);
          if (m.type === "result") resolve(m.result);
          else reject(m.interrupted ? new RunInterrupted(m.message) : new Error(m.message));
        };
        const onError = (e: Error): void => {
          finish(false);
          reject(e);
        };
        const onExit = (code: number): void => {
          finish(false);
          reject(new Error(`the training thread exited (code ${code}) before finishing run ${job.runKey}`));
        };
        w.on("message", onMessage);
        w.on("error", onError);
        w.on("exit", onExit);
        if (opts.signal?.aborted) onAbort();
        else opts.signal?.addEventListener("abort", onAbort, { once: true });
        w.postMessage({ type: "job", job, threads: opts.threads } satisfies ToWorker);
      });
    },
    async close() {
      idle.length = 0;
      await Promise.all([...all].map((w) => w.terminate()));
    },
  };
}
