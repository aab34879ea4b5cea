/**
 * "Surfing" along the set of near-zero-loss weights: how far a run travels once its training loss is below ε, how
 * much of that motion is orthogonal to the loss gradient, and how the weight norm changes on the way. Weight decay
 * keeps a run moving along the minimum-loss set towards small-norm (generalizing) weights; without it, the run
 * stops where it first fits the data (Liu, Michaud & Tegmark 2023, "Omnigrok"; Lyu et al. 2024, "Dichotomy of
 * early and late phase implicit biases can provably induce grokking"). Definitions and their exactness: the
 * per-step tracker in src/train/surfing-tracker.ts, which a run attaches when it computes this measure.
 *   surfing/path_length          Σ ‖θ_t − θ_{t−1}‖ over the updates taken with the full-batch train loss < ε
 *   surfing/orthogonal_fraction  Σ ‖Δ⊥‖² / Σ ‖Δ‖², Δ⊥ the part of each update orthogonal to the loss gradient
 *                                (absent until the first counted update)
 *   surfing/norm_change          Σ (‖θ_t‖ − ‖θ_{t−1}‖) over those updates (negative: the norm shrinks)
 *   surfing/steps                number of counted updates
 * Settings (spec `measure_settings.surfing`): epsilon, the loss below which an update counts.
 */
import { z } from "zod";
import { describeIssue } from "../../util/zod-issue.js";
import type { MeasureContext, MeasureDef } from "../measure.js";

export const SurfingSettingsSchema = z.strictObject({
  // just below the MSE loss right after the gromov runs fit (docs/measures/surfing.md); cross-entropy needs ~1e-2
  epsilon: z.number().gt(0, "must be > 0").finite("must be finite").default(1e-3),
});

export type SurfingSettings = z.output<typeof SurfingSettingsSchema>;
export const SURFING_SETTING_KEYS: readonly string[] = Object.keys(SurfingSettingsSchema.shape);

/** Normalized settings; the error names the key path ("measure_settings.surfing.epsilon: must be > 0"). */
export function parseSurfingSettings(input: unknown = {}, where = "surfing"): SurfingSettings {
  const r = SurfingSettingsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw new Error(describeIssue(r.error.issues[0], where, SURFING_SETTING_KEYS));
}

export function surfingMeasure(ctx: MeasureContext): Record<string, number> {
  const s = ctx.surfing;
  if (!s) throw new Error(`measure "surfing" needs the per-step tracker a run attaches while it trains; it cannot be computed afterwards from checkpoints`);
  const out: Record<string, number> = { "surfing/path_length": s.pathLength, "surfing/norm_change": s.normChange, "surfing/steps": s.steps };
  if (s.totalSq > 0) out["surfing/orthogonal_fraction"] = s.orthogonalSq / s.totalSq;
  return out;
}

export const SURFING_MEASURES: Readonly<Record<string, MeasureDef>> = {
  surfing: {
    describe: "path length, share of motion orthogonal to the loss gradient and weight-norm change while train loss < ε, per update (Omnigrok; Lyu et al. 2024)",
    inAll: false, // it costs every training step and cannot be computed from checkpoints: only when asked for
    compute: surfingMeasure,
  },
};
