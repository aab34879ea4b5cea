import type { Backend } from "../tensor/backend.js";
import type { Key } from "../tensor/rng.js";
import type { Params } from "../tensor/tensor.js";
import type { Dataset, Split } from "../tasks/dataset.js";
import type { ForwardOptions } from "../autograd/graph.js";

/**
 * A model is a pair of pure functions over a parameter record. `forward` returns the logits and a cache of named
 * activations (hook points, e.g. "hook_pre", "hook_post"), which `backward` consumes and measures may read.
 * Models are written forward-only (define.ts) and differentiated by the autograd tape; a hand-fused model (gromov)
 * derives its backward by hand and is tested against the autograd gradients.
 */
export interface ForwardResult {
  readonly logits: Float32Array; // [n, nOut]
  readonly cache: Record<string, Float32Array>;
  /**
   * True when the forward drew from `opts.trainingKey` (dropout), so it differs from an evaluation forward. A model
   * whose forward uses the key must say so: the training loop takes a full-batch step's forward as the training
   * split's evaluation at that step unless it is stochastic.
   */
  readonly stochastic?: boolean;
}

export interface Model {
  readonly name: string;
  readonly nOut: number;
  /** Fresh parameters, every draw derived from `key`. */
  init(key: Key): Params;
  /** `opts.trainingKey` marks a training forward (dropout on); `opts.interventions` rewrite hook points. */
  forward(params: Params, split: Split, opts?: ForwardOptions): ForwardResult;
  /** Writes d(loss)/d(param) into `grads` (overwriting) given dLogits [n, nOut]. */
  backward(params: Params, split: Split, fwd: ForwardResult, dLogits: Float32Array, grads: Params): void;
}

/**
 * A model factory: the normalized model config, the dataset it will see (for input/output sizes) and the kernel
 * backend it computes with. Every buffer a model uses comes from `backend.alloc`, so a float64 test backend runs
 * the same code in float64 (the gradient checks rely on this).
 */
export type ModelFactory<C> = (config: C, data: Dataset, backend: Backend) => Model;
