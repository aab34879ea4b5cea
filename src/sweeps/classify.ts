/**
 * Phase classification of one run from its metric history (rows "train_loss", "test_loss", "train_acc",
 * "test_acc" at every eval step), by two published rules. Both are pure and take adjustable thresholds, so a sweep
 * spec can set them:  classify: { pair: { train_loss: 1e-5, ratio: 5e4 }, liu: { gap: 500 } }.
 *
 * PAIR ("Do Machine Learning Models Memorize or Generalize?", Google PAIR explorable, 2023; its sparse-parity
 * sweep data), applied in this order:
 *   min train loss > train_loss                 → high_train_loss
 *   min test loss  > test_loss                  → high_test_loss   (memorization)
 *   max over eval steps of test/train loss < ratio → drop_together
 *   otherwise                                   → grokking
 * `loss_floor` (null by default) reads every loss below it as the floor, as float32 losses would have it: the
 * article's training losses stop at 2⁻²³ ≈ 1.19e-7 (float32's rounding; 890 of its 1,125 sparse-parity runs end
 * exactly there), which caps its test/train ratio where a float64 loss keeps falling.
 * The article's thresholds are absolute cross-entropy values: a mean-squared-error run at 100% train and test
 * accuracy still has a loss near 1e-3 (one-hot targets over p = 97 classes start near 1/p ≈ 1e-2), so every MSE
 * run would read "high train loss". PAIR's rule therefore has an accuracy form, the default for losses other than
 * cross-entropy (`pair.by` chooses either form; setting a loss threshold chooses the loss form):
 *   max train acc < train_acc (0.99)            → high_train_loss  (never fits the training set)
 *   max test acc  < test_acc (0.99)             → high_test_loss   (memorization)
 *   max over eval steps with train acc ≥ train_acc of train acc − test acc < acc_gap (0.5) → drop_together
 *   otherwise                                   → grokking
 * The accuracy gap plays the loss ratio's part: at some evaluation the training set was fitted while the test set
 * was still far from it (memorization first, generalization later). Both forms read only the run's own history.
 *
 * Liu et al. ("Towards Understanding Grokking: An Effective Theory of Representation Learning", NeurIPS 2022,
 * §5 phase diagrams, Figs. 5–6; the same four phases reappear in Omnigrok, Liu, Michaud & Tegmark, ICLR 2023).
 * t_train / t_test = first step at which train / test accuracy reaches 0.9, within the compute budget (the paper
 * trains 10⁵ steps; its code marks "never" with the budget). With the authors' phase-diagram code:
 *   both reached, t_test − t_train ≤ gap (10³)  → comprehension
 *   both reached, t_test − t_train > gap        → grokking
 *   train reached, test not                     → memorization
 *   neither reached                             → confusion
 * Test reached without train: the authors' code leaves the label at its first value, comprehension (the model
 * generalizes; the gap is negative), and so does this one.
 */
import { z } from "zod";
import type { MetricRow } from "../runs/metrics-file.js";
import { SpecError } from "../runs/spec.js";
import { describeIssue } from "../util/zod-issue.js";
import { corruptionClasses, CorruptionThresholdsSchema, type CorruptionThresholds } from "../measures/memorization/corruption.js";

export const PAIR_CLASSES = ["high_train_loss", "high_test_loss", "drop_together", "grokking"] as const;
export type PairClass = (typeof PAIR_CLASSES)[number];
export const LIU_CLASSES = ["comprehension", "grokking", "memorization", "confusion"] as const;
export type LiuClass = (typeof LIU_CLASSES)[number];

/** What a person reads in a legend. */
export const CLASS_LABELS: { readonly pair: Readonly<Record<PairClass, string>>; readonly liu: Readonly<Record<LiuClass, string>> } = {
  pair: { high_train_loss: "high train loss", high_test_loss: "high test loss (memorization)", drop_together: "train and test drop together", grokking: "grokking" },
  liu: { comprehension: "comprehension", grokking: "grokking", memorization: "memorization", confusion: "confusion" },
};

/** How PAIR's rule reads a run: by its losses (the article's thresholds) or by its accuracies (see the file comment). */
export type PairForm = "loss" | "accuracy";

export interface PairThresholds {
  /** The form of the rule; null: by the run's loss (accuracy for a loss other than cross-entropy, else loss). */
  readonly by: PairForm | null;
  /** A run whose lowest train loss stays above this never fit the training set. */
  readonly train_loss: number;
  /** A run whose lowest test loss stays above this never generalized. */
  readonly test_loss: number;
  /** Largest test/train loss ratio over the run below which the two losses fell together. */
  readonly ratio: number;
  /** Loss form: losses below this are read as this (PAIR's float32 losses stop at 2⁻²³); null: as logged. */
  readonly loss_floor: number | null;
  /** Accuracy form: a run whose best train accuracy stays below this never fit the training set. */
  readonly train_acc: number;
  /** Accuracy form: a run whose best test accuracy stays below this never generalized. */
  readonly test_acc: number;
  /** Accuracy form: largest train − test accuracy once the training set is fitted, below which the two rose together. */
  readonly acc_gap: number;
}
export const PAIR_DEFAULTS: PairThresholds = { by: null, train_loss: 1e-5, test_loss: 1e-5, ratio: 5e4, loss_floor: null, train_acc: 0.99, test_acc: 0.99, acc_gap: 0.5 };
const PAIR_LOSS_KEYS = ["train_loss", "test_loss", "ratio", "loss_floor"] as const;

/** The losses whose values PAIR's loss thresholds were set for (softmax or StableMax cross-entropy, → 0 when fitted). */
export const isCrossEntropy = (loss: string): boolean => /cross_entropy/.test(loss);

/** The form PAIR's rule takes for a run trained with `loss` (unknown loss: the article's loss form). */
export function pairForm(thresholds: Pick<PairThresholds, "by">, loss?: string): PairForm {
  if (thresholds.by !== null) return thresholds.by;
  return loss === undefined || isCrossEntropy(loss) ? "loss" : "accuracy";
}

export interface LiuThresholds {
  /** Train accuracy a run must reach (≥) to count as fitting. */
  readonly train_acc: number;
  /** Test accuracy a run must reach (≥) to count as generalizing. */
  readonly test_acc: number;
  /** Steps between reaching train_acc and test_acc above which generalization counts as delayed. */
  readonly gap: number;
  /** Last step that counts; null: the run's last evaluated step. */
  readonly budget: number | null;
}
export const LIU_DEFAULTS: LiuThresholds = { train_acc: 0.9, test_acc: 0.9, gap: 1000, budget: null };

export interface ClassifyConfig {
  readonly pair: PairThresholds;
  readonly liu: LiuThresholds;
  /** Doshi et al. (2024) label-corruption phases; only runs with corrupted labels get one. */
  readonly corruption?: Partial<CorruptionThresholds>;
}

const positive = z.number().positive("must be > 0").finite("must be finite");
const accuracy = z.number().gt(0, "must be > 0").lte(1, "must be ≤ 1");
const steps = z.number().int("must be an integer").min(0, "must be ≥ 0");
const PairSchema = z.strictObject({
  by: z.enum(["loss", "accuracy"]).nullable().default(PAIR_DEFAULTS.by),
  train_loss: positive.default(PAIR_DEFAULTS.train_loss),
  test_loss: positive.default(PAIR_DEFAULTS.test_loss),
  ratio: positive.default(PAIR_DEFAULTS.ratio),
  loss_floor: positive.nullable().default(PAIR_DEFAULTS.loss_floor),
  train_acc: accuracy.default(PAIR_DEFAULTS.train_acc),
  test_acc: accuracy.default(PAIR_DEFAULTS.test_acc),
  acc_gap: z.number().gt(0, "must be > 0").lte(1, "must be ≤ 1").default(PAIR_DEFAULTS.acc_gap),
});
const LiuSchema = z.strictObject({
  train_acc: accuracy.default(LIU_DEFAULTS.train_acc),
  test_acc: accuracy.default(LIU_DEFAULTS.test_acc),
  gap: steps.default(LIU_DEFAULTS.gap),
  budget: steps.nullable().default(LIU_DEFAULTS.budget),
});
/** The `classify` block of a sweep spec; every key optional. */
export const ClassifySchema = z.strictObject({ pair: PairSchema.prefault({}), liu: LiuSchema.prefault({}), corruption: CorruptionThresholdsSchema.prefault({}) });
export type ClassifySpec = z.input<typeof ClassifySchema>;

/** Validates a `classify` block (undefined → all defaults); SpecError naming the key path, e.g. "classify.liu.gap". */
export function parseClassify(input: unknown, where = "classify"): ClassifyConfig {
  const r = ClassifySchema.safeParse(input ?? {});
  if (r.success) {
    // a spec that names a loss threshold asks for the loss form, whatever the runs' loss (presets name theirs)
    const pair = (input as { pair?: Record<string, unknown> } | undefined)?.pair;
    const namesLoss = pair !== null && typeof pair === "object" && PAIR_LOSS_KEYS.some((k) => k in pair);
    return namesLoss && r.data.pair.by === null ? { ...r.data, pair: { ...r.data.pair, by: "loss" } } : r.data;
  }
  const issue = r.error.issues[0];
  const shape = issue.path[0] === "pair" ? PairSchema.shape : issue.path[0] === "liu" ? LiuSchema.shape : issue.path[0] === "corruption" ? CorruptionThresholdsSchema.shape : ClassifySchema.shape;
  throw new SpecError(describeIssue(issue, where, Object.keys(shape)));
}

/** The values of one metric, in row (step) order. */
function series(rows: readonly MetricRow[], key: string): MetricRow[] {
  return rows.filter((r) => r.key === key);
}

function need(rows: readonly MetricRow[], key: string, rule: string): MetricRow[] {
  const s = series(rows, key);
  if (s.length === 0) throw new Error(`${rule} classification: the run has no "${key}" rows`);
  return s;
}

/** Lowest value, NaN skipped (a run whose every value is NaN counts as never falling: +∞). */
function minOf(s: readonly MetricRow[]): number {
  let m = Infinity;
  for (const r of s) if (r.value < m) m = r.value;
  return m;
}

export interface PairStatistics {
  readonly min_train_loss: number;
  readonly min_test_loss: number;
  /** max over steps with both losses of test_loss / train_loss (a zero train loss gives +∞). */
  readonly max_ratio: number;
}

/** PAIR's loss statistics; with `floor`, every loss below it counts as the floor (NaN stays NaN). */
export function pairStatistics(rows: readonly MetricRow[], floor: number | null = null): PairStatistics {
  const floored = (s: MetricRow[]) => (floor === null ? s : s.map((r) => (r.value < floor ? { ...r, value: floor } : r)));
  const train = floored(need(rows, "train_loss", "PAIR"));
  const test = floored(need(rows, "test_loss", "PAIR"));
  const trainAt = new Map(train.map((r) => [r.step, r.value]));
  let maxRatio = -Infinity;
  for (const r of test) {
    const tr = trainAt.get(r.step);
    if (tr === undefined) continue;
    const q = r.value / tr;
    if (q > maxRatio) maxRatio = q; // NaN never compares greater: skipped
  }
  return { min_train_loss: minOf(train), min_test_loss: minOf(test), max_ratio: maxRatio };
}

export interface PairAccuracyStatistics {
  readonly max_train_acc: number;
  readonly max_test_acc: number;
  /** max of train_acc − test_acc over the steps with both at which train_acc ≥ the fitting threshold (−∞: none). */
  readonly max_acc_gap: number;
}

export function pairAccuracyStatistics(rows: readonly MetricRow[], trainAcc = PAIR_DEFAULTS.train_acc): PairAccuracyStatistics {
  const train = need(rows, "train_acc", "PAIR (accuracy form)");
  const test = need(rows, "test_acc", "PAIR (accuracy form)");
  const testAt = new Map(test.map((r) => [r.step, r.value]));
  let maxTrain = -Infinity, maxTest = -Infinity, maxGap = -Infinity;
  for (const r of train) if (r.value > maxTrain) maxTrain = r.value;
  for (const r of test) if (r.value > maxTest) maxTest = r.value;
  for (const r of train) {
    const te = testAt.get(r.step);
    if (te !== undefined && r.value >= trainAcc && r.value - te > maxGap) maxGap = r.value - te;
  }
  return { max_train_acc: maxTrain, max_test_acc: maxTest, max_acc_gap: maxGap };
}

/** PAIR's rule (see the file comment), in the form `thresholds.by` names or, when it names none, `loss` calls for. */
export function classifyPair(rows: readonly MetricRow[], thresholds: Partial<PairThresholds> = {}, loss?: string): PairClass {
  const t = { ...PAIR_DEFAULTS, ...thresholds };
  if (pairForm(t, loss) === "accuracy") {
    const a = pairAccuracyStatistics(rows, t.train_acc);
    if (!(a.max_train_acc >= t.train_acc)) return "high_train_loss";
    if (!(a.max_test_acc >= t.test_acc)) return "high_test_loss";
    return a.max_acc_gap < t.acc_gap ? "drop_together" : "grokking";
  }
  const s = pairStatistics(rows, t.loss_floor);
  if (!(s.min_train_loss <= t.train_loss)) return "high_train_loss";
  if (!(s.min_test_loss <= t.test_loss)) return "high_test_loss";
  if (s.max_ratio < t.ratio) return "drop_together";
  return "grokking";
}

const pctText = (x: number): string => `${Number((100 * x).toPrecision(3))}%`;

/** The PAIR rule a run with `loss` is classified by, in words (what the phase diagram's page says). */
export function describePairRule(thresholds: PairThresholds, loss?: string): string {
  const t = thresholds;
  if (pairForm(t, loss) === "accuracy") {
    const why = t.by === "accuracy" ? "as the sweep spec asks" : `the default for ${loss ?? "this"} loss, whose values the article's cross-entropy thresholds do not fit`;
    return `PAIR, accuracy form (${why}): high train loss = train accuracy never reaches ${pctText(t.train_acc)}; high test loss = test accuracy never reaches ${pctText(t.test_acc)}; grokking = at some evaluation the training set is fitted (≥ ${pctText(t.train_acc)}) while test accuracy is still ≥ ${Number((100 * t.acc_gap).toPrecision(3))} points lower; otherwise drop together`;
  }
  const why = t.by === "loss" ? "thresholds as the sweep spec sets them" : loss === undefined ? "the article's thresholds" : `the article's thresholds, for ${loss}`;
  const floor = t.loss_floor === null ? "" : `; losses below ${t.loss_floor} read as ${t.loss_floor}`;
  return `PAIR, loss form (${why}): high train loss = lowest train loss > ${t.train_loss}; high test loss = lowest test loss > ${t.test_loss}; drop together = test/train loss ratio stays < ${t.ratio}; otherwise grokking${floor}`;
}

/** Liu et al.'s rule with its thresholds, in words. */
export function describeLiuRule(t: LiuThresholds): string {
  return `Liu et al.: t_train, t_test = first steps with train / test accuracy ≥ ${pctText(t.train_acc)} / ${pctText(t.test_acc)}${t.budget === null ? "" : ` by step ${t.budget}`}; comprehension = t_test − t_train ≤ ${t.gap} steps; grokking = longer; memorization = test never; confusion = neither`;
}

export interface LiuStatistics {
  /** First step with train accuracy ≥ train_acc within the budget, or null. */
  readonly train_step: number | null;
  readonly test_step: number | null;
  readonly budget: number;
}

function firstReach(s: readonly MetricRow[], threshold: number, budget: number): number | null {
  for (const r of s) if (r.step <= budget && r.value >= threshold) return r.step;
  return null;
}

export function liuStatistics(rows: readonly MetricRow[], thresholds: Partial<LiuThresholds> = {}): LiuStatistics {
  const t = { ...LIU_DEFAULTS, ...thresholds };
  const train = need(rows, "train_acc", "Liu");
  const test = need(rows, "test_acc", "Liu");
  let budget = t.budget;
  if (budget === null) {
    budget = 0;
    for (const r of train) budget = Math.max(budget, r.step);
    for (const r of test) budget = Math.max(budget, r.step);
  }
  return { train_step: firstReach(train, t.train_acc, budget), test_step: firstReach(test, t.test_acc, budget), budget };
}

/** Liu et al.'s four phases (see the file comment). */
export function classifyLiu(rows: readonly MetricRow[], thresholds: Partial<LiuThresholds> = {}): LiuClass {
  const gap = thresholds.gap ?? LIU_DEFAULTS.gap;
  const { train_step, test_step } = liuStatistics(rows, thresholds);
  if (test_step === null) return train_step === null ? "confusion" : "memorization";
  if (train_step === null) return "comprehension";
  return test_step - train_step > gap ? "grokking" : "comprehension";
}

export interface RunClasses {
  readonly pair: PairClass;
  readonly liu: LiuClass;
}

/** Both rules for one run; `loss` (the run's spec.loss) picks PAIR's form unless the config names one. */
export function classifyRun(rows: readonly MetricRow[], config: ClassifyConfig = { pair: PAIR_DEFAULTS, liu: LIU_DEFAULTS }, loss?: string): RunClasses {
  return { pair: classifyPair(rows, config.pair, loss), liu: classifyLiu(rows, config.liu) };
}

/** The classifier a sweep session records each run with, from the sweep spec's `classify` block (validated now). */
export function runClassifier(classify: unknown): (rows: readonly MetricRow[], loss?: string) => Record<string, string> {
  const config = parseClassify(classify);
  return (rows, loss) => ({ ...classifyRun(rows, config, loss), ...(corruptionClasses(rows, config.corruption) as Record<string, string>) });
}
