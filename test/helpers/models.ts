import { buildModel } from "../../src/models/registry.js";
import type { Model } from "../../src/models/model.js";
import type { Dataset } from "../../src/tasks/dataset.js";
import type { Backend } from "../../src/tensor/backend.js";

/** The registry's autograd models from a partial snake_case config (defaults filled by the model's schema). */
type Partial_ = object;
const make = (name: string) => (config: Partial_, data: Dataset, backend: Backend): Model => buildModel({ ...(config as Record<string, unknown>), name }, data, backend, { autograd: true });

export const createMlp = make("mlp");
export const createEmbedMlp = make("embed_mlp");
export const createFiveNeuron = make("five_neuron");
export const createTransformer = make("transformer");
/** The autograd (reference) gromov model; `createGromov` in src/models/gromov.ts is the hand-fused one. */
export const createGromovAutograd = make("gromov");
