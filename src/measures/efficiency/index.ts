/** Circuit efficiency (Varma et al. 2023). */
import type { MeasureGroup } from "../measure.js";
import { EFFICIENCY_MEASURES } from "./efficiency.js";

// Logit per unit parameter norm^degree, on train and held-out pairs.
export const EFFICIENCY: MeasureGroup = { measures: EFFICIENCY_MEASURES };
