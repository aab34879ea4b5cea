/**
 * What the explorable's sections and their worker share: the run spec each lab trains (the presets R4, R3, R1 and R6
 * of the reproductions, the last two at a browser size, with the measures its section draws), what a section asks
 * the worker to train, and the arrays it gets back to draw. Data only, no engine code, so the page's bundle stays
 * small; the engine runs in the worker (./labs).
 */
import { gromov } from "../../../src/runs/presets/gromov";
import { pairFiveNeuron } from "../../../src/runs/presets/pair-five-neuron";
import { prietoSoftmax, prietoStablemax } from "../../../src/runs/presets/prieto";
import { sparseParity } from "../../../src/runs/presets/sparse-parity";

export type LabName = "five_neuron" | "sparse_parity" | "gromov" | "softmax" | "stablemax" | "efficiency" | "complexity" | "llc";

/** What a section asks the worker to train. */
export interface LabSpec {
  readonly lab: LabName;
  readonly seed: number;
  /** Total steps; training stops there. */
  readonly steps: number;
  /** AdamW's decoupled weight decay (the preset's value when omitted). */
  readonly weightDecay?: number;
  /**
   * Steps between two estimates of a slow measure (the LLC lab; a multiple of the worker's evaluation cadence, so
   * every estimate falls on an evaluation). The last step is always estimated. Unused by the other labs.
   */
  readonly measureEvery?: number;
}

/** The arrays a section draws, copied out of the parameters at one step. */
export type LabPicture =
  | {
      readonly lab: "five_neuron";
      readonly W_in: Float32Array; // [2, K]: column k is neuron k's input direction
      readonly W_out: Float32Array; // [K, 2]: row k is neuron k's output direction
      readonly neuronAngles: number[]; // degrees, (−180, 180]
      readonly angleStepRatio: number;
      readonly sortedGaps: number[]; // degrees, ascending
    }
  | {
      readonly lab: "sparse_parity";
      readonly W_0: Float32Array; // [dim, H]: input bit i → hidden neuron j (dim = n_bits + 1 bias input)
      readonly dim: number;
      readonly hidden: number;
      readonly nBits: number;
      readonly kRelevant: number;
    }
  | {
      readonly lab: "gromov";
      readonly U: Float32Array; // [N, p]: row n is neuron n's weight on the first operand a = 0 … p − 1
      readonly N: number;
      readonly p: number;
      /** [N, J], J = ⌊p/2⌋: each neuron's power at frequency k = 1 … J (column k − 1), as a share of its own total. */
      readonly neuronPower: Float32Array;
      /** [J]: Σ over neurons of the power at frequency k = 1 … J, as a share of the total (fourier-circuit's S_k). */
      readonly spectrum: Float64Array;
      /** Neuron indices ordered by their strongest frequency (then by phase), so equal waves sit together. */
      readonly order: Int32Array;
    }
  | { readonly lab: "none" };

/** A lab's run spec, in `grokscope train`'s keys; the explorable reads these (others, such as `eval`, are ignored). */
export interface LabRunSpec {
  readonly steps: number;
  readonly task: unknown;
  readonly model: unknown;
  readonly loss: string;
  readonly optimizer: { readonly weight_decay?: number };
  readonly schedule?: unknown;
  readonly batch_size?: number | null;
  /** Measures of src/measures by registry name, recorded at every evaluation (./labs adds a few of its own). */
  readonly measures: readonly string[];
  readonly measure_settings?: Readonly<Record<string, unknown>>;
}

/** A preset's spec read as a lab's (the preset modules type their specs loosely). */
const specOf = (preset: { readonly spec: Readonly<Record<string, unknown>> }): LabRunSpec => preset.spec as unknown as LabRunSpec;

/**
 * R1 (gromov) at a browser size: p = 41 and N = 128 instead of 97 and 500 (about 30× less work per step on the js
 * backend); the rest is the preset's (MSE, AdamW lr 1e-2, wd 5, half the pairs for training). It still memorizes
 * near step 80 and groks near step 100 (seed 1).
 */
const GROMOV_SMALL: LabRunSpec = {
  ...specOf(gromov),
  steps: 300,
  task: { name: "modular", op: "add", p: 41, train_fraction: 0.5 },
  model: { name: "gromov", width: 128, init_scale: 1 },
};

/**
 * R6 (Prieto et al. 2025) at a browser size: the authors' bias-free MLP on concatenated one-hots, p = 23 and width 64
 * instead of 113 and 200 (about 60× less work per step); float32 softmax CE against StableMax CE, both with AdamW,
 * no weight decay, ε = 1e-25, each with its preset's β2.
 */
const PRIETO_SMALL = {
  task: { name: "modular", op: "add", p: 23, train_fraction: 0.4 },
  model: { name: "mlp", depth: 2, width: 64, activation: "relu", bias: false, init_scale: 1 },
};

/**
 * `measure_settings.complexity` for the complexity lab: the measure's defaults (ε = 3% of the zero-logit loss, τ ∈
 * {1, 0.95, 0.9, 0.8, 0.6}) with bin sizes 2^(−k/4), k = 1 … 64, twice as fine as the default 2^(−k/2): the default
 * grid makes the curve jump by ~15% whenever the chosen bin crosses a factor √2 (seen on this net near step 120).
 */
export const COMPLEXITY_SETTINGS = { bins: Array.from({ length: 64 }, (_, i) => 2 ** (-(i + 1) / 4)) };

/**
 * `measure_settings.llc` for the LLC lab, small enough for the browser (~1.5 s per estimate on the js backend, a few
 * tenths of a second on wasm):
 * 2 chains × (40 burn-in + 40 draws), minibatch 256, γ = 100 (the measure's), ε = 1e-3 (the measure's 1e-4 moves the
 * chain too little in 80 steps: it reads about a third as high on this net; docs/measures/llc.md finds 1e-3 stable
 * at p = 31, N = 128). Short chains underestimate: compare the values with each other, not with other settings.
 */
export const LLC_SETTINGS = { epsilon: 1e-3, gamma: 100, chains: 2, burn_in: 40, draws: 40, batch_size: 256 };

/**
 * What each lab trains: a run spec of the presets the sections follow (R4, R3, R1 and R6 of the reproductions; the
 * last two made smaller), with the measures its section draws, as `grokscope train <preset> --set measures=[…]`
 * would record them.
 */
export const LAB_SPECS: Readonly<Record<LabName, LabRunSpec>> = {
  five_neuron: { ...specOf(pairFiveNeuron), measures: ["five_neuron/geometry"] },
  sparse_parity: { ...specOf(sparseParity), measures: [] },
  gromov: { ...GROMOV_SMALL, measures: ["fourier/spectrum"] },
  // collapse from ~1,000; a loss spike near 1,700 (seed 1)
  softmax: { ...specOf(prietoSoftmax), ...PRIETO_SMALL, steps: 2000, measures: ["stability/softmax_collapse", "weights/norm"] },
  stablemax: { ...specOf(prietoStablemax), ...PRIETO_SMALL, steps: 2000, measures: ["weights/norm"] },
  // circuit efficiency (Varma et al. 2023) on the same small gromov net
  efficiency: { ...GROMOV_SMALL, measures: ["efficiency/gen"] },
  // compressed-weight complexity (DeMoss et al. 2024) and the local learning coefficient (Lau et al. 2023), same net
  complexity: { ...GROMOV_SMALL, measures: ["complexity"], measure_settings: { complexity: COMPLEXITY_SETTINGS } },
  llc: { ...GROMOV_SMALL, measures: ["llc"], measure_settings: { llc: LLC_SETTINGS } },
};

/** The preset's default weight decay (AdamW). */
export function presetWeightDecay(lab: LabName): number {
  return LAB_SPECS[lab].optimizer.weight_decay ?? 0;
}

/** The preset's run length. */
export function presetSteps(lab: LabName): number {
  return LAB_SPECS[lab].steps;
}
