import { buildModel } from "../models/registry.js";
import { buildTask } from "../tasks/registry.js";
import type { Backend } from "../tensor/backend.js";
import { createBackend, runThreads } from "../tensor/backend-select.js";
import { fold, keyFromSeed } from "../tensor/rng.js";
import { cloneParams, type Params } from "../tensor/tensor.js";
import type { TrainSetup, TrainState } from "../train/loop.js";
import { trainingSetup } from "../train/setup.js";
import { checkpointPath, checkpointSteps, isParameterTensor, readCheckedSafetensors } from "./checkpoint.js";
import { SpecError, type InitFrom, type RunConfig } from "./spec.js";
import { loadModelModule } from "./model-module.js";

/**
 * Everything a run computes with, built from its config alone. The seed's key is folded once per use
 * ("task", "init", "batches"), so changing e.g. the batch size never changes the split or the initialization;
 * `data_seed`, when set, gives the task its key instead (the same data under different seeds).
 * `opts.backend` replaces the config's backend (benchmarks time one spec on several).
 * With `init_from`, the parameters are then overwritten by another run's checkpoint (the init draw still happens, so
 * nothing else shifts), and `init` — the reference of the relative-weight-change measure — is that starting point.
 */
export async function buildSetup(config: RunConfig, opts: { backend?: Backend } = {}): Promise<{ setup: TrainSetup; state: TrainState; init: Params }> {
  const key = keyFromSeed(config.seed);
  const data = buildTask(config.task, fold(config.data_seed === undefined ? key : keyFromSeed(config.data_seed), "task"));
  await loadModelModule(config.model);
  const backend = opts.backend ?? (await createBackend(config.backend, { threads: runThreads(config.threads) }));
  let model;
  try {
    model = buildModel(config.model, data, backend);
  } catch (e) {
    if (!opts.backend) backend.dispose();
    throw e instanceof SpecError ? e : new SpecError((e as Error).message);
  }
  const params = model.init(fold(key, "init"));
  if (config.init_from) {
    try {
      await loadInitFrom(config.init_from, params);
    } catch (e) {
      if (!opts.backend) backend.dispose(); // ours to free; a caller's backend stays the caller's
      throw e;
    }
  }
  const { setup, state } = trainingSetup(config, model, data, backend, key, params);
  return { setup, state, init: cloneParams(params) };
}

const shapeText = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/**
 * Overwrites `params` in place with the parameters of `from.run`'s checkpoint at `from.step` (its last one when null).
 * Optimizer and filter state in the checkpoint are ignored. Errors name `init_from` and the directory or tensor.
 */
export async function loadInitFrom(from: InitFrom, params: Params): Promise<void> {
  const steps = await checkpointSteps(from.run);
  if (steps.length === 0) throw new SpecError(`init_from.run: cannot read a checkpoint in ${from.run} (no such run directory, or it has no checkpoints yet)`);
  const step = from.step ?? steps[steps.length - 1];
  if (!steps.includes(step)) throw new SpecError(`init_from.step: ${from.run} has no checkpoint at step ${step} (it has ${steps.join(", ")})`);
  const path = checkpointPath(from.run, step);
  let tensors;
  try {
    ({ tensors } = await readCheckedSafetensors(path));
  } catch (e) {
    throw new SpecError(`init_from.run: ${(e as Error).message}`);
  }
  const theirs = Object.keys(tensors).filter(isParameterTensor);
  const ours = Object.keys(params);
  const extra = theirs.filter((n) => !Object.hasOwn(params, n));
  if (extra.length > 0 || theirs.length !== ours.length) {
    throw new SpecError(`init_from.run: ${path} holds the parameters ${theirs.join(", ")}, the model has ${ours.join(", ")}`);
  }
  for (const [name, p] of Object.entries(params)) {
    const t = tensors[name];
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new SpecError(`init_from.run: tensor "${name}" of ${path} has shape ${shapeText(t.shape)}, the model expects ${shapeText(p.shape)}`);
    }
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Float64Array)) throw new SpecError(`init_from.run: tensor "${name}" of ${path} is ${t.dtype}, expected F32 or F64`);
    p.data.set(t.data);
  }
}
