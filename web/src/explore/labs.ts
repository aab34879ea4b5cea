/**
 * The explorable's models, built from the same engine and preset values as `grokscope train`: the task, model, loss,
 * optimizer and training step are the library's own (js backend), and the seed's key is folded exactly as a run folds
 * it ("task", "init", "batches"), so the browser trains the same numbers as `grokscope train <preset> --seed S
 * --set backend=js`. Nothing here touches the DOM; the worker drives it (the page itself imports only ./presets).
 */
import { buildModel } from "../../../src/models/registry";
import { fiveNeuronGeometry } from "../../../src/models/five-neuron";
import { buildTask, parseTaskConfig } from "../../../src/tasks/registry";
import { createJsBackend } from "../../../src/tensor/backend-js";
import { fold, keyFromSeed } from "../../../src/tensor/rng";
import { zerosLike } from "../../../src/tensor/tensor";
import { getLoss } from "../../../src/train/losses";
import { evaluate, trainStep, type SplitStats, type TrainSetup, type TrainState } from "../../../src/train/loop";
import { createOptimizer, parseOptimizerConfig } from "../../../src/train/optimizers";
import { makeSchedule, parseScheduleConfig } from "../../../src/train/schedules";
import { PRESET_SPECS, presetWeightDecay, type LabPicture, type LabSpec, type PresetParts } from "./presets";

export interface Lab {
  readonly spec: LabSpec;
  readonly state: TrainState;
  /** One update on the full training set; returns the train loss/accuracy before it. */
  step(): SplitStats;
  test(): SplitStats;
  train(): SplitStats;
  setWeightDecay(wd: number): void;
  picture(): LabPicture;
  /**
   * Two numbers recorded with every evaluation. Five neurons: the smallest and widest gap between neighbouring input
   * directions (evenly spread: every gap 72°; a stalled seed keeps some bunched, near 15° and 195°). Sparse parity:
   * mean |W_0| on the relevant bits and on the others (the generalizing solution keeps weight on the relevant ones
   * and weight decay shrinks the rest).
   */
  trace(): number[];
}

export function createLab(spec: LabSpec): Lab {
  if (!Number.isInteger(spec.seed) || spec.seed < 0) throw new Error(`seed must be an integer ≥ 0, got ${spec.seed}`);
  if (!Number.isInteger(spec.steps) || spec.steps < 1) throw new Error(`steps must be an integer ≥ 1, got ${spec.steps}`);
  const p = PRESET_SPECS[spec.lab] as unknown as PresetParts;
  if (p.batch_size !== undefined && p.batch_size !== null) throw new Error(`preset of ${spec.lab} uses minibatches; the explorable evaluates full-batch steps`);
  const key = keyFromSeed(spec.seed);
  const backend = createJsBackend();
  const data = buildTask(parseTaskConfig(p.task), fold(key, "task"));
  const model = buildModel(p.model, data, backend);
  const optConfig = (wd: number) => parseOptimizerConfig({ ...p.optimizer, weight_decay: wd });
  const config0 = optConfig(spec.weightDecay ?? presetWeightDecay(spec.lab));
  let setup: TrainSetup = {
    model,
    data,
    backend,
    loss: getLoss(p.loss),
    optimizer: createOptimizer(config0),
    schedule: makeSchedule(parseScheduleConfig(p.schedule ?? { name: "constant" }), config0.lr, spec.steps),
    batchSize: p.batch_size ?? null,
    key: fold(key, "batches"),
    grokfast: null,
  };
  const params = model.init(fold(key, "init"));
  const state: TrainState = { params, grads: zerosLike(params, (n) => backend.alloc(n)), opt: setup.optimizer.init(params), grokfast: null, step: 0 };
  const meta = data.kind === "dense" ? data.meta : {};

  return {
    spec,
    state,
    step: () => trainStep(setup, state),
    test: () => evaluate(setup, state, data.test),
    train: () => evaluate(setup, state, data.train),
    setWeightDecay(wd: number) {
      // AdamW's state (moments, step count) is kept; only the decay applied from the next update changes
      setup = { ...setup, optimizer: createOptimizer(optConfig(wd)) };
    },
    picture(): LabPicture {
      if (spec.lab === "five_neuron") {
        const g = fiveNeuronGeometry(params);
        return { lab: "five_neuron", W_in: params.W_in.data.slice(), W_out: params.W_out.data.slice(), neuronAngles: g.neuronAngles, angleStepRatio: g.angleStepRatio, sortedGaps: g.sortedGaps };
      }
      const [dim, hidden] = params.W_0.shape;
      return { lab: "sparse_parity", W_0: params.W_0.data.slice(), dim, hidden, nBits: Number(meta.n), kRelevant: Number(meta.k) };
    },
    trace(): number[] {
      if (spec.lab === "five_neuron") {
        const gaps = fiveNeuronGeometry(params).sortedGaps;
        return [gaps[0], gaps[gaps.length - 1]];
      }
      return relevantWeight(params.W_0.data, params.W_0.shape[1], Number(meta.n), Number(meta.k));
    },
  };
}

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
