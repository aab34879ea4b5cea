/** Memorization under label corruption (Doshi et al. 2024); prune.ts holds the neuron pruning of the same paper. */
import type { MeasureGroup } from "../measure.js";
import { CORRUPTION_MEASURES } from "./corruption.js";

// Train accuracy on clean and on label-corrupted examples, and inversion.
export const MEMORIZATION: MeasureGroup = { measures: CORRUPTION_MEASURES };
