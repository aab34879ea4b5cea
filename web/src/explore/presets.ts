/**
 * What the explorable's sections and their worker share: the presets they follow (R4 and R3 of the reproductions),
 * what a section asks the worker to train, and the arrays it gets back to draw. Data only, no engine code, so the
 * page's bundle stays small; the engine runs in the worker (./labs).
 */
import { pairFiveNeuron } from "../../../src/runs/presets/pair-five-neuron";
import { sparseParity } from "../../../src/runs/presets/sparse-parity";

export type LabName = "five_neuron" | "sparse_parity";

/** What a section asks the worker to train. */
export interface LabSpec {
  readonly lab: LabName;
  readonly seed: number;
  /** Total steps; training stops there. */
  readonly steps: number;
  /** AdamW's decoupled weight decay (the preset's value when omitted). */
  readonly weightDecay?: number;
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
    };

/** The presets the sections follow (R4 and R3 of the reproductions). */
export const PRESET_SPECS: Readonly<Record<LabName, Readonly<Record<string, unknown>>>> = {
  five_neuron: pairFiveNeuron.spec,
  sparse_parity: sparseParity.spec,
};

/** The parts of a preset spec the explorable reads. */
export interface PresetParts {
  readonly task: unknown;
  readonly model: { readonly name: string } & Record<string, unknown>;
  readonly loss: string;
  readonly optimizer: Record<string, unknown>;
  readonly schedule?: unknown;
  readonly batch_size?: number | null;
}

/** The preset's default weight decay (AdamW). */
export function presetWeightDecay(lab: LabName): number {
  return (PRESET_SPECS[lab] as unknown as PresetParts).optimizer.weight_decay as number;
}

/** The preset's run length. */
export function presetSteps(lab: LabName): number {
  return PRESET_SPECS[lab].steps as number;
}
