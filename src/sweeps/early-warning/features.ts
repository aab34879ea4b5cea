/**
 * Early-warning features: numbers read from the first part of a run (every metric row at step ≤ the cutoff, none
 * after), from which `model.ts` predicts whether and when the run will grok.
 *
 * Time is read on a log axis (grokking spans orders of magnitude in steps), so trends are least-squares slopes
 * against ln(step) over the prefix's second half, [cutoff/2, cutoff] (the whole prefix from step 1 when that half
 * holds fewer than 3 evaluations).
 */
import type { MetricRow } from "../../runs/metrics-file.js";
import { curvature, slope } from "./stats.js";

/** Where the prefix ends: a fraction of the run's steps, an absolute step, or K steps after memorization. */
export type EarlyWarningCutoff =
  | { readonly fraction: number }
  | { readonly step: number }
  /** K steps after the first evaluation with train accuracy ≥ 0.99, capped at `max_fraction` of the run (default 0.5). */
  | { readonly after_memorize: number; readonly max_fraction?: number };

export const MEMORIZE_THRESHOLD = 0.99;
const BASE_KEYS = new Set(["train_loss", "test_loss", "train_acc", "test_acc"]);
const LOSS_FLOOR = 1e-30; // ln of an exactly-zero float64 loss

/** The features every run has, in model order; measure features (`<key>` and `<key>:rel_slope`) follow them. */
export const BASE_FEATURES = [
  "test_acc", // at the cutoff
  "test_acc_max", // best so far
  "test_acc_slope", // d test_acc / d ln step
  "train_acc",
  "log_train_loss",
  "train_loss_slope", // d ln train_loss / d ln step: > 0 is the train-loss rise seen before grokking (R3)
  "log_test_loss",
  "test_loss_slope", // d ln test_loss / d ln step
  "test_loss_curvature", // c₂ of ln test_loss ≈ c₀ + c₁ ln step + c₂ ln² step
  "memorized", // 1 when train accuracy reached 0.99 by the cutoff
  "since_memorize", // (cutoff − memorize step) / cutoff, 0 when not memorized
] as const;

export function describeCutoff(c: EarlyWarningCutoff): string {
  if ("fraction" in c) return `first ${+(c.fraction * 100).toPrecision(4)}% of each run's steps`;
  if ("step" in c) return `steps ≤ ${c.step}`;
  return `memorization + ${c.after_memorize} steps (at most ${+((c.max_fraction ?? 0.5) * 100).toPrecision(4)}% of the run)`;
}

function checkCutoff(c: EarlyWarningCutoff): void {
  if ("fraction" in c) {
    if (!(c.fraction > 0 && c.fraction <= 1)) throw new Error(`early warning: cutoff.fraction must be in (0, 1], got ${c.fraction}`);
  } else if ("step" in c) {
    if (!Number.isInteger(c.step) || c.step < 0) throw new Error(`early warning: cutoff.step must be an integer ≥ 0, got ${c.step}`);
  } else if ("after_memorize" in c) {
    if (!Number.isInteger(c.after_memorize) || c.after_memorize < 0) throw new Error(`early warning: cutoff.after_memorize must be an integer ≥ 0, got ${c.after_memorize}`);
    const m = c.max_fraction ?? 0.5;
    if (!(m > 0 && m <= 1)) throw new Error(`early warning: cutoff.max_fraction must be in (0, 1], got ${m}`);
  } else throw new Error(`early warning: cutoff must have "fraction", "step" or "after_memorize", got ${JSON.stringify(c)}`);
}

/**
 * The last step whose rows a prediction may read, for a run of `totalSteps` updates. For `after_memorize` the
 * memorization step is found among rows at or before the cap, so the cutoff itself uses no later information.
 */
export function resolveCutoff(rows: readonly MetricRow[], totalSteps: number, cutoff: EarlyWarningCutoff): number {
  checkCutoff(cutoff);
  if ("fraction" in cutoff) return Math.floor(cutoff.fraction * totalSteps);
  if ("step" in cutoff) return cutoff.step;
  const cap = Math.floor((cutoff.max_fraction ?? 0.5) * totalSteps);
  let mem = Infinity;
  for (const r of rows) if (r.key === "train_acc" && r.step <= cap && r.value >= MEMORIZE_THRESHOLD && r.step < mem) mem = r.step;
  return Math.min(cap, mem + cutoff.after_memorize);
}

/** The series of each metric key at steps ≤ cutoff, sorted by step (rows may come in any order). */
function prefixSeries(rows: readonly MetricRow[], cutoff: number): Map<string, { step: number; value: number }[]> {
  const out = new Map<string, { step: number; value: number }[]>();
  for (const r of rows) {
    if (r.step > cutoff) continue;
    let s = out.get(r.key);
    if (!s) out.set(r.key, (s = []));
    s.push({ step: r.step, value: r.value });
  }
  for (const s of out.values()) s.sort((a, b) => a.step - b.step);
  return out;
}

type Series = readonly { step: number; value: number }[];

/** The finite points of the fit window (see the file comment), as (ln step, f(value)). */
function window(s: Series, cutoff: number, f: (v: number) => number): { x: number[]; y: number[] } {
  const pick = (lo: number) => {
    const x: number[] = [], y: number[] = [];
    for (const p of s) {
      const v = f(p.value);
      if (p.step >= Math.max(1, lo) && Number.isFinite(v)) (x.push(Math.log(p.step)), y.push(v));
    }
    return { x, y };
  };
  const half = pick(cutoff / 2);
  return half.x.length >= 3 ? half : pick(1);
}

function last(s: Series | undefined): number {
  if (!s) return NaN;
  for (let i = s.length - 1; i >= 0; i--) if (Number.isFinite(s[i].value)) return s[i].value;
  return NaN;
}

const logLoss = (v: number) => Math.log(Math.max(v, LOSS_FLOOR));
const identity = (v: number) => v;

/**
 * Features of the rows at steps ≤ `cutoff`. A value is NaN when the prefix cannot define it (no evaluation yet,
 * too few points for a trend); the model fills those with its training mean.
 */
export function prefixFeatures(rows: readonly MetricRow[], cutoff: number): Record<string, number> {
  const series = prefixSeries(rows, cutoff);
  const empty: Series = [];
  const testAcc = series.get("test_acc") ?? empty, trainAcc = series.get("train_acc") ?? empty;
  const trainLoss = series.get("train_loss") ?? empty, testLoss = series.get("test_loss") ?? empty;
  const fitSlope = (s: Series, f: (v: number) => number) => {
    const w = window(s, cutoff, f);
    return slope(w.x, w.y);
  };
  let accMax = NaN;
  for (const p of testAcc) if (Number.isFinite(p.value) && !(p.value <= accMax)) accMax = p.value;
  const mem = trainAcc.find((p) => p.value >= MEMORIZE_THRESHOLD)?.step;
  const tl = window(testLoss, cutoff, logLoss);
  const f: Record<string, number> = {
    test_acc: last(testAcc),
    test_acc_max: accMax,
    test_acc_slope: fitSlope(testAcc, identity),
    train_acc: last(trainAcc),
    log_train_loss: logLoss(last(trainLoss)),
    train_loss_slope: fitSlope(trainLoss, logLoss),
    log_test_loss: logLoss(last(testLoss)),
    test_loss_slope: slope(tl.x, tl.y),
    test_loss_curvature: curvature(tl.x, tl.y),
    memorized: mem === undefined ? 0 : 1,
    since_memorize: mem === undefined || cutoff === 0 ? 0 : (cutoff - mem) / cutoff,
  };
  for (const [key, s] of [...series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (BASE_KEYS.has(key)) continue;
    const lastValue = last(s);
    const w = window(s, cutoff, identity);
    const mean = w.y.reduce((a, b) => a + b, 0) / w.y.length;
    f[key] = lastValue;
    // Relative slope, (d value / d ln step) / mean: scale-free, ≈ d ln value / d ln step for a positive measure.
    f[`${key}:rel_slope`] = mean === 0 ? NaN : slope(w.x, w.y) / Math.abs(mean);
  }
  return f;
}

/** A run's cutoff step and the features of its prefix. */
export function earlyWarningFeatures(run: { readonly rows: readonly MetricRow[]; readonly summary: { readonly steps: number } }, cutoff: EarlyWarningCutoff): { cutoff_step: number; features: Record<string, number> } {
  const step = resolveCutoff(run.rows, run.summary.steps, cutoff);
  return { cutoff_step: step, features: prefixFeatures(run.rows, step) };
}
