import type { TrainSetup, TrainState } from "./loop.js";

/**
 * Per-step extras of the training loop: code that runs inside every training step, between backward and the
 * optimizer (a gradient filter rewrites the gradients, a tracker reads them) and after the update. The loop runs a
 * state's hooks in order and knows nothing else about them; each hook owns its state and hands it to checkpoints as
 * named tensors, so a resumed run continues it bit-identically. Built-in hooks: the Grokfast filter (grokfast.ts) and
 * the surfing tracker (surfing-tracker.ts); adding one is a file that returns a StepHook.
 */
export interface StepHook {
  /** Unique within a state; also the hook's checkpoint namespace (see `checkpointPrefix`). */
  readonly name: string;
  /** After backward, before the update: `state.grads` holds the batch's loss gradient, `loss` the batch loss. */
  beforeUpdate?(setup: TrainSetup, state: TrainState, loss: number): void;
  /** After the optimizer moved the parameters (`state.step` not yet advanced). */
  afterUpdate?(setup: TrainSetup, state: TrainState): void;
  /** Checkpoint tensor names of this hook start with this prefix (e.g. "filter/"). */
  readonly checkpointPrefix: string;
  /** The hook's state as tensors, names without the prefix. */
  saveState(): Record<string, HookTensor>;
  /** Restores what `saveState` returned (names without the prefix); throws naming what does not fit. */
  loadState(tensors: Readonly<Record<string, Float32Array | Float64Array>>): void;
}

export interface HookTensor {
  readonly dtype: "F32" | "F64";
  readonly data: Float32Array | Float64Array;
}

/** The hook of that name on a state, if any. */
export function findHook<H extends StepHook>(state: TrainState, name: string): H | undefined {
  return state.hooks.find((h) => h.name === name) as H | undefined;
}
