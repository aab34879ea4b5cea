/**
 * Training-dynamics measures: surfing along near-zero-loss weights. grokking.ts (grok/memorize steps) and slingshot.ts
 * (the Slingshot analysis) are run-level analyses of the metric history, not per-step measures.
 */
import type { MeasureGroup } from "../measure.js";
import { SURFING_MEASURES, SurfingSettingsSchema } from "./surfing.js";

// Path length, orthogonal fraction and norm change while the train loss is near zero (a per-step tracker).
export const DYNAMICS: MeasureGroup = { measures: SURFING_MEASURES, settings: { key: "surfing", schema: SurfingSettingsSchema } };
