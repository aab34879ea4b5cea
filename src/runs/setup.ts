import { buildModel } from "../models/registry.js";
import { buildTask } from "../tasks/registry.js";
import type { Backend } from "../tensor/backend.js";
import { createBackend } from "../tensor/backend-select.js";
import { fold, keyFromSeed } from "../tensor/rng.js";
import { cloneParams, zerosLike, type Params } from "../tensor/tensor.js";
import { getLoss } from "../train/losses.js";
import type { TrainSetup, TrainState } from "../train/loop.js";
import { createOptimizer } from "../train/optimizers.js";
import { makeSchedule } from "../train/schedules.js";
import { grokfastInit } from "../train/grokfast.js";
import type { RunConfig } from "./spec.js";

/**
 * Everything a run computes with, built from its config alone. The seed's key is folded once per use
 * ("task", "init", "batches"), so changing e.g. the batch size never changes the split or the initialization.
 * `opts.backend` replaces the config's backend (benchmarks time one spec on several).
 */
export async function buildSetup(config: RunConfig, opts: { backend?: Backend } = {}): Promise<{ setup: TrainSetup; state: TrainState; init: Params }> {
  const key = keyFromSeed(config.seed);
  const data = buildTask(config.task, fold(key, "task"));
  const backend = opts.backend ?? (await createBackend(config.backend, { threads: config.threads }));
  const model = buildModel(config.model, data, backend);
  const optimizer = createOptimizer(config.optimizer);
  const params = model.init(fold(key, "init"));
  const setup: TrainSetup = {
    model,
    data,
    backend,
    loss: getLoss(config.loss),
    optimizer,
    schedule: makeSchedule(config.schedule, config.optimizer.lr, config.steps),
    batchSize: config.batch_size,
    key: fold(key, "batches"),
    grokfast: config.grokfast,
  };
  const state: TrainState = { params, grads: zerosLike(params, (n) => backend.alloc(n)), opt: optimizer.init(params), grokfast: config.grokfast ? grokfastInit(params, config.grokfast) : null, step: 0 };
  return { setup, state, init: cloneParams(params) };
}
