/**
 * Trains the pair-five-neuron preset for a list of seeds and reports each run's end state; run as a worker thread
 * (workerData = { seeds }) so the R4 test can train its seeds on every core. Training is the same code as
 * `grokscope train pair-five-neuron --seed s`, so a seed's outcome does not depend on which thread trains it.
 */
import { isMainThread, parentPort, workerData, Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { fiveNeuronGeometry } from "../../src/models/five-neuron.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { trainHistory } from "./train-history.js";

export interface SeedOutcome {
  readonly seed: number;
  readonly trainAcc: number;
  readonly testAcc: number;
  readonly geometry: ReturnType<typeof fiveNeuronGeometry>;
}

async function outcome(seed: number): Promise<SeedOutcome> {
  const config = normalizeSpec({ ...presetSpec("pair-five-neuron"), seed });
  let geometry: ReturnType<typeof fiveNeuronGeometry> | undefined;
  const points = await trainHistory(config, (s) => s === config.steps, (_s, state) => {
    geometry = fiveNeuronGeometry(state.params);
    return {};
  });
  const end = points[points.length - 1];
  return { seed, trainAcc: end.train_acc, testAcc: end.test_acc, geometry: geometry! };
}

/** Every seed's outcome, in the order given, trained on min(cores, seeds) worker threads. */
export async function fiveNeuronOutcomes(seeds: readonly number[]): Promise<SeedOutcome[]> {
  const threads = Math.max(1, Math.min(availableParallelism(), seeds.length));
  const shares = Array.from({ length: threads }, (_, w) => seeds.filter((_s, i) => i % threads === w));
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<SeedOutcome[]>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { seeds: share } });
          worker.once("message", resolve);
          worker.once("error", reject);
        }),
    ),
  );
  const all = parts.flat();
  return seeds.map((s) => all.find((o) => o.seed === s)!);
}

if (!isMainThread && parentPort && workerData?.seeds) {
  const results: SeedOutcome[] = [];
  for (const seed of workerData.seeds as number[]) results.push(await outcome(seed));
  parentPort.postMessage(results);
}
