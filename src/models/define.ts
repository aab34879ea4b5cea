import { Graph, type ForwardOptions, type Var } from "../autograd/graph.js";
import type { Backend } from "../tensor/backend.js";
import { fold, normals, symmetricUniforms, truncatedNormals, type Key } from "../tensor/rng.js";
import { sizeOf, type Params, type Tensor } from "../tensor/tensor.js";
import type { Dataset, DenseSplit, Split, TokenSplit } from "../tasks/dataset.js";
import type { ForwardResult, Model } from "./model.js";

/**
 * A model written forward-only: its parameters and its forward pass over autograd ops (src/autograd). The gradient
 * comes from the tape; nothing is derived by hand. Built-in models are definitions like this, and so is a user's
 * model module (`model: { module: "./my-model.mjs" }` in a spec), whose default export is `defineModel({...})`.
 */
export interface ModelDefinition<C = Record<string, unknown>> {
  readonly name: string;
  /** Defaults of the model's own config keys (a user module's keys beside `module` in the spec). */
  readonly defaults?: Partial<C>;
  /** Checks the config against the data; throw an Error naming the key (e.g. "model.width: must be ≥ 1"). */
  validate?(config: C, data: Dataset): void;
  /** The parameters, drawn with the helpers of `ctx` (each named draw has its own key). */
  init(ctx: InitContext<C>): Params;
  /** The logits [n, nClasses] of a batch. Call `g.hook(name, x)` at points measures and interventions may read. */
  forward(g: Graph, params: Readonly<Record<string, Var>>, batch: Batch, ctx: ModelContext<C>): Var;
}

export interface ModelContext<C> {
  readonly config: C;
  readonly data: Dataset;
}

/** One batch of inputs: token ids (row-major [n, seqLen]) or dense inputs ([n, dim], as a constant on the tape). */
export interface Batch {
  readonly n: number;
  readonly tokens: Int32Array | null;
  readonly dense: Var | null;
  readonly labels: Int32Array;
}

export interface InitContext<C> extends ModelContext<C> {
  readonly key: Key;
  /** N(0, std²) values, drawn from fold(key, name). */
  normal(name: string, shape: readonly number[], std: number): Tensor;
  /** N(0, σ²) truncated to ±2σ (Haiku's TruncatedNormal: standard deviation 0.8796σ), drawn from fold(key, name). */
  truncatedNormal(name: string, shape: readonly number[], sigma: number): Tensor;
  /** U(−bound, bound) values, drawn from fold(key, name). */
  uniform(name: string, shape: readonly number[], bound: number): Tensor;
  /** A tensor filled with `value` (0 by default). */
  full(shape: readonly number[], value?: number): Tensor;
}

/** Types a definition (an identity: `export default defineModel({ ... })`). */
export function defineModel<C = Record<string, unknown>>(def: ModelDefinition<C>): ModelDefinition<C> {
  return def;
}

/** The runtime model of a definition: init, forward (recording the tape) and backward (replaying it). */
export function modelFromDefinition<C>(def: ModelDefinition<C>, config: C, data: Dataset, backend: Backend): Model {
  def.validate?.(config, data);
  const ctx: ModelContext<C> = { config, data };
  const graphs = new Map<number, { g: Graph; root: Var | null }>(); // one tape per batch size, as one workspace per size
  const denseCopies = new Map<number, { from: Float32Array | null; data: Float32Array }>();

  function denseInput(split: DenseSplit): Float32Array {
    let c = denseCopies.get(split.n);
    if (!c || c.data.length !== split.x.length) denseCopies.set(split.n, (c = { from: null, data: backend.alloc(split.x.length) }));
    if (c.from !== split.x) {
      c.data.set(split.x);
      c.from = split.x;
    }
    return c.data;
  }

  return {
    name: def.name,
    nOut: data.nClasses,
    init(key: Key): Params {
      const alloc = (shape: readonly number[]) => backend.alloc(sizeOf(shape));
      return def.init({
        ...ctx,
        key,
        normal: (name, shape, std) => ({ shape: [...shape], data: normals(fold(key, name), sizeOf(shape), std, alloc(shape)) }),
        truncatedNormal: (name, shape, sigma) => ({ shape: [...shape], data: truncatedNormals(fold(key, name), sizeOf(shape), sigma, alloc(shape)) }),
        uniform: (name, shape, bound) => ({ shape: [...shape], data: symmetricUniforms(fold(key, name), sizeOf(shape), bound, alloc(shape)) }),
        full: (shape, value = 0) => {
          const out = alloc(shape);
          if (value !== 0) out.fill(value);
          return { shape: [...shape], data: out };
        },
      });
    },
    forward(params: Params, split: Split, opts?: ForwardOptions): ForwardResult {
      let entry = graphs.get(split.n);
      if (!entry) graphs.set(split.n, (entry = { g: new Graph(backend), root: null }));
      const g = entry.g;
      g.begin(opts);
      const vars: Record<string, Var> = {};
      for (const [name, t] of Object.entries(params)) vars[name] = g.param(name, t.shape, t.data);
      const tokens = data.kind === "tokens" ? (split as TokenSplit).x : null;
      const dense = data.kind === "dense" ? g.constant([split.n, data.dim], denseInput(split as DenseSplit)) : null;
      const logits = def.forward(g, vars, { n: split.n, tokens, dense, labels: split.y }, ctx);
      if (logits.data.length !== split.n * data.nClasses) {
        throw new Error(`model "${def.name}": forward returned ${logits.data.length} values, expected logits [${split.n}, ${data.nClasses}]`);
      }
      entry.root = logits;
      return { logits: logits.data, cache: g.hooks, stochastic: g.drew };
    },
    backward(_params: Params, split: Split, fwd: ForwardResult, dLogits: Float32Array, grads: Params): void {
      const entry = graphs.get(split.n);
      if (!entry?.root || entry.root.data !== fwd.logits) throw new Error(`model "${def.name}": backward needs the forward of the same batch size just before it`);
      entry.g.backward(entry.root, dLogits, grads);
    },
  };
}
