import type { Model, ForwardResult } from "../models/model.js";
import type { Dataset, Split } from "../tasks/dataset.js";
import type { Backend } from "../tensor/backend.js";
import { firstNonFinite, type Params } from "../tensor/tensor.js";
import type { Loss } from "./losses.js";
import type { Optimizer, OptimizerState } from "./optimizers.js";
import { lrAt, type Schedule } from "./schedules.js";
import { batchSplit } from "./batches.js";
import type { StepHook } from "./step-hooks.js";
import { fold, type Key } from "../tensor/rng.js";

/** Everything a training step reads and nothing it writes. */
export interface TrainSetup {
  readonly model: Model;
  readonly data: Dataset;
  readonly backend: Backend;
  readonly loss: Loss;
  readonly optimizer: Optimizer;
  readonly schedule: Schedule;
  /** null = full batch. */
  readonly batchSize: number | null;
  /**
   * Minibatch draws: batch of step s comes from fold(key, s), and dropout masks from fold(fold(key, "dropout"), s),
   * so resuming needs no RNG state.
   */
  readonly key: Key;
}

/** What changes: the parameters, the optimizer state, and the number of updates taken (`step`). */
export interface TrainState {
  readonly params: Params;
  readonly grads: Params;
  readonly opt: OptimizerState;
  /** Per-step extras run inside every step, in order (a gradient filter, a tracker): step-hooks.ts. */
  readonly hooks: StepHook[];
  step: number;
}

export interface SplitStats {
  readonly loss: number;
  readonly acc: number;
}

export class NonFiniteError extends Error {}

function stats(setup: TrainSetup, fwd: ForwardResult, split: Split, dLogits?: Float32Array): SplitStats {
  const r = setup.loss(fwd.logits, split.y, setup.model.nOut, { dLogits, backend: setup.backend });
  return { loss: r.loss, acc: split.n === 0 ? NaN : r.correct / split.n };
}

/** Loss and accuracy of the current parameters on a split (no gradient). */
export function evaluate(setup: TrainSetup, state: TrainState, split: Split): SplitStats {
  return stats(setup, setup.model.forward(state.params, split), split);
}

const dLogitsBuffers = new WeakMap<Backend, Map<number, Float32Array>>();

function dLogitsBuffer(backend: Backend, length: number): Float32Array {
  let m = dLogitsBuffers.get(backend);
  if (!m) dLogitsBuffers.set(backend, (m = new Map()));
  let b = m.get(length);
  if (!b) m.set(length, (b = backend.alloc(length)));
  return b;
}

/** A training step's first half: the forward on its batch and the loss, with dL/dlogits, before the backward. */
export interface StepForward {
  readonly batch: Split;
  readonly fwd: ForwardResult;
  readonly dLogits: Float32Array;
  /** Loss and accuracy of the parameters before the update on the batch. */
  readonly stats: SplitStats;
}

/** The forward and loss of the step at `state.step` (trainStep's first half; nothing in the state changes). */
export function stepForward(setup: TrainSetup, state: TrainState): StepForward {
  const { model, backend } = setup;
  const batch = setup.batchSize === null ? setup.data.train : batchSplit(setup.data.train, setup.batchSize, setup.key, state.step);
  const dLogits = dLogitsBuffer(backend, batch.n * model.nOut);
  const fwd = model.forward(state.params, batch, { trainingKey: trainingKey(setup, state.step) });
  return { batch, fwd, dLogits, stats: stats(setup, fwd, batch, dLogits) };
}

/**
 * Whether a step's forward is also the evaluation of the training split at that step: a full batch, and a forward that
 * drew nothing from the training key (no dropout), so the same values an evaluation forward computes.
 */
export function forwardEvaluatesTrain(setup: TrainSetup, f: StepForward): boolean {
  return setup.batchSize === null && f.fwd.stochastic !== true;
}

/**
 * trainStep's second half, right after `f = stepForward(setup, state)` (no other forward of the model in between:
 * the backward reads the forward's cache): the finiteness checks, backward, step hooks and optimizer update.
 */
export function stepUpdate(setup: TrainSetup, state: TrainState, f: StepForward): void {
  const { model, backend, optimizer } = setup;
  const s = f.stats;
  if (!Number.isFinite(s.loss)) {
    const where = firstNonFinite(state.params);
    throw new NonFiniteError(`training diverged at step ${state.step}: loss is ${s.loss}` + (where ? `; tensor "${where}" holds NaN or Inf` : `; the logits overflowed (no parameter holds NaN or Inf yet)`));
  }
  model.backward(state.params, f.batch, f.fwd, f.dLogits, state.grads);
  const bad = firstNonFinite(state.grads, (x) => backend.allFinite(x));
  if (bad) throw new NonFiniteError(`training diverged at step ${state.step}: the gradient of "${bad}" holds NaN or Inf`);
  for (const h of state.hooks) h.beforeUpdate?.(setup, state, s.loss);
  optimizer.update(state.params, state.grads, state.opt, lrAt(setup.schedule, state.step), backend);
  for (const h of state.hooks) h.afterUpdate?.(setup, state);
  state.step++;
}

/**
 * One update: forward on the batch, loss, backward, optimizer. Returns the loss/accuracy of the parameters
 * *before* the update on that batch — with a full batch, that is the train metric at `state.step`, for free.
 */
export function trainStep(setup: TrainSetup, state: TrainState): SplitStats {
  const f = stepForward(setup, state);
  stepUpdate(setup, state, f);
  return f.stats;
}

/** The key a training forward draws its dropout masks from at `step` (a pure function of the run's seed and the step). */
export function trainingKey(setup: TrainSetup, step: number): Key {
  return fold(fold(setup.key, "dropout"), step);
}

/**
 * Loss of `params` on a split (an evaluation forward), and its gradient written into the buffers `gradsFor(loss)`
 * returns, when it returns some: one forward, and a backward only when asked for.
 */
export function lossAndGradient(setup: TrainSetup, params: Params, split: Split, gradsFor: (loss: number) => Params | null): number {
  const { model, backend } = setup;
  const dLogits = dLogitsBuffer(backend, split.n * model.nOut);
  const fwd = model.forward(params, split);
  const { loss } = stats(setup, fwd, split, dLogits);
  const grads = gradsFor(loss);
  if (grads) model.backward(params, split, fwd, dLogits, grads);
  return loss;
}
