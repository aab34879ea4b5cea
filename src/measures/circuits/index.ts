/** Circuit measures: five-neuron geometry, attention to the operands, logit lens. */
import type { MeasureGroup } from "../measure.js";
import { fiveNeuronGeometryMeasure } from "./five-neuron.js";
import { ATTENTION_MEASURES } from "./attention.js";
import { LOGIT_LENS_MEASURES } from "./logit-lens.js";

export const CIRCUITS: MeasureGroup = {
  measures: {
    "five_neuron/geometry": {
      describe: "neuron angles, gaps, norms and output/input rotation of the PAIR five-neuron model",
      appliesTo: (m) => (m.name === "five_neuron" ? null : `needs the five_neuron model (the run's model is "${m.name}")`),
      compute: fiveNeuronGeometryMeasure,
    },
    // Share of the prediction position's attention on the operands (Nanda et al. 2023).
    ...ATTENTION_MEASURES,
    // Each block's residual decoded by the unembedding (logit lens), on the ID and OOD tests.
    ...LOGIT_LENS_MEASURES,
  },
};
