/** Numerical-stability measures (Prieto et al. 2025). */
import type { MeasureGroup } from "../measure.js";
import { STABILITY_MEASURES } from "./stability.js";

// Softmax Collapse fraction and the cosine with naive loss minimization.
export const STABILITY: MeasureGroup = { measures: STABILITY_MEASURES };
