/**
 * Held-out evaluation of the early-warning predictor over a sweep's runs: runs are grouped (by seed, grid cell or
 * run), groups dealt into k folds by a seeded shuffle, and each fold predicted by a model fitted on the others.
 * Runs that grokked at or before their cutoff are counted and excluded (predicting them is trivial).
 *
 * "Will it grok" is scored by accuracy, balanced accuracy and ROC AUC against the majority class of each training
 * fold and against the better constant answer chosen in hindsight; "when" by Spearman's ρ between predicted and actual grok steps of the held-out runs that did grok, and by
 * the mean |log₁₀ error| against predicting each training fold's median grok step.
 */
import { fold, keyFromSeed, permutation } from "../../tensor/rng.js";
import type { SweepRunResult } from "../types.js";
import { describeCutoff, resolveCutoff } from "./features.js";
import { fitEarlyWarning, predictEarlyWarning, type EarlyWarningOptions } from "./model.js";
import { auc, median, spearman } from "./stats.js";

export type EarlyWarningGroupBy = "seed" | "cell" | "run";

export interface EvaluateEarlyWarningOptions extends EarlyWarningOptions {
  /** Number of folds (default 5), at most the number of groups; equal to it is leave-one-group-out. */
  readonly folds?: number;
  /** What a fold holds out whole (default "seed": every run of a seed, so no seed is seen in training). */
  readonly group_by?: EarlyWarningGroupBy;
  /** Seed of the shuffle that deals groups into folds (default 0). */
  readonly seed?: number;
}

export interface HeldOutPrediction {
  readonly runKey: string;
  readonly fold: number;
  readonly cutoff_step: number;
  readonly p_grok: number;
  readonly will_grok: boolean;
  readonly predicted_grok_step: number | null;
  /** The run's summary.grok_step (null: did not grok within its steps). */
  readonly grok_step: number | null;
  readonly baseline_will_grok: boolean;
  readonly baseline_grok_step: number | null;
}

export interface EarlyWarningReport {
  readonly cutoff: string;
  readonly group_by: EarlyWarningGroupBy;
  readonly folds: number;
  readonly n_runs: number;
  /** Runs with grok_step ≤ their cutoff: counted here, left out of everything below. */
  readonly n_grokked_before_cutoff: number;
  /** Runs evaluated, and how many of them grokked within their steps. */
  readonly n: number;
  readonly n_grok: number;
  readonly accuracy: number;
  readonly balanced_accuracy: number;
  readonly auc: number | null;
  readonly baseline_accuracy: number;
  readonly baseline_balanced_accuracy: number;
  /** The better constant answer chosen in hindsight on the evaluated runs: max(n_grok, n − n_grok) / n. */
  readonly best_constant_accuracy: number;
  /** Held-out runs that grokked after their cutoff, on which "when" is scored. */
  readonly n_grok_test: number;
  readonly spearman: number | null;
  readonly log10_mae: number | null;
  readonly baseline_log10_mae: number | null;
  /** Standardized coefficients of a model fitted on every evaluated run, largest |grok coefficient| first. */
  readonly coefficients: readonly { readonly feature: string; readonly grok: number; readonly when: number | null }[];
  readonly predictions: readonly HeldOutPrediction[];
  readonly excluded: readonly { readonly runKey: string; readonly grok_step: number }[];
}

function groupKey(r: SweepRunResult, by: EarlyWarningGroupBy): string {
  if (by === "seed") return String(r.seed);
  if (by === "run") return r.runKey;
  return JSON.stringify(Object.keys(r.cell).sort().map((k) => [k, r.cell[k]]));
}

function balancedAccuracy(pred: readonly boolean[], label: readonly boolean[]): number {
  let tp = 0, pos = 0, tn = 0, neg = 0;
  for (let i = 0; i < label.length; i++) {
    if (label[i]) (pos++, pred[i] && tp++);
    else (neg++, !pred[i] && tn++);
  }
  const rates = [pos ? tp / pos : NaN, neg ? tn / neg : NaN].filter((v) => !Number.isNaN(v));
  return rates.reduce((a, b) => a + b, 0) / rates.length;
}

const orNull = (v: number) => (Number.isFinite(v) ? v : null);

export function evaluateEarlyWarning(results: readonly SweepRunResult[], opts: EvaluateEarlyWarningOptions): EarlyWarningReport {
  const groupBy = opts.group_by ?? "seed";
  if (!["seed", "cell", "run"].includes(groupBy)) throw new Error(`early warning: group_by must be "seed", "cell" or "run", got ${JSON.stringify(groupBy)}`);
  const excluded: { runKey: string; grok_step: number }[] = [];
  const eligible: SweepRunResult[] = [];
  for (const r of results) {
    const c = resolveCutoff(r.rows, r.summary.steps, opts.cutoff);
    const g = r.summary.grok_step;
    if (g !== null && g <= c) excluded.push({ runKey: r.runKey, grok_step: g });
    else eligible.push(r);
  }
  const folds = opts.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`early warning: folds must be an integer ≥ 2, got ${folds}`);
  const groups = [...new Set(eligible.map((r) => groupKey(r, groupBy)))].sort();
  const k = Math.min(folds, groups.length);
  if (k < 2) throw new Error(`early warning: need at least 2 folds of ${groupBy}s; ${eligible.length} runs in ${groups.length} group(s) are left after excluding ${excluded.length} that grokked before the cutoff`);
  const perm = permutation(fold(keyFromSeed(opts.seed ?? 0), "early-warning/folds"), groups.length);
  const foldOf = new Map<string, number>();
  for (let i = 0; i < groups.length; i++) foldOf.set(groups[perm[i]], i % k);

  const predictions: HeldOutPrediction[] = [];
  for (let f = 0; f < k; f++) {
    const test = eligible.filter((r) => foldOf.get(groupKey(r, groupBy)) === f);
    const train = eligible.filter((r) => foldOf.get(groupKey(r, groupBy)) !== f);
    const model = fitEarlyWarning(train, opts);
    const trainGrok = train.flatMap((r) => (r.summary.grok_step === null ? [] : [r.summary.grok_step]));
    const majority = 2 * trainGrok.length >= train.length;
    const medianStep = trainGrok.length ? median(trainGrok) : null;
    for (const r of test) {
      const p = predictEarlyWarning(model, r);
      predictions.push({ runKey: r.runKey, fold: f, cutoff_step: p.cutoff_step, p_grok: p.p_grok, will_grok: p.will_grok, predicted_grok_step: p.grok_step, grok_step: r.summary.grok_step, baseline_will_grok: majority, baseline_grok_step: medianStep });
    }
  }
  const order = new Map(eligible.map((r, i) => [r.runKey, i]));
  predictions.sort((a, b) => order.get(a.runKey)! - order.get(b.runKey)!); // the order the runs came in

  const label = predictions.map((p) => p.grok_step !== null);
  const nGrok = label.filter(Boolean).length;
  const pred = predictions.map((p) => p.will_grok), base = predictions.map((p) => p.baseline_will_grok);
  const acc = (ps: readonly boolean[]) => ps.filter((v, i) => v === label[i]).length / ps.length;
  const when = predictions.filter((p) => p.grok_step !== null && p.predicted_grok_step !== null);
  const err = (est: number | null, actual: number) => (est === null ? NaN : Math.abs(Math.log10(est) - Math.log10(actual)));
  const mae = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const whenBase = predictions.filter((p) => p.grok_step !== null && p.baseline_grok_step !== null);

  const full = fitEarlyWarning(eligible, opts);
  const coefficients = full.features
    .map((feature, j) => ({ feature, grok: full.grok.weights[j], when: full.when === null ? null : full.when.weights[j] }))
    .sort((a, b) => Math.abs(b.grok) - Math.abs(a.grok));

  return {
    cutoff: describeCutoff(opts.cutoff),
    group_by: groupBy,
    folds: k,
    n_runs: results.length,
    n_grokked_before_cutoff: excluded.length,
    n: predictions.length,
    n_grok: nGrok,
    accuracy: acc(pred),
    balanced_accuracy: balancedAccuracy(pred, label),
    auc: orNull(auc(predictions.map((p) => p.p_grok), label)),
    baseline_accuracy: acc(base),
    baseline_balanced_accuracy: balancedAccuracy(base, label),
    best_constant_accuracy: Math.max(nGrok, predictions.length - nGrok) / predictions.length,
    n_grok_test: when.length,
    spearman: when.length >= 3 ? orNull(spearman(when.map((p) => p.predicted_grok_step!), when.map((p) => p.grok_step!))) : null,
    log10_mae: orNull(mae(when.map((p) => err(p.predicted_grok_step, p.grok_step!)))),
    baseline_log10_mae: orNull(mae(whenBase.map((p) => err(p.baseline_grok_step, p.grok_step!)))),
    coefficients,
    predictions,
    excluded,
  };
}
