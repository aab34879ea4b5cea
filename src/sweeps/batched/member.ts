/**
 * One model of a batch: its setup (built by buildSetup, exactly as a run alone builds it), its parameters, gradients
 * and optimizer moments as flat blocks in the backend's memory (the Params records are views of them), and the
 * fused tasks that train and evaluate it.
 */
import { resolveMeasures } from "../../measures/registry.js";
import { MeasureNotApplicable } from "../../measures/measure.js";
import type { MetricRow } from "../../runs/metrics-file.js";
import { buildSetup } from "../../runs/setup.js";
import { SpecError, type RunConfig } from "../../runs/spec.js";
import type { DenseSplit } from "../../tasks/dataset.js";
import type { WasmBackend } from "../../tensor/wasm/backend-wasm.js";
import type { BinaryMlpTask, BinaryMlpTensors, BinarySplit } from "../../tensor/wasm/binary-mlp.js";
import type { Params } from "../../tensor/tensor.js";
import { evalCadence } from "../../train/cadence.js";
import type { TrainSetup, TrainState } from "../../train/loop.js";
import type { OptimizerState } from "../../train/optimizers.js";

export interface Member {
  /** Position in the caller's list of configs. */
  readonly index: number;
  readonly config: RunConfig;
  readonly setup: TrainSetup;
  readonly init: Params;
  /** The config's measures, "all" expanded to those that apply. */
  readonly measures: readonly string[];
  readonly isEval: (step: number, total: number) => boolean;
  readonly params: Params;
  readonly grads: Params;
  readonly opt: OptimizerState;
  /** A training step; evaluations on the test split, and on the training split (the last step has no training step). */
  readonly step: BinaryMlpTask;
  readonly testEval: BinaryMlpTask;
  readonly trainEval: BinaryMlpTask;
  /** Updates taken. */
  steps: number;
  readonly rows: MetricRow[];
  /** The last step whose evaluation is in `rows` (−1: none yet). */
  recordedAt: number;
  /** The step of the last save (where it started, before any). */
  savedAt: number;
  error: Error | null;
}

/** Splits in the backend's memory, shared by the models that see the same data (same task config and seed). */
export type SplitCache = Map<string, { train: BinarySplit; test: BinarySplit }>;

/** A flat zeroed block in the backend's memory and its per-tensor views, named and shaped like `like`. */
function flat(backend: WasmBackend, like: Params): { block: Float32Array; views: Params } {
  let length = 0;
  for (const t of Object.values(like)) length += t.data.length;
  const block = backend.alloc(length);
  const views: Params = {};
  let o = 0;
  for (const [name, t] of Object.entries(like)) {
    views[name] = { shape: [...t.shape], data: block.subarray(o, o + t.data.length) };
    o += t.data.length;
  }
  return { block, views };
}

function tensorsOf(p: Params): BinaryMlpTensors {
  return { W0: p.W_0.data, b0: p.b_0?.data ?? null, Wout: p.W_out.data, bout: p.b_out?.data ?? null };
}

/** A model's state loaded from where it was saved, with its rows up to that step; null = start fresh. */
export type Restore = (index: number, state: TrainState) => Promise<MetricRow[] | null>;

export async function createMember(index: number, config: RunConfig, backend: WasmBackend, cache: SplitCache, restore?: Restore): Promise<Member> {
  const { setup, state, init } = await buildSetup(config, { backend });
  const restored = restore ? await restore(index, state) : null;
  let measures: string[];
  try {
    measures = resolveMeasures(config.measures, setup.model, setup.data, state.params);
  } catch (e) {
    throw e instanceof MeasureNotApplicable ? new SpecError(e.message) : e;
  }
  const data = setup.data;
  if (data.kind !== "dense" || config.model.name !== "mlp") throw new SpecError(`task "${data.name}", model "${config.model.name}": not a batched model (see batchKey)`);
  const k = backend.binaryMlp;
  const dataKey = JSON.stringify([config.task, config.seed]);
  let splits = cache.get(dataKey);
  if (!splits) {
    const binary = (s: DenseSplit) => k.binarySplit(s.x, s.y, s.n, data.dim);
    cache.set(dataKey, (splits = { train: binary(data.train), test: binary(data.test) }));
  }
  const P = flat(backend, state.params);
  for (const [name, t] of Object.entries(state.params)) P.views[name].data.set(t.data);
  const G = flat(backend, state.params);
  // the optimizer's slots in the order its init makes them ("exp_avg/W_0", …), each slot one flat block
  const blocks = new Map<string, ReturnType<typeof flat>>();
  const tensors: Record<string, Float32Array> = {};
  for (const key of Object.keys(state.opt.tensors)) {
    const slot = key.slice(0, key.indexOf("/"));
    let b = blocks.get(slot);
    if (!b) blocks.set(slot, (b = flat(backend, state.params)));
    tensors[key] = b.views[key.slice(slot.length + 1)].data;
    tensors[key].set(state.opt.tensors[key]);
  }
  const H = config.model.width, C = state.params.W_out.shape[1]; // 2 output columns, or 1 (single_logit)
  const update =
    config.optimizer.name === "sgd"
      ? { kind: "sgd" as const, params: P.block, grads: G.block, momentum: blocks.get("momentum_buffer")?.block ?? null }
      : { kind: "adam" as const, params: P.block, grads: G.block, m: blocks.get("exp_avg")!.block, v: blocks.get("exp_avg_sq")!.block };
  const p = tensorsOf(P.views);
  return {
    index,
    config,
    setup,
    init,
    measures,
    isEval: evalCadence(config.eval),
    params: P.views,
    grads: G.views,
    opt: { step: state.opt.step, tensors },
    step: k.stepTask(splits.train, H, C, p, tensorsOf(G.views), update),
    testEval: k.evalTask(splits.test, H, C, p),
    trainEval: k.evalTask(splits.train, H, C, p),
    steps: state.step,
    rows: restored ?? [],
    recordedAt: restored ? state.step : -1,
    savedAt: state.step,
    error: null,
  };
}
