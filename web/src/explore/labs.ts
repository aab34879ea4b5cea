/**
 * The explorable's models, built from the same engine and run specs as `grokscope train`: the spec is normalized by
 * the parsers the CLI's normalizeSpec uses, the task, model, loss, optimizer, training step and measures are the
 * library's own (on the backend the worker started: ./engine), and the seed's key is folded exactly as a run folds it
 * ("task", "init", "batches", "measures/<step>"), so the browser trains and measures the same numbers as
 * `grokscope train <preset> --seed S --set backend=wasm` (or `backend=js` where the worker fell back to js).
 * Nothing here touches the DOM; the worker drives it (the page itself imports only ./presets).
 */
import { getMeasure, expandMeasureNames, runMeasure } from "../../../src/measures/registry";
import type { Measure, MeasureContext } from "../../../src/measures/measure";
import { unitSpectra } from "../../../src/measures/fourier/neuron-spectra";
import { frequencyPower } from "../../../src/measures/fourier/fourier-circuit";
import { buildModel, parseModelConfig } from "../../../src/models/registry";
import { fiveNeuronGeometry } from "../../../src/models/five-neuron";
import type { RunConfig } from "../../../src/runs/spec";
import { buildTask, parseTaskConfig, resolveTaskConfig } from "../../../src/tasks/registry";
import type { Backend } from "../../../src/tensor/backend";
import { fold, keyFromSeed } from "../../../src/tensor/rng";
import { cloneParams, type Params } from "../../../src/tensor/tensor";
import { LOSS_NAMES, type LossName } from "../../../src/train/losses";
import { evaluate, trainStep, type SplitStats, type TrainSetup, type TrainState } from "../../../src/train/loop";
import { trainingSetup } from "../../../src/train/setup";
import { createOptimizer, parseOptimizerConfig } from "../../../src/train/optimizers";
import { parseScheduleConfig } from "../../../src/train/schedules";
import { LAB_SPECS, type LabName, type LabPicture, type LabSpec } from "./presets";

/** The part of a run's config a lab uses (a run's also has its eval cadence, checkpoints, backend, …). */
export type LabConfig = Pick<RunConfig, "seed" | "steps" | "task" | "model" | "loss" | "optimizer" | "schedule" | "batch_size" | "measures"> & {
  readonly measure_settings: Readonly<Record<string, unknown>>;
};

/**
 * A lab's run spec (LAB_SPECS) with the section's seed, steps and weight decay, normalized key by key with the
 * parsers of src/runs/spec.ts normalizeSpec, so a bad value is reported with its key path as the CLI reports it.
 * (normalizeSpec itself resolves `init_from` paths with node:path, and buildSetup reads `init_from` checkpoints
 * from disk, so neither goes into the browser bundle; the labs never start from another run.) Measure settings
 * are parsed by the measures themselves.
 */
export function labConfig(spec: LabSpec): LabConfig {
  if (!Number.isInteger(spec.seed) || spec.seed < 0) throw new Error(`seed: must be an integer ≥ 0, got ${spec.seed}`);
  if (!Number.isInteger(spec.steps) || spec.steps < 1) throw new Error(`steps: must be an integer ≥ 1, got ${spec.steps}`);
  const s = LAB_SPECS[spec.lab];
  if (!(LOSS_NAMES as readonly string[]).includes(s.loss)) throw new Error(`loss: unknown loss "${s.loss}" (known: ${LOSS_NAMES.join(", ")})`);
  if (s.batch_size !== undefined && s.batch_size !== null) throw new Error(`batch_size: the ${spec.lab} lab's spec uses minibatches; the explorable evaluates full-batch steps`);
  return {
    seed: spec.seed,
    steps: spec.steps,
    task: resolveTaskConfig(parseTaskConfig(s.task, "task")),
    model: parseModelConfig(s.model, "model"),
    loss: s.loss as LossName,
    optimizer: parseOptimizerConfig(withWeightDecay(spec.lab, spec.weightDecay), "optimizer"),
    schedule: parseScheduleConfig(s.schedule ?? { name: "constant" }, "schedule"),
    batch_size: null,
    measures: expandMeasureNames(s.measures),
    measure_settings: s.measure_settings ?? {},
  };
}

/** The lab's optimizer spec with AdamW's decoupled weight decay set to `wd` (the spec's own when undefined). */
function withWeightDecay(lab: LabName, wd: number | undefined): unknown {
  const optimizer = LAB_SPECS[lab].optimizer;
  return wd === undefined ? optimizer : { ...optimizer, weight_decay: wd };
}

/**
 * Everything a lab computes with, as src/runs/setup.ts buildSetup builds a run's (the same trainingSetup, key folds
 * and order of draws) on `backend`.
 */
export function labSetup(config: LabConfig, backend: Backend): { setup: TrainSetup; state: TrainState; init: Params } {
  const key = keyFromSeed(config.seed);
  const data = buildTask(config.task, fold(key, "task"));
  const model = buildModel(config.model, data, backend);
  const params = model.init(fold(key, "init"));
  const { setup, state } = trainingSetup(config, model, data, backend, key, params);
  return { setup, state, init: cloneParams(params) };
}

export interface Lab {
  readonly config: LabConfig;
  readonly state: TrainState;
  /** One update on the full training set; returns the train loss/accuracy before it. */
  step(): SplitStats;
  test(): SplitStats;
  train(): SplitStats;
  setWeightDecay(wd: number): void;
  picture(): LabPicture;
  /**
   * The lab's measures at the current step, keyed by metric name: its spec's measures (src/measures) and its own
   * (EXPLORE_MEASURES). With `measureEvery` (the LLC lab: an estimate takes a second or two) only at its multiples
   * and the last step; empty at the evaluations in between.
   */
  trace(): Record<string, number>;
}

export function createLab(spec: LabSpec, backend: Backend): Lab {
  const measureEvery = spec.measureEvery ?? 1;
  if (!Number.isInteger(measureEvery) || measureEvery < 1) throw new Error(`measureEvery must be an integer ≥ 1, got ${spec.measureEvery}`);
  const config = labConfig(spec);
  const built = labSetup(config, backend);
  let setup = built.setup;
  const { state, init } = built;
  const measureKey = keyFromSeed(config.seed);
  const own = EXPLORE_MEASURES[spec.lab];
  const picture = PICTURES[spec.lab];

  /** What a measure sees at a step, as src/runs/run.ts measureContext gives it to a run's measures. */
  const context = (): MeasureContext => ({
    params: state.params,
    data: setup.data,
    model: setup.model,
    step: state.step,
    init,
    loss: setup.loss,
    backend: setup.backend,
    key: fold(measureKey, `measures/${state.step}`),
    settings: config.measure_settings,
  });

  return {
    config,
    state,
    step: () => trainStep(setup, state),
    test: () => evaluate(setup, state, setup.data.test),
    train: () => evaluate(setup, state, setup.data.train),
    setWeightDecay(wd: number) {
      // AdamW's state (moments, step count) is kept; only the decay applied from the next update changes
      setup = { ...setup, optimizer: createOptimizer(parseOptimizerConfig(withWeightDecay(spec.lab, wd), "optimizer")) };
    },
    picture: () => (picture ? picture(state.params, setup.data.meta) : { lab: "none" }),
    trace(): Record<string, number> {
      if (state.step % measureEvery !== 0 && state.step !== config.steps) return {};
      const ctx = context();
      const out: Record<string, number> = {};
      for (const name of config.measures) Object.assign(out, runMeasure(name, getMeasure(name), ctx));
      if (own) Object.assign(out, own(ctx));
      return out;
    },
  };
}

/**
 * The explorable's own measures, for what no measure of src/measures records (keys under `explore/`). Sparse parity:
 * the mean |W_0| on the relevant bits and on the others (the generalizing solution keeps weight on the relevant ones
 * and weight decay shrinks the rest). Gromov: the mean share of a neuron's power in its strongest frequency.
 * StableMax: the collapsed share of the training set under StableMax (stability/softmax_collapse is softmax's).
 */
const EXPLORE_MEASURES: Partial<Record<LabName, Measure>> = {
  sparse_parity: ({ params, data }) => {
    const [relevant, noise] = relevantWeight(params.W_0.data, params.W_0.shape[1], Number(data.meta.n), Number(data.meta.k));
    return { "explore/relevant_weight": relevant, "explore/noise_weight": noise };
  },
  gromov: ({ params }) => {
    const [N, P] = params.U.shape;
    return { "explore/peak_share": meanPeakShare(neuronSpectra(params.U.data, N, P).power, N, P >> 1) };
  },
  stablemax: ({ params, data, model }) => ({ "explore/stablemax_collapse": stablemaxCollapseFraction(model.forward(params, data.train).logits, data.train.y, model.nOut) }),
};

/** The arrays a section draws (copied out of the parameters), for the labs that draw more than their measures. */
const PICTURES: Partial<Record<LabName, (params: Params, meta: Readonly<Record<string, unknown>>) => LabPicture>> = {
  five_neuron: (params) => {
    const g = fiveNeuronGeometry(params);
    return { lab: "five_neuron", W_in: params.W_in.data.slice(), W_out: params.W_out.data.slice(), neuronAngles: g.neuronAngles, angleStepRatio: g.angleStepRatio, sortedGaps: g.sortedGaps };
  },
  sparse_parity: (params, meta) => {
    const [dim, hidden] = params.W_0.shape;
    return { lab: "sparse_parity", W_0: params.W_0.data.slice(), dim, hidden, nBits: Number(meta.n), kRelevant: Number(meta.k) };
  },
  gromov: (params) => {
    const U = params.U, [N, P] = U.shape;
    const { power, order } = neuronSpectra(U.data, N, P);
    const S = frequencyPower(U, P, 1).subarray(1);
    const total = S.reduce((a, b) => a + b, 0);
    return { lab: "gromov", U: U.data.slice(), N, p: P, neuronPower: power, spectrum: S.map((v) => v / total), order };
  },
};

/**
 * Mean |W_0[i, j]| over the relevant input bits i < k and over the other bits k ≤ i < n (the bias input excluded),
 * for W_0 [dim, H]: how sparse the first layer has become.
 */
export function relevantWeight(W0: Float32Array, H: number, nBits: number, k: number): [number, number] {
  let rel = 0, other = 0;
  for (let i = 0; i < nBits; i++) {
    let s = 0;
    for (let j = 0; j < H; j++) s += Math.abs(W0[i * H + j]);
    if (i < k) rel += s;
    else other += s;
  }
  return [rel / (k * H), nBits > k ? other / ((nBits - k) * H) : 0];
}

/**
 * Each neuron's power spectrum over its p input weights (row n of U [N, p]), without the constant term: power
 * [N, J] with J = ⌊p/2⌋, column k − 1 holding frequency k as a share of the neuron's non-constant power; and the
 * neurons ordered by their strongest frequency, then by that frequency's phase (so neurons with the same wave sit
 * together in a heatmap). The run page's sorted view reads the same measure.
 */
export function neuronSpectra(U: Float32Array, N: number, p: number): { power: Float32Array; order: Int32Array } {
  const s = unitSpectra({ shape: [N, p], data: U }, p, 1);
  return { power: Float32Array.from(s.share), order: s.order };
}

/** Mean over neurons of the largest entry of each row of power [N, J]: 1 when every neuron is a single wave. */
export function meanPeakShare(power: Float32Array, N: number, J: number): number {
  let s = 0;
  for (let n = 0; n < N; n++) {
    let m = 0;
    for (let k = 0; k < J; k++) m = Math.max(m, power[n * J + k]);
    s += m;
  }
  return s / N;
}

/**
 * The StableMax analogue of Softmax Collapse (Prieto et al. 2025): the share of rows of logits [n, C] whose float32
 * StableMax probability of the label is exactly 1 (s(z_y) / Σ_k s(z_k) with s(x) = x + 1 for x ≥ 0 and 1 / (1 − x)
 * below, summed in float32), so the row's gradient would vanish in float32. Each other class adds at least
 * s(z_k) > 0 and s grows only linearly, so this needs a correct logit about 2²⁴ times the others' — rarely reached.
 */
export function stablemaxCollapseFraction(logits: Float32Array, labels: Int32Array, C: number): number {
  const f = Math.fround, n = labels.length;
  let collapsed = 0;
  for (let i = 0; i < n; i++) {
    let S = 0;
    for (let j = 0; j < C; j++) {
      const z = f(logits[i * C + j]);
      S = f(S + f(z >= 0 ? z + 1 : 1 / (1 - z)));
    }
    const zy = f(logits[i * C + labels[i]]);
    if (f(f(zy >= 0 ? zy + 1 : 1 / (1 - zy)) / S) === 1) collapsed++;
  }
  return n > 0 ? collapsed / n : NaN;
}
