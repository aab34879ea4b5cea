import { SpecError } from "../spec.js";
import { gromov } from "./gromov.js";
import { cullenBasins } from "./cullen.js";
import { pairFiveNeuron } from "./pair-five-neuron.js";
import type { Preset } from "./preset.js";
import { sparseParity } from "./sparse-parity.js";
import { omnigrokMnist, omnigrokMnistFull } from "./omnigrok-mnist.js";
import { pairMod67 } from "./pair-mod67.js";
import { pairNoWd, pairNoWdSmall } from "./pair-no-wd.js";
import { pairSeparateVocab } from "./pair-separate-vocab.js";
import { varmaUngrok } from "./varma.js";
import { surfingNowd, surfingWd } from "./surfing.js";
import { prietoOrthograd, prietoOrthoSgd, prietoSoftmax, prietoStablemax } from "./prieto.js";
import { nanda, nandaSmall } from "./nanda.js";
import { mixtureAsync, wangComparison, wangComposition, wangCompositionGrok } from "./transformer-tasks.js";

export type { Preset } from "./preset.js";

export const PRESETS: Readonly<Record<string, Preset>> = {
  gromov,
  "sparse-parity": sparseParity,
  "omnigrok-mnist": omnigrokMnist,
  "omnigrok-mnist-full": omnigrokMnistFull,
  "pair-five-neuron": pairFiveNeuron,
  "pair-mod67": pairMod67,
  "pair-no-wd": pairNoWd,
  "pair-no-wd-small": pairNoWdSmall,
  "pair-separate-vocab": pairSeparateVocab,
  "varma-ungrok": varmaUngrok,
  "surfing-wd": surfingWd,
  "surfing-nowd": surfingNowd,
  "prieto-softmax": prietoSoftmax,
  "prieto-stablemax": prietoStablemax,
  "prieto-orthograd": prietoOrthograd,
  "prieto-orthosgd": prietoOrthoSgd,
  nanda,
  "nanda-small": nandaSmall,
  "wang-composition": wangComposition,
  "wang-composition-grok": wangCompositionGrok,
  "wang-comparison": wangComparison,
  "mixture-async": mixtureAsync,
  "cullen-basins": cullenBasins,
};

/** The preset's spec with `preset` set, as a fresh mutable object. */
export function presetSpec(name: string): Record<string, unknown> {
  const p = Object.prototype.hasOwnProperty.call(PRESETS, name) ? PRESETS[name] : undefined;
  if (!p) throw new SpecError(`unknown preset "${name}"; known presets: ${Object.keys(PRESETS).join(", ")}`);
  return { preset: name, description: p.describe, ...structuredClone(p.spec) };
}
