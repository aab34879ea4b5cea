/**
 * Trains the pair-five-neuron preset for a list of seeds and reports each run's end state, on worker threads so the
 * R4 test can train its seeds on every core. Training is the same code as
 * `grokscope train pair-five-neuron --seed s`, so a seed's outcome does not depend on which thread trains it.
 */
import { fiveNeuronGeometry } from "../../src/models/five-neuron.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { trainHistory } from "./train-history.js";
import { mapOnWorkers, serveWorker } from "./worker-pool.js";

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

/** Every seed's outcome, in the order given, trained on worker threads (one per core). */
export function fiveNeuronOutcomes(seeds: readonly number[]): Promise<SeedOutcome[]> {
  return mapOnWorkers<number, SeedOutcome>(new URL(import.meta.url), seeds);
}

await serveWorker(outcome);
