/** Messages between an explorable section and its training worker (one worker per section). */
import type { LabPicture, LabSpec } from "./presets";

export type ToWorker =
  /** Build a fresh model (step 0) on `threads` wasm threads and post its first progress; training waits for `play`. */
  | { readonly type: "reset"; readonly spec: LabSpec; readonly evalEvery: number; readonly threads: number }
  | { readonly type: "play" }
  | { readonly type: "pause" }
  /** Change the weight decay from the next update on (the model and optimizer moments are kept). */
  | { readonly type: "weight_decay"; readonly value: number }
  /** The page received a progress message of reset `generation` (the worker runs only a little ahead of it). */
  | { readonly type: "ack"; readonly generation: number };

/** One evaluation: the train metrics of the parameters at `step` and their test metrics. */
export interface EvalPoint {
  readonly step: number;
  readonly trainLoss: number;
  readonly trainAcc: number;
  readonly testLoss: number;
  readonly testAcc: number;
  /** The lab's measures at this step (`trace()`), keyed by metric name; some only at some steps. */
  readonly trace: Readonly<Record<string, number>>;
}

export interface Progress {
  readonly type: "progress";
  /** Which reset this belongs to (messages of an older model are dropped). */
  readonly generation: number;
  readonly step: number;
  readonly steps: number;
  readonly running: boolean;
  /** Evaluations since the previous message, in step order (every `evalEvery` steps, plus step 0 and the end). */
  readonly points: readonly EvalPoint[];
  readonly picture: LabPicture;
  /** Milliseconds the worker spent training since the reset (excluding paused time). */
  readonly trainMs: number;
  /** The part of it spent in the training steps themselves (without evaluations and measures). */
  readonly stepMs: number;
  /** The backend the lab trains on ("wasm", "wasm×2", "js"), and why it is not wasm as asked, if so. */
  readonly backend: { readonly name: string; readonly note: string | null };
}

export type FromWorker = Progress | { readonly type: "error"; readonly generation: number; readonly message: string };
