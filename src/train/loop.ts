import type { Model, ForwardResult } from "../models/model.js";
import type { Dataset, Split } from "../tasks/dataset.js";
import type { Backend } from "../tensor/backend.js";
import { firstNonFinite, zerosLike, type Params } from "../tensor/tensor.js";
import type { Loss } from "./losses.js";
import type { Optimizer, OptimizerState } from "./optimizers.js";
import { lrAt, type Schedule } from "./schedules.js";
import { batchSplit } from "./batches.js";
import { grokfastApply, type GrokfastConfig, type GrokfastState } from "./grokfast.js";
import { fold, type Key } from "../tensor/rng.js";
import { surfingAfter, surfingBefore, type SurfingState } from "./surfing-tracker.js";

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
  /** Grokfast gradient filter (Lee et al. 2024) applied between backward and the optimizer, or null. */
  readonly grokfast: GrokfastConfig | null;
}

/** What changes: the parameters, the optimizer state, and the number of updates taken (`step`). */
export interface TrainState {
  readonly params: Params;
  readonly grads: Params;
  readonly opt: OptimizerState;
  /** The Grokfast filter's state when the setup has one. */
  readonly grokfast: GrokfastState | null;
  /** The surfing tracker (path length while the loss is below ε), when a run measures it. */
  surfing?: SurfingState | null;
  step: number;
}

export interface SplitStats {
  readonly loss: number;
  readonly acc: number;
}

export class NonFiniteError extends Error {}

function stats(setup: TrainSetup, fwd: ForwardResult, split: Split, dLogits?: Float32Array): SplitStats {
  const r = setup.loss(fwd.logits, split.y, setup.model.nOut, dLogits ? { dLogits } : undefined);
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

/**
 * One update: forward on the batch, loss, backward, optimizer. Returns the loss/accuracy of the parameters
 * *before* the update on that batch — with a full batch, that is the train metric at `state.step`, for free.
 */
export function trainStep(setup: TrainSetup, state: TrainState): SplitStats {
  const { model, backend, optimizer } = setup;
  const batch = setup.batchSize === null ? setup.data.train : batchSplit(setup.data.train, setup.batchSize, setup.key, state.step);
  const dLogits = dLogitsBuffer(backend, batch.n * model.nOut);
  const fwd = model.forward(state.params, batch, { trainingKey: trainingKey(setup, state.step) });
  const s = stats(setup, fwd, batch, dLogits);
  if (!Number.isFinite(s.loss)) {
    const where = firstNonFinite(state.params);
    throw new NonFiniteError(`training diverged at step ${state.step}: loss is ${s.loss}` + (where ? `; tensor "${where}" holds NaN or Inf` : `; the logits overflowed (no parameter holds NaN or Inf yet)`));
  }
  model.backward(state.params, batch, fwd, dLogits, state.grads);
  const bad = firstNonFinite(state.grads);
  if (bad) throw new NonFiniteError(`training diverged at step ${state.step}: the gradient of "${bad}" holds NaN or Inf`);
  if (state.surfing) surfingBeforeUpdate(setup, state, state.surfing, s.loss);
  if (setup.grokfast && state.grokfast) grokfastApply(state.grads, state.grokfast, setup.grokfast);
  optimizer.update(state.params, state.grads, state.opt, lrAt(setup.schedule, state.step));
  if (state.surfing) surfingAfter(state.surfing, state.params);
  state.step++;
  return s;
}

/** The key a training forward draws its dropout masks from at `step` (a pure function of the run's seed and the step). */
export function trainingKey(setup: TrainSetup, step: number): Key {
  return fold(fold(setup.key, "dropout"), step);
}

const fullBatchGrads = new WeakMap<TrainState, Params>();

/**
 * Hands the tracker the full-batch loss and gradient at the parameters before the update: the step's own with a
 * full batch; with minibatches one more forward on the whole training split (and a backward when the loss is below ε).
 */
function surfingBeforeUpdate(setup: TrainSetup, state: TrainState, tracker: SurfingState, batchLoss: number): void {
  if (setup.batchSize === null) return surfingBefore(tracker, batchLoss, state.params, state.grads);
  const { model, backend } = setup, train = setup.data.train;
  const dLogits = dLogitsBuffer(backend, train.n * model.nOut);
  const fwd = model.forward(state.params, train);
  const { loss } = stats(setup, fwd, train, dLogits);
  if (!(loss < tracker.epsilon)) return surfingBefore(tracker, loss, state.params, state.grads);
  let grads = fullBatchGrads.get(state);
  if (!grads) fullBatchGrads.set(state, (grads = zerosLike(state.params, (n) => backend.alloc(n))));
  model.backward(state.params, train, fwd, dLogits, grads);
  surfingBefore(tracker, loss, state.params, grads);
}
