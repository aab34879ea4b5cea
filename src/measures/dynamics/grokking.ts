/**
 * Run-level scalars from the evaluation history: when the run memorized (train accuracy first reached the threshold),
 * when it grokked (test accuracy first reached it), and the delay between them — Power et al. (2022)'s definition of
 * grokking as generalization long after memorization.
 */

/** One evaluation of a run (extra metric keys are allowed and ignored). */
export interface EvalRecord {
  readonly step: number;
  readonly train_acc?: number | null;
  readonly test_acc?: number | null;
}

/** The smallest evaluated step whose `key` is ≥ threshold, or null if none is. */
export function firstStepReaching(history: readonly EvalRecord[], key: "train_acc" | "test_acc", threshold: number): number | null {
  let first: number | null = null;
  for (const r of history) {
    const v = r[key];
    if (v !== undefined && v !== null && v >= threshold && (first === null || r.step < first)) first = r.step;
  }
  return first;
}

/** First evaluated step with train accuracy ≥ threshold (default 0.99), or null. */
export function memorizeStep(history: readonly EvalRecord[], threshold = 0.99): number | null {
  return firstStepReaching(history, "train_acc", threshold);
}

/** First evaluated step with test accuracy ≥ threshold (default 0.99), or null. */
export function grokStep(history: readonly EvalRecord[], threshold = 0.99): number | null {
  return firstStepReaching(history, "test_acc", threshold);
}

/** grokStep − memorizeStep, or null when either is missing. */
export function grokDelay(history: readonly EvalRecord[], threshold = 0.99): number | null {
  const m = memorizeStep(history, threshold), g = grokStep(history, threshold);
  return m === null || g === null ? null : g - m;
}
