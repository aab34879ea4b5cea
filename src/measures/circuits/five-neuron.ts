import { fiveNeuronGeometry } from "../../models/five-neuron.js";
import type { Measure } from "../measure.js";
import { paramOf } from "../measure.js";

/**
 * `five_neuron/*`: the geometry PAIR's article reads off the trained 5-neuron model (docs/reproductions.md R4) — the
 * spread of the neurons' input directions around the circle (evenly spread: every gap 72°), how equal their
 * norms are, and how much faster the output projection rotates than the input (2× in the trained solution).
 */
export const fiveNeuronGeometryMeasure: Measure = (ctx) => {
  paramOf(ctx, "five_neuron/geometry", "W_in");
  const g = fiveNeuronGeometry(ctx.params);
  const norms = g.neuronNorms;
  const mean = norms.reduce((s, v) => s + v, 0) / norms.length;
  return {
    "five_neuron/angle_step_ratio": g.angleStepRatio,
    "five_neuron/min_gap_deg": g.sortedGaps[0],
    "five_neuron/max_gap_deg": g.sortedGaps[g.sortedGaps.length - 1],
    "five_neuron/norm_spread": (Math.max(...norms) - Math.min(...norms)) / mean,
  };
};
