/** Fourier measures of modular-arithmetic networks: neuron IPR, spectrum, key frequencies, restricted/excluded loss, circularity. */
import type { Model } from "../../models/model.js";
import type { Dataset } from "../../tasks/dataset.js";
import type { Params } from "../../tensor/tensor.js";
import type { MeasureGroup } from "../measure.js";
import { fourierIpr } from "./fourier.js";
import { FOURIER_CIRCUIT_MEASURES, FourierSettingsSchema } from "./fourier-circuit.js";
import { CIRCULARITY_MEASURES } from "./circularity.js";

const modularOnly = (_m: Model, data: Dataset): string | null => (typeof data.meta.p === "number" ? null : `needs a modular-arithmetic task (task "${data.name}" has no modulus p)`);
const hasTensor = (name: string) => (_m: Model, _d: Dataset, params: Params): string | null => (params[name] ? null : `needs a tensor "${name}" (the model has ${Object.keys(params).join(", ")})`);

export const FOURIER: MeasureGroup = {
  measures: {
    "fourier/ipr": {
      describe: "mean neuron inverse participation ratio (r = 2) of U's rows over the p inputs (Doshi et al. 2024)",
      appliesTo: (m, d, p) => modularOnly(m, d) ?? hasTensor("U")(m, d, p),
      compute: fourierIpr(),
    },
    // Fourier spectrum, key frequencies, Gini, Nanda's restricted and excluded loss.
    ...FOURIER_CIRCUIT_MEASURES,
    // Circularity of the embedding (PAIR 2023 open questions; Zhong et al. 2023).
    ...CIRCULARITY_MEASURES,
  },
  settings: { key: "fourier", schema: FourierSettingsSchema },
};
