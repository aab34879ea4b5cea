import type { Model } from "../models/model.js";
import type { Dataset } from "../tasks/dataset.js";
import type { Backend } from "../tensor/backend.js";
import { fold, type Key } from "../tensor/rng.js";
import { zerosLike, type Params } from "../tensor/tensor.js";
import { grokfastHook, type GrokfastConfig } from "./grokfast.js";
import { getLoss } from "./losses.js";
import type { TrainSetup, TrainState } from "./loop.js";
import { createOptimizer, type OptimizerConfig } from "./optimizers.js";
import { makeSchedule, type ScheduleConfig } from "./schedules.js";

/** The training keys of a run's config (the run layer's RunConfig has these and more). */
export interface TrainingConfig {
  readonly steps: number;
  readonly loss: string;
  readonly optimizer: OptimizerConfig;
  readonly schedule: ScheduleConfig;
  readonly batch_size: number | null;
  readonly grokfast?: GrokfastConfig | null;
}

/**
 * The training setup and initial state of a run, from its model, data, kernels and seed key: minibatches and dropout
 * masks from fold(key, "batches"), the optimizer's and the Grokfast filter's state sized from `params` (the model's
 * initial parameters, drawn from fold(key, "init") by the caller, who may overwrite them in place). The one place
 * that builds these, for runs (src/runs/setup.ts) and the browser's labs alike.
 */
export function trainingSetup(config: TrainingConfig, model: Model, data: Dataset, backend: Backend, key: Key, params: Params): { setup: TrainSetup; state: TrainState } {
  const optimizer = createOptimizer(config.optimizer);
  const setup: TrainSetup = {
    model,
    data,
    backend,
    loss: getLoss(config.loss),
    optimizer,
    schedule: makeSchedule(config.schedule, config.optimizer.lr, config.steps),
    batchSize: config.batch_size,
    key: fold(key, "batches"),
  };
  const hooks = config.grokfast ? [grokfastHook(params, config.grokfast)] : [];
  return { setup, state: { params, grads: zerosLike(params, (n) => backend.alloc(n)), opt: optimizer.init(params, (n) => backend.alloc(n)), hooks, step: 0 } };
}
