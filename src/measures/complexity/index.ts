/** Complexity by lossy compression (DeMoss et al. 2024). */
import type { MeasureGroup } from "../measure.js";
import { COMPLEXITY_MEASURES, ComplexitySettingsSchema } from "./complexity.js";

// Compressed bits of the weights within a loss bound; settings from measure_settings.complexity.
export const COMPLEXITY: MeasureGroup = { measures: COMPLEXITY_MEASURES, settings: { key: "complexity", schema: ComplexitySettingsSchema } };
