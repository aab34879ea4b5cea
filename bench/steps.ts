/**
 * The training steps the bench times, built with the project's own trainer (model registry, loss, AdamW, trainStep),
 * exactly as a run would. Each factory is the one place to change what "a step" means.
 */
import { buildModel } from "../src/models/registry.js";
import { modularDataset } from "../src/tasks/modular.js";
import { sparseParityDataset } from "../src/tasks/sparse-parity.js";
import type { Dataset } from "../src/tasks/dataset.js";
import type { Backend } from "../src/tensor/backend.js";
import { fold, keyFromSeed } from "../src/tensor/rng.js";
import { zerosLike } from "../src/tensor/tensor.js";
import { getLoss } from "../src/train/losses.js";
import { trainStep, type TrainSetup, type TrainState } from "../src/train/loop.js";
import { createOptimizer, parseOptimizerConfig } from "../src/train/optimizers.js";
import { makeSchedule } from "../src/train/schedules.js";

export interface StepBench {
  readonly label: string;
  step(): void;
}
export type StepFactory = (backend: Backend) => StepBench;

function trainerStep(label: string, data: Dataset, model: Record<string, unknown> & { name: string }, loss: string, optimizer: unknown, backend: Backend): StepBench {
  const key = keyFromSeed(1);
  const m = buildModel(model, data, backend);
  const opt = createOptimizer(parseOptimizerConfig(optimizer));
  const params = m.init(fold(key, "init"));
  const setup: TrainSetup = {
    model: m,
    data,
    backend,
    loss: getLoss(loss),
    optimizer: opt,
    schedule: makeSchedule({ name: "constant" }, opt.config.lr, 1_000_000),
    batchSize: null,
    key: fold(key, "batches"),
  };
  const state: TrainState = { params, grads: zerosLike(params, (n) => backend.alloc(n)), opt: opt.init(params), step: 0 };
  return { label, step: () => void trainStep(setup, state) };
}

/** R1: gromov quadratic net, p = 97, N = 500, 50% of p² pairs (4,704 train rows), MSE, AdamW, full batch. */
export const gromovStep: StepFactory = (backend) =>
  trainerStep(
    "gromov (trainer: forward, MSE, backward, AdamW)",
    modularDataset({ op: "add", p: 97, trainFraction: 0.5 }, fold(keyFromSeed(1), "task")),
    { name: "gromov", width: 500 },
    "mse",
    { name: "adamw", lr: 1e-2, betas: [0.9, 0.98], weight_decay: 5 },
    backend,
  );

/** R3: sparse parity, 30 bits + bias input, 1,000 train rows, MLP 31→64 ReLU→2, CE, AdamW, full batch. */
export const sparseParityStep: StepFactory = (backend) =>
  trainerStep(
    "sparse parity (trainer: forward, CE, backward, AdamW)",
    sparseParityDataset({ nBits: 30, kRelevant: 3, nTrain: 1000, nTest: 5000, bias: true }, fold(keyFromSeed(1), "task")),
    { name: "mlp", depth: 1, width: 64, activation: "relu", bias: true },
    "cross_entropy",
    { name: "adamw", lr: 3e-3, betas: [0.99, 0.98], weight_decay: 0.1 },
    backend,
  );
