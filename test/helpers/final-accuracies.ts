/**
 * Trains a preset for one seed in memory and reports its final accuracies on train, test and every further split
 * (e.g. Wang et al.'s OOD test); run on worker threads by `finalAccuracies` (see worker-pool.ts).
 */
import { presetSpec } from "../../src/runs/presets/index.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { buildSetup } from "../../src/runs/setup.js";
import { evaluate, trainStep } from "../../src/train/loop.js";
import { mapOnWorkers, serveWorker } from "./worker-pool.js";

export interface Job {
  readonly preset: string;
  readonly seed: number;
  readonly steps?: number;
}

export interface Accuracies {
  readonly job: Job;
  readonly train: number;
  readonly test: number;
  /** Further splits by name (`ood`, `domain/add/test`, …). */
  readonly splits: Record<string, number>;
  readonly chance: number;
}

async function run(job: Job): Promise<Accuracies> {
  const config = normalizeSpec({ ...presetSpec(job.preset), seed: job.seed, ...(job.steps === undefined ? {} : { steps: job.steps }), threads: 1 });
  const { setup, state } = await buildSetup(config);
  try {
    while (state.step < config.steps) trainStep(setup, state);
    const data = setup.data;
    const splits: Record<string, number> = {};
    if (data.kind === "tokens") for (const [name, split] of Object.entries(data.evalSplits ?? {})) splits[name] = evaluate(setup, state, split).acc;
    return { job, train: evaluate(setup, state, data.train).acc, test: evaluate(setup, state, data.test).acc, splits, chance: 1 / data.nClasses };
  } finally {
    setup.backend.dispose();
  }
}

export function finalAccuracies(jobs: readonly Job[]): Promise<Accuracies[]> {
  return mapOnWorkers<Job, Accuracies>(new URL(import.meta.url), jobs);
}

await serveWorker(run);
