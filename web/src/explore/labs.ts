/**
 * The explorable's models, built from the same engine and preset values as `grokscope train`: the task, model, loss,
 * optimizer and training step are the library's own (js backend), and the seed's key is folded exactly as a run folds
 * it ("task", "init", "batches"), so the browser trains the same numbers as `grokscope train <preset> --seed S
 * --set backend=js`. Nothing here touches the DOM; the worker drives it (the page itself imports only ./presets).
 */
import { complexityMeasure } from "../../../src/measures/complexity";
import { efficiencyCircuits } from "../../../src/measures/efficiency";
import { rfftPower } from "../../../src/measures/fourier";
import { frequencyPower, topFraction } from "../../../src/measures/fourier-circuit";
import { estimateLlc } from "../../../src/measures/llc";
import { softmaxCollapseFraction } from "../../../src/measures/stability";
import { buildModel } from "../../../src/models/registry";
import { fiveNeuronGeometry } from "../../../src/models/five-neuron";
import { buildTask, parseTaskConfig } from "../../../src/tasks/registry";
import { createJsBackend } from "../../../src/tensor/backend-js";
import { fold, keyFromSeed } from "../../../src/tensor/rng";
import { totalNorm, zerosLike } from "../../../src/tensor/tensor";
import { getLoss } from "../../../src/train/losses";
import { evaluate, trainStep, type SplitStats, type TrainSetup, type TrainState } from "../../../src/train/loop";
import { createOptimizer, parseOptimizerConfig } from "../../../src/train/optimizers";
import { makeSchedule, parseScheduleConfig } from "../../../src/train/schedules";
import { COMPLEXITY_SETTINGS, LLC_SETTINGS, PRESET_SPECS, presetWeightDecay, type LabPicture, type LabSpec, type PresetParts } from "./presets";

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
   * and weight decay shrinks the rest). Gromov: the mean share of a neuron's power in its strongest frequency, and
   * the share of the summed spectrum in its 5 strongest frequencies. Softmax / StableMax: the collapsed share of the
   * training set under the run's own loss, and ‖θ‖. Efficiency: efficiency/gen and efficiency/mem (Varma et al.).
   * Complexity: complexity/bits and the chosen bin size Δ (DeMoss et al.). LLC: llc/mean and llc/std (Lau et al.)
   * at every `measureEvery` steps and at the last step, NaN at the evaluations in between.
   */
  trace(): number[];
}

export function createLab(spec: LabSpec): Lab {
  if (!Number.isInteger(spec.seed) || spec.seed < 0) throw new Error(`seed must be an integer ≥ 0, got ${spec.seed}`);
  if (!Number.isInteger(spec.steps) || spec.steps < 1) throw new Error(`steps must be an integer ≥ 1, got ${spec.steps}`);
  const measureEvery = spec.measureEvery ?? spec.steps;
  if (!Number.isInteger(measureEvery) || measureEvery < 1) throw new Error(`measureEvery must be an integer ≥ 1, got ${spec.measureEvery}`);
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
  const lossName = p.loss;

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
      if (spec.lab === "sparse_parity") {
        const [dim, hidden] = params.W_0.shape;
        return { lab: "sparse_parity", W_0: params.W_0.data.slice(), dim, hidden, nBits: Number(meta.n), kRelevant: Number(meta.k) };
      }
      if (spec.lab === "gromov") {
        const U = params.U, [N, P] = U.shape;
        const { power, order } = neuronSpectra(U.data, N, P);
        const S = frequencyPower(U, P, 1).subarray(1);
        const total = S.reduce((a, b) => a + b, 0);
        return { lab: "gromov", U: U.data.slice(), N, p: P, neuronPower: power, spectrum: S.map((v) => v / total), order };
      }
      return { lab: "none" };
    },
    trace(): number[] {
      switch (spec.lab) {
        case "five_neuron": {
          const gaps = fiveNeuronGeometry(params).sortedGaps;
          return [gaps[0], gaps[gaps.length - 1]];
        }
        case "sparse_parity":
          return relevantWeight(params.W_0.data, params.W_0.shape[1], Number(meta.n), Number(meta.k));
        case "gromov": {
          const [N, P] = params.U.shape;
          return [meanPeakShare(neuronSpectra(params.U.data, N, P).power, N, P >> 1), topFraction(frequencyPower(params.U, P, 1), 5)];
        }
        case "softmax":
        case "stablemax": {
          const logits = model.forward(params, data.train).logits;
          const C = model.nOut;
          const collapsed = lossName === "stablemax_cross_entropy" ? stablemaxCollapseFraction(logits, data.train.y, C) : softmaxCollapseFraction(logits, data.train.y, C);
          return [collapsed, totalNorm(params)];
        }
        case "efficiency": {
          const e = efficiencyCircuits({ params, data, model, step: state.step });
          return [e["efficiency/gen"], e["efficiency/mem"]];
        }
        case "complexity": {
          const c = complexityMeasure({ params, data, model, step: state.step, loss: setup.loss, backend, settings: { complexity: COMPLEXITY_SETTINGS } });
          return [c["complexity/bits"], c["complexity/bin"]];
        }
        case "llc": {
          if (state.step % measureEvery !== 0 && state.step !== spec.steps) return [NaN, NaN];
          // the measure's key as a run derives it at this step (src/runs/run.ts), so `grokscope train` draws the same chains
          const e = estimateLlc(model, params, data.train, setup.loss, backend, fold(key, `measures/${state.step}`), LLC_SETTINGS);
          return [e.mean, e.std];
        }
      }
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

/**
 * Each neuron's power spectrum over its p input weights (row n of U [N, p]), without the constant term: power
 * [N, J] with J = ⌊p/2⌋, column k − 1 holding frequency k as a share of the neuron's non-constant power; and the
 * neurons ordered by their strongest frequency, then by that frequency's phase (so neurons with the same wave sit
 * together in a heatmap).
 */
export function neuronSpectra(U: Float32Array, N: number, p: number): { power: Float32Array; order: Int32Array } {
  const J = p >> 1, power = new Float32Array(N * J), buf = new Float64Array(J + 1);
  const peak = new Int32Array(N), phase = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    rfftPower(U, p, n * p, 1, buf);
    let total = 0, best = 1;
    for (let k = 1; k <= J; k++) {
      total += buf[k];
      if (buf[k] > buf[best]) best = k;
    }
    for (let k = 1; k <= J; k++) power[n * J + k - 1] = total > 0 ? buf[k] / total : 0;
    peak[n] = best;
    let re = 0, im = 0;
    for (let a = 0; a < p; a++) {
      re += U[n * p + a] * Math.cos((2 * Math.PI * best * a) / p);
      im -= U[n * p + a] * Math.sin((2 * Math.PI * best * a) / p);
    }
    phase[n] = Math.atan2(im, re);
  }
  const order = Int32Array.from({ length: N }, (_, n) => n).sort((a, b) => peak[a] - peak[b] || phase[a] - phase[b]);
  return { power, order };
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
