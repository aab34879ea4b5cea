/**
 * Label corruption (Doshi, Das, He & Gromov 2024, "To grok or not to grok: disentangling generalization and
 * memorization on corrupted algorithmic datasets", ICLR 2024, §2). A fraction ξ of the training labels is replaced by
 * a wrong class (task key `label_noise`; the split records the rows and their true labels). Train accuracy then mixes
 * two questions, so it is reported separately:
 *   corruption/train_acc_clean      share of uncorrupted training rows predicted with their label
 *   corruption/train_acc_corrupted  share of corrupted rows predicted with their (wrong) training label: memorization
 *   corruption/inversion            share of corrupted rows predicted with their TRUE label: the rule overrides the data
 * (train_acc_corrupted + inversion ≤ 1; the rest are rows predicted as a third class.) The overall train accuracy is
 * (1 − ξ)·clean + ξ·corrupted, and a network that generalizes perfectly and ignores the corrupted labels ("full
 * inversion") sits at train accuracy 1 − ξ.
 *
 * Phases (the paper's names; its §2 reads them off the final train and test accuracies, the thresholds are ours and
 * adjustable):
 *   test ≥ gen  and corrupted ≥ mem                → coexistence        (generalizes AND memorizes the corrupted rows)
 *   test ≥ gen  and inversion ≥ inv                → full_inversion     (generalizes, predicts the true label instead)
 *   test ≥ gen  otherwise                          → partial_inversion  (memorizes some corrupted rows, inverts others)
 *   test < gen  and clean ≥ fit and corrupted ≥ mem → memorization     (fits every training label, no rule)
 *   test < gen  and clean < fit                    → forgetting         (does not even keep the clean rows: too much regularization)
 *   test < gen  otherwise                          → confusion          (fits the clean rows, neither memorizes nor generalizes)
 */
import { z } from "zod";
import type { Dataset, Split } from "../../tasks/dataset.js";
import { argmaxRow } from "../../train/losses.js";
import { describeIssue } from "../../util/zod-issue.js";
import type { MeasureContext, MeasureDef } from "../measure.js";

export interface CorruptionAccuracy {
  /** Share of uncorrupted rows predicted with their label (NaN when every row is corrupted). */
  readonly clean: number;
  /** Share of corrupted rows predicted with their corrupted training label (NaN without corrupted rows). */
  readonly corrupted: number;
  /** Share of corrupted rows predicted with their true label. */
  readonly inversion: number;
  readonly nClean: number;
  readonly nCorrupted: number;
}

/** Argmax of each row of logits [n, C] (ties and NaN as the losses count `correct`): Int32Array [n]. */
export function predictions(logits: Float32Array, n: number, C: number, out = new Int32Array(n)): Int32Array {
  if (logits.length < n * C) throw new Error(`predictions: logits have ${logits.length} values, expected n·C = ${n}·${C}`);
  for (let i = 0; i < n; i++) out[i] = argmaxRow(logits, i, C);
  return out;
}

/** Accuracy of predictions [n] on the clean and corrupted rows of a split, and the inversion share. */
export function corruptionAccuracy(pred: Int32Array, split: Split): CorruptionAccuracy {
  const n = split.n;
  if (pred.length !== n) throw new Error(`corruptionAccuracy: ${pred.length} predictions for a split of ${n} rows`);
  const rows = split.corrupted ?? new Int32Array(0);
  const yClean = split.yClean ?? split.y;
  const isCorrupted = new Uint8Array(n);
  let memorized = 0, inverted = 0;
  for (const r of rows) {
    isCorrupted[r] = 1;
    if (pred[r] === split.y[r]) memorized++;
    else if (pred[r] === yClean[r]) inverted++;
  }
  let cleanRight = 0;
  for (let i = 0; i < n; i++) if (!isCorrupted[i] && pred[i] === split.y[i]) cleanRight++;
  const nCorrupted = rows.length, nClean = n - nCorrupted;
  return { clean: cleanRight / nClean, corrupted: memorized / nCorrupted, inversion: inverted / nCorrupted, nClean, nCorrupted };
}

/** Why the corruption measures do not apply to a dataset (no corrupted training rows), or null. */
export function corruptionApplies(data: Dataset): string | null {
  const c = data.train.corrupted;
  return c && c.length > 0 ? null : `needs corrupted training labels (task.label_noise > 0; task "${data.name}" has none)`;
}

/** The three `corruption/…` values of the context's parameters on the training split (one forward pass). */
export function corruptionMeasure(ctx: MeasureContext): Record<string, number> {
  const split = ctx.data.train;
  const why = corruptionApplies(ctx.data);
  if (why !== null) throw new Error(`measure "corruption": ${why}`);
  const fwd = ctx.model.forward(ctx.params, split);
  const a = corruptionAccuracy(predictions(fwd.logits, split.n, ctx.model.nOut), split);
  return { "corruption/train_acc_clean": a.clean, "corruption/train_acc_corrupted": a.corrupted, "corruption/inversion": a.inversion };
}

/** For the registry: one entry computing all three keys (a record measure). */
export const CORRUPTION_MEASURES: Readonly<Record<string, MeasureDef>> = {
  corruption: {
    describe: "train accuracy on clean and on corrupted rows, and the share of corrupted rows predicted with their true label (Doshi et al. 2024)",
    appliesTo: (_m, data) => corruptionApplies(data),
    compute: corruptionMeasure,
  },
};

// ---- phases ----

export const CORRUPTION_PHASES = ["coexistence", "partial_inversion", "full_inversion", "memorization", "forgetting", "confusion"] as const;
export type CorruptionPhase = (typeof CORRUPTION_PHASES)[number];

export const CORRUPTION_PHASE_LABELS: Readonly<Record<CorruptionPhase, string>> = {
  coexistence: "coexistence (generalizes and memorizes)",
  partial_inversion: "partial inversion",
  full_inversion: "full inversion (true labels on corrupted rows)",
  memorization: "memorization",
  forgetting: "forgetting",
  confusion: "confusion",
};

export interface CorruptionThresholds {
  /** Test accuracy at or above which a run generalizes. */
  readonly test_acc: number;
  /** corruption/train_acc_corrupted at or above which the corrupted rows count as memorized. */
  readonly memorized: number;
  /** corruption/inversion at or above which the corrupted rows count as inverted (full inversion). */
  readonly inverted: number;
  /** corruption/train_acc_clean below which a run that does not generalize has forgotten the clean rows too. */
  readonly clean: number;
}

export const CORRUPTION_DEFAULTS: CorruptionThresholds = { test_acc: 0.9, memorized: 0.9, inverted: 0.9, clean: 0.9 };

const share = z.number().gt(0, "must be in (0, 1]").lte(1, "must be in (0, 1]");
/** The thresholds as a sweep spec writes them (`classify: { corruption: { test_acc: 0.95 } }`); every key optional. */
export const CorruptionThresholdsSchema = z.strictObject({
  test_acc: share.default(CORRUPTION_DEFAULTS.test_acc),
  memorized: share.default(CORRUPTION_DEFAULTS.memorized),
  inverted: share.default(CORRUPTION_DEFAULTS.inverted),
  clean: share.default(CORRUPTION_DEFAULTS.clean),
});

/** Validated thresholds; the error names the key path ("classify.corruption.test_acc: must be in (0, 1]"). */
export function parseCorruptionThresholds(input: unknown, where = "classify.corruption"): CorruptionThresholds {
  const r = CorruptionThresholdsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw new Error(describeIssue(r.error.issues[0], where, Object.keys(CorruptionThresholdsSchema.shape)));
}

/** The final values the phase rule reads. */
export interface CorruptionOutcome {
  readonly test_acc: number;
  readonly train_acc_clean: number;
  readonly train_acc_corrupted: number;
  readonly inversion: number;
}

/** The phase of one run from its final values (see the file comment); thresholds in (0, 1]. */
export function classifyCorruption(o: CorruptionOutcome, thresholds: Partial<CorruptionThresholds> = {}): CorruptionPhase {
  const t = { ...CORRUPTION_DEFAULTS, ...thresholds };
  for (const [k, v] of Object.entries(t)) {
    if (!(typeof v === "number" && v > 0 && v <= 1)) throw new Error(`corruption classification: threshold ${k} must be in (0, 1], got ${v}`);
  }
  if (o.test_acc >= t.test_acc) {
    if (o.train_acc_corrupted >= t.memorized) return "coexistence";
    if (o.inversion >= t.inverted) return "full_inversion";
    return "partial_inversion";
  }
  if (!(o.train_acc_clean >= t.clean)) return "forgetting";
  return o.train_acc_corrupted >= t.memorized ? "memorization" : "confusion";
}

/** A metric row as runs store them (structural, so this layer needs nothing from `runs`). */
export interface MetricRowLike {
  readonly step: number;
  readonly key: string;
  readonly value: number;
}

const OUTCOME_KEYS: Readonly<Record<keyof CorruptionOutcome, string>> = {
  test_acc: "test_acc",
  train_acc_clean: "corruption/train_acc_clean",
  train_acc_corrupted: "corruption/train_acc_corrupted",
  inversion: "corruption/inversion",
};

/**
 * The phase from a run's metric history: the values at the last step that has all four keys. Throws naming the
 * missing key (a run without label noise, or one that did not compute the `corruption` measure).
 */
export function classifyCorruptionRows(rows: readonly MetricRowLike[], thresholds: Partial<CorruptionThresholds> = {}): CorruptionPhase {
  const byStep = new Map<number, Partial<Record<string, number>>>();
  for (const r of rows) {
    let e = byStep.get(r.step);
    if (!e) byStep.set(r.step, (e = {}));
    e[r.key] = r.value;
  }
  const steps = [...byStep.keys()].sort((a, b) => b - a);
  for (const s of steps) {
    const e = byStep.get(s)!;
    if (Object.values(OUTCOME_KEYS).every((k) => e[k] !== undefined)) {
      const o = Object.fromEntries(Object.entries(OUTCOME_KEYS).map(([name, k]) => [name, e[k]!])) as unknown as CorruptionOutcome;
      return classifyCorruption(o, thresholds);
    }
  }
  const missing = Object.values(OUTCOME_KEYS).find((k) => !rows.some((r) => r.key === k));
  throw new Error(`corruption classification: the run has no "${missing ?? "corruption/…"}" rows at a common step (measures must include "corruption" and task.label_noise must be > 0)`);
}

/**
 * The corruption phase as a sweep records a run's classes: `{ corruption: phase }` for a run whose rows hold the
 * `corruption` measure, `{}` for one without (a sweep may mix clean and corrupted runs).
 */
export function corruptionClasses(rows: readonly MetricRowLike[], thresholds: Partial<CorruptionThresholds> = {}): { corruption?: CorruptionPhase } {
  return rows.some((r) => r.key === OUTCOME_KEYS.train_acc_corrupted) ? { corruption: classifyCorruptionRows(rows, thresholds) } : {};
}
