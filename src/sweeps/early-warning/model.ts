/**
 * The early-warning predictor: from a run's prefix features, P(the run groks within its budget) by L2 logistic
 * regression, and its grok step by ridge regression of ln(grok step) on the same features, fitted on the training
 * runs that grokked. Features are standardized with the training runs' mean and standard deviation; a feature a
 * run lacks (NaN: a measure it did not compute, a trend with too few points) takes the training mean.
 *
 * Runs that grokked at or before their cutoff are left out of fitting: for them there is nothing to predict.
 */
import type { SweepRunResult } from "../types.js";
import { BASE_FEATURES, earlyWarningFeatures, type EarlyWarningCutoff } from "./features.js";
import { fitLogistic, logisticProbability, type LogisticFit } from "./logistic.js";
import { fitRidge, ridgePredict, type RidgeFit } from "./ridge.js";

/** Test accuracy that counts as grokked (the run summary's grok_step uses the same). */
export const GROK_THRESHOLD = 0.99;

/**
 * Default penalties, chosen on a tuning sweep (sparse parity, 6 weight decays × seeds 1–5, cutoff at 25%) and then
 * checked on fresh seeds 6–10 (docs/early-warning.md): with ~25 training runs and ~20 features the fits need
 * shrinkage, the "when" fit (on the ~10 grokking runs) more.
 */
export const DEFAULT_L2 = 3;
export const DEFAULT_L2_WHEN = 10;

export interface EarlyWarningOptions {
  readonly cutoff: EarlyWarningCutoff;
  /** L2 penalty of the logistic "will it grok" fit, on standardized features (default 3). */
  readonly l2?: number;
  /** L2 penalty of the ridge "when" fit, on standardized features (default 10). */
  readonly l2_when?: number;
}

/** A fitted predictor; plain JSON, so it can be saved and applied to runs of another sweep. */
export interface EarlyWarningModel {
  readonly cutoff: EarlyWarningCutoff;
  readonly features: readonly string[];
  readonly mean: readonly number[];
  readonly scale: readonly number[];
  readonly grok: Pick<LogisticFit, "intercept" | "weights">;
  /** ln(grok step) regression; null when no training run grokked after its cutoff. */
  readonly when: RidgeFit | null;
  readonly n_train: number;
  readonly n_train_grok: number;
  /** Training runs left out because they grokked at or before their cutoff. */
  readonly n_excluded: number;
}

/** What the predictor says about one run, from its rows at steps ≤ `cutoff_step`. */
export interface EarlyWarningPrediction {
  readonly cutoff_step: number;
  /** The prefix already reached test accuracy ≥ 0.99: p_grok is 1 and grok_step the step it did. */
  readonly already_grokked: boolean;
  readonly p_grok: number;
  readonly will_grok: boolean;
  /** Predicted grok step (not rounded), or null when the model saw no grokking run. */
  readonly grok_step: number | null;
}

type RunLike = Pick<SweepRunResult, "rows"> & { readonly summary: { readonly steps: number; readonly grok_step?: number | null } };

interface Example {
  readonly features: Record<string, number>;
  readonly cutoff: number;
  readonly grokStep: number | null;
}

function examples(runs: readonly RunLike[], cutoff: EarlyWarningCutoff): { kept: Example[]; excluded: number } {
  const kept: Example[] = [];
  let excluded = 0;
  for (const r of runs) {
    const { cutoff_step, features } = earlyWarningFeatures(r, cutoff);
    const g = r.summary.grok_step ?? null;
    if (g !== null && g <= cutoff_step) excluded++;
    else kept.push({ features, cutoff: cutoff_step, grokStep: g });
  }
  return { kept, excluded };
}

function standardize(model: Pick<EarlyWarningModel, "features" | "mean" | "scale">, f: Record<string, number>): number[] {
  return model.features.map((name, j) => {
    const v = f[name];
    return v === undefined || !Number.isFinite(v) ? 0 : (v - model.mean[j]) / model.scale[j];
  });
}

const logit = (p: number) => Math.log(p / (1 - p));

export function fitEarlyWarning(train: readonly RunLike[], opts: EarlyWarningOptions): EarlyWarningModel {
  const l2 = opts.l2 ?? DEFAULT_L2, l2When = opts.l2_when ?? DEFAULT_L2_WHEN;
  if (!(l2 > 0)) throw new Error(`early warning: l2 must be > 0, got ${l2}`);
  if (!(l2When > 0)) throw new Error(`early warning: l2_when must be > 0, got ${l2When}`);
  const { kept, excluded } = examples(train, opts.cutoff);
  if (kept.length === 0) throw new Error(`early warning: no training run left (${excluded} grokked at or before the cutoff)`);
  const extra = new Set<string>();
  for (const e of kept) for (const k of Object.keys(e.features)) extra.add(k);
  for (const k of BASE_FEATURES) extra.delete(k);
  const features = [...BASE_FEATURES, ...[...extra].sort()];
  const mean: number[] = [], scale: number[] = [];
  for (const name of features) {
    const vs = kept.map((e) => e.features[name]).filter((v) => v !== undefined && Number.isFinite(v));
    const m = vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : 0;
    const sd = vs.length ? Math.sqrt(vs.reduce((a, b) => a + (b - m) ** 2, 0) / vs.length) : 0;
    mean.push(m);
    // A spread at rounding level (identically computed runs, a slope of a constant) is no signal: keep it unscaled.
    scale.push(sd > 1e-12 && sd > 1e-9 * Math.abs(m) ? sd : 1);
  }
  const base = { features, mean, scale };
  const X = kept.map((e) => standardize(base, e.features));
  const y: number[] = kept.map((e) => (e.grokStep === null ? 0 : 1));
  const nGrok = y.reduce((a, b) => a + b, 0);
  // With one class the MLE intercept is ±∞; the add-½ estimate of the base rate stands in.
  const grok = nGrok === 0 || nGrok === kept.length ? { intercept: logit((nGrok + 0.5) / (kept.length + 1)), weights: features.map(() => 0) } : fitLogistic(X, y, l2);
  const gi = kept.flatMap((e, i) => (e.grokStep === null ? [] : [i]));
  const when = gi.length === 0 ? null : fitRidge(gi.map((i) => X[i]), gi.map((i) => Math.log(kept[i].grokStep!)), l2When);
  return { cutoff: opts.cutoff, ...base, grok: { intercept: grok.intercept, weights: grok.weights }, when, n_train: kept.length, n_train_grok: nGrok, n_excluded: excluded };
}

export function predictEarlyWarning(model: EarlyWarningModel, run: Pick<SweepRunResult, "rows"> & { readonly summary: { readonly steps: number } }): EarlyWarningPrediction {
  const { cutoff_step, features } = earlyWarningFeatures(run, model.cutoff);
  let grokked = Infinity;
  for (const r of run.rows) if (r.key === "test_acc" && r.step <= cutoff_step && r.value >= GROK_THRESHOLD && r.step < grokked) grokked = r.step;
  if (grokked !== Infinity) return { cutoff_step, already_grokked: true, p_grok: 1, will_grok: true, grok_step: grokked };
  const x = standardize(model, features);
  const p = logisticProbability(model.grok, x);
  return { cutoff_step, already_grokked: false, p_grok: p, will_grok: p >= 0.5, grok_step: model.when === null ? null : Math.exp(ridgePredict(model.when, x)) };
}
