/**
 * Runs independent reproduction jobs (one seed each) on worker threads, one per core, so multi-seed tests take the
 * time of the slowest share rather than the sum. Results do not depend on the thread a job runs on: training is a
 * pure function of the config (bit-reproducible), whatever the kernel thread count.
 *   main thread: `await mapOnWorkers(new URL(import.meta.url), items)` from the job module;
 *   the job module also calls `serveWorker(job)` at top level, which acts only inside a worker.
 */
import { isMainThread, parentPort, workerData, Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";

export async function mapOnWorkers<I, O>(module: URL, items: readonly I[]): Promise<O[]> {
  const threads = Math.max(1, Math.min(availableParallelism(), items.length));
  const shares = Array.from({ length: threads }, (_, w) => items.map((item, i) => [i, item] as const).filter(([i]) => i % threads === w));
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<Array<readonly [number, O]>>((resolve, reject) => {
          const worker = new Worker(module, { workerData: { jobs: share.map(([, item]) => item) } });
          worker.once("message", (out: O[]) => resolve(out.map((o, k) => [share[k][0], o] as const)));
          worker.once("error", reject);
        }),
    ),
  );
  const out = new Array<O>(items.length);
  for (const [i, o] of parts.flat()) out[i] = o;
  return out;
}

/** Inside a worker started by mapOnWorkers: run the jobs in order and post the results back. */
export async function serveWorker<I, O>(job: (item: I) => Promise<O>): Promise<void> {
  if (isMainThread || !parentPort || !workerData?.jobs) return;
  const results: O[] = [];
  for (const item of workerData.jobs as I[]) results.push(await job(item));
  parentPort.postMessage(results);
}
