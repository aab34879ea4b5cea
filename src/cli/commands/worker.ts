import { Command } from "commander";
import { parseQueueUrl } from "../../sweeps/distributed/queue.js";
import { runWorker, type WorkerEvent } from "../../sweeps/distributed/worker.js";
import { parseCount, parseWorkers } from "../parse.js";
import { SpecError } from "../../runs/spec.js";

/** Plain lines on stderr (a worker is a long-lived process whose output goes to logs); progress once a second per run. */
function workerLogger(stream: NodeJS.WriteStream = process.stderr): (e: WorkerEvent) => void {
  const lastProgress = new Map<string, number>();
  const line = (s: string): void => void stream.write(`worker: ${s}\n`);
  return (e) => {
    switch (e.type) {
      case "ready":
        line(`waiting for runs (${e.concurrency} at a time, ${e.threadsPerRun} kernel thread${e.threadsPerRun === 1 ? "" : "s"} each)`);
        break;
      case "started":
        line(`${e.sweep} ${e.runKey}: started (${e.runId}${e.attempt > 1 ? `, attempt ${e.attempt}` : ""})`);
        break;
      case "progress": {
        const key = `${e.sweep} ${e.runKey}`;
        const now = performance.now();
        if (now - (lastProgress.get(key) ?? -Infinity) < 1000 && e.step < e.total) return;
        lastProgress.set(key, now);
        line(`${key}: step ${e.step}/${e.total}`);
        break;
      }
      case "finished":
        lastProgress.delete(`${e.sweep} ${e.runKey}`);
        line(`${e.sweep} ${e.runKey}: ${e.how} in ${e.seconds.toFixed(1)}s`);
        break;
      case "failed":
        line(`${e.sweep} ${e.runKey}: FAILED: ${e.message}`);
        break;
      case "returned":
        line(`${e.sweep} ${e.runKey}: put back in the queue (its checkpoints stay)`);
        break;
      case "error":
        line(`Redis: ${e.message}`);
        break;
    }
  };
}

function parseMs(flag: string, text: string): number {
  const ms = parseCount(flag, text);
  if (ms < 100) throw new SpecError(`${flag}: expected milliseconds ≥ 100, got "${text}"`);
  return ms;
}

export function workerCommand(): Command {
  return new Command("worker")
    .description("train runs of distributed sweeps: pull them from a Redis queue and return the results to the coordinator")
    .requiredOption("--queue <url>", "the Redis the coordinator queues runs on, e.g. redis://127.0.0.1:6379")
    .option("--runs-dir <dir>", "train in <dir>/<run_id> instead of the directory the coordinator named (a retry elsewhere starts over unless it is shared)")
    .option("--concurrency <n>", "runs trained side by side (default: the number of cores)")
    .option("--once", "exit when the queue has no run waiting or running")
    .option("--lock-duration <ms>", "a job's lock; a run of a worker that died is retried after about this long", "30000")
    .option("--stalled-interval <ms>", "how often to look for runs of workers that died", "30000")
    .option("--quiet", "no progress output")
    .action(async (o: { queue: string; runsDir?: string; concurrency?: string; once?: boolean; lockDuration: string; stalledInterval: string; quiet?: boolean }) => {
      const url = parseQueueUrl(o.queue);
      const concurrency = o.concurrency === undefined ? undefined : parseWorkers("--concurrency", o.concurrency);
      const lockDurationMs = parseMs("--lock-duration", o.lockDuration);
      const stalledIntervalMs = parseMs("--stalled-interval", o.stalledInterval);
      const stop = new AbortController();
      const log = o.quiet ? undefined : workerLogger();
      const onSignal = (): void => {
        if (stop.signal.aborted) process.exit(130); // second Ctrl-C: go now; the runs' locks expire and other workers retry them
        process.stderr.write("worker: stopping: taking no more runs, putting the running ones back in the queue (Ctrl-C again to quit now)\n");
        stop.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        const outcome = await runWorker({ url, runsDir: o.runsDir, concurrency, once: o.once === true, lockDurationMs, stalledIntervalMs, signal: stop.signal, onEvent: log });
        process.stdout.write(JSON.stringify({ finished: outcome.finished, failed: outcome.failed, returned: outcome.returned, stopped: outcome.stopped }) + "\n");
        if (outcome.stopped) process.exitCode = 130;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
