/** The local learning coefficient: the SGLD estimate (Lau et al. 2023) and the analytic bounds of the quadratic net. */
import type { MeasureGroup } from "../measure.js";
import { LLC_MEASURES, LlcSettingsSchema, llcMeasure, type LlcSettingsInput } from "./llc.js";
import { LLC_ANALYTIC_MEASURES } from "./llc-analytic.js";

export const LLC: MeasureGroup = {
  measures: {
    // Local learning coefficient by localized SGLD; settings from the spec's measure_settings.llc.
    llc: { ...LLC_MEASURES.llc, compute: (ctx) => llcMeasure((ctx.settings?.llc ?? {}) as LlcSettingsInput).compute(ctx) },
    // Learning-coefficient bounds of the quadratic net from the Jacobian rank (SLT); gromov + MSE, small sizes only.
    ...LLC_ANALYTIC_MEASURES,
  },
  settings: { key: "llc", schema: LlcSettingsSchema },
};
