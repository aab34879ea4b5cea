/**
 * The Slingshot Mechanism — Thilak, Littwin, Zhai, Saremi, Paiss & Susskind (2022), "The Slingshot Mechanism: An
 * Empirical Study of Adaptive Optimizers and the Grokking Phenomenon" (arXiv 2206.04817), §3 and Fig. 1: trained with
 * Adam and no weight decay, late in training (after the training set is fit) the norm of the last (classification)
 * layer's weights grows in cycles — a phase of rapid growth ending in a spike of the training loss, then a plateau —
 * and test accuracy improves at such phases.
 *
 * This is an after-the-fact analysis of a run's metric history (long rows {step, key, value}, as in metrics.parquet):
 * it needs the per-tensor norm `weights/norm/<last layer>` (measure `weights/norm`) and reads `train_acc`,
 * `train_loss` and `test_acc` when present. Definitions (ours; the paper marks the cycles by eye):
 *   - the analysis starts at the fit step, the first evaluation with train_acc ≥ `fitAcc` (step 0 without train_acc
 *     rows): the growth of the norm while the network first fits the data is not a slingshot;
 *   - growth rate of interval i between evaluations: r_i = ln(‖W‖_{i+1} / ‖W‖_i) / (step_{i+1} − step_i);
 *   - a spike is a maximal run of consecutive intervals with r_i > `rateFactor` · median_i |r_i| (and > 0), whose
 *     total growth ‖W‖_end / ‖W‖_start reaches `minGrowth`, and (when train_loss rows exist) during which the
 *     training loss rises above `lossRise` times its value at the start — the paper's loss spike, which also tells
 *     a slingshot from the steady norm growth of Adam while the loss is still falling. Runs separated by at most
 *     `mergeGap` steps are joined;
 *   - a test-accuracy jump is a maximal run of consecutive evaluations at which the best test accuracy so far rises,
 *     by ≥ `minJump` in total (the best-so-far ignores the dip of accuracy during a loss spike);
 *   - each jump is paired with the latest spike that started no later than the jump ended.
 */
/** One metric value of a run (the shape of the runs layer's MetricRow). */
export interface SlingshotRow {
  readonly step: number;
  readonly key: string;
  readonly value: number;
}

export interface SlingshotOptions {
  /** Metric holding the last layer's weight norm; default: the first present of weights/norm/W_U, …/W_out, …/W. */
  readonly normKey?: string;
  readonly accKey?: string;
  readonly lossKey?: string;
  readonly trainAccKey?: string;
  /** Training accuracy from which on the data count as fit (the analysis starts there). */
  readonly fitAcc?: number;
  /** An interval is in a growth phase when its log-growth rate exceeds this multiple of the median |rate|. */
  readonly rateFactor?: number;
  /** Smallest growth ‖W‖_end / ‖W‖_start of a spike. */
  readonly minGrowth?: number;
  /** Growth runs whose gap (steps between one's end and the next's start) is at most this are one spike. */
  readonly mergeGap?: number;
  /** The training loss must rise above this multiple of its value at the spike's start (when loss rows exist). */
  readonly lossRise?: number;
  /** Smallest total rise of test accuracy that counts as a jump. */
  readonly minJump?: number;
}

export const SLINGSHOT_DEFAULTS = {
  accKey: "test_acc",
  lossKey: "train_loss",
  trainAccKey: "train_acc",
  fitAcc: 0.99,
  rateFactor: 5,
  minGrowth: 1.05,
  mergeGap: 0,
  lossRise: 2,
  minJump: 0.02,
} as const;

/** Norm keys tried, in order, when no normKey is given: the unembedding, then an MLP's output layer, then gromov's W. */
export const LAST_LAYER_NORM_KEYS: readonly string[] = ["weights/norm/W_U", "weights/norm/W_out", "weights/norm/W"];

export interface Spike {
  /** Step at the start of the growth phase (the last evaluation before the norm took off). */
  readonly step: number;
  /** Step at its end (the first evaluation after which the norm stops growing fast). */
  readonly end: number;
  /** ‖W‖ at `step` and at `end`, and their ratio. */
  readonly normBefore: number;
  readonly normAfter: number;
  readonly growth: number;
  /** Training loss at `step` and its largest value within [step, end] (NaN without loss rows). */
  readonly lossBefore: number;
  readonly lossPeak: number;
  /** Test accuracy at `step`, and its best within [end, end + (end − step)] (past the dip of a loss spike). */
  readonly accBefore: number;
  readonly accAfter: number;
}

export interface AccuracyJump {
  /** Steps where the rise of the best-so-far test accuracy starts and ends, and the best-so-far values there. */
  readonly step: number;
  readonly end: number;
  readonly from: number;
  readonly to: number;
  /** Index in `spikes` of the latest spike with spike.step ≤ end, or null. */
  readonly spike: number | null;
  /** step − spikes[spike].step (≤ 0 when the spike started after the rise began); NaN without a spike. */
  readonly lag: number;
}

export interface SlingshotAnalysis {
  readonly normKey: string;
  /** First step analysed (the fit step); Infinity when train_acc rows exist but never reach fitAcc. */
  readonly fitStep: number;
  readonly spikes: readonly Spike[];
  readonly count: number;
  /** Median steps between consecutive spike starts (NaN with fewer than two spikes). */
  readonly period: number;
  readonly jumps: readonly AccuracyJump[];
}

/** The (step, value) series of `key`, sorted by step (a repeated step keeps its last value). */
export function seriesOf(rows: readonly SlingshotRow[], key: string): { steps: number[]; values: number[] } {
  const byStep = new Map<number, number>();
  for (const r of rows) if (r.key === key) byStep.set(r.step, r.value);
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  return { steps, values: steps.map((s) => byStep.get(s)!) };
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/** Growth phases of a norm series: [start index, end index] of each merged run of fast-growth intervals. */
export function growthRuns(steps: readonly number[], norms: readonly number[], rateFactor: number, mergeGap: number): [number, number][] {
  const rates: number[] = [];
  for (let i = 0; i + 1 < steps.length; i++) rates.push(Math.log(norms[i + 1] / norms[i]) / (steps[i + 1] - steps[i]));
  const finite = rates.filter(Number.isFinite);
  const threshold = rateFactor * median(finite.map(Math.abs));
  const runs: [number, number][] = [];
  for (let i = 0; i < rates.length; i++) {
    if (!(rates[i] > threshold && rates[i] > 0)) continue;
    const last = runs[runs.length - 1];
    if (last && steps[i] - steps[last[1]] <= mergeGap) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  return runs;
}

/** Spikes of the last layer's norm and test-accuracy jumps of a run's metric rows, paired (see the header). */
export function slingshotAnalysis(rows: readonly SlingshotRow[], options: SlingshotOptions = {}): SlingshotAnalysis {
  const o = { ...SLINGSHOT_DEFAULTS, ...options };
  for (const k of ["rateFactor", "minGrowth", "minJump", "fitAcc", "lossRise"] as const) {
    if (!(o[k] > 0)) throw new Error(`slingshot: option ${k} must be > 0 (got ${o[k]})`);
  }
  if (!(o.mergeGap >= 0)) throw new Error(`slingshot: option mergeGap must be ≥ 0 (got ${o.mergeGap})`);
  const keys = new Set(rows.map((r) => r.key));
  const normKey = o.normKey ?? LAST_LAYER_NORM_KEYS.find((k) => keys.has(k));
  if (!normKey || !keys.has(normKey)) {
    const norms = [...keys].filter((k) => k.startsWith("weights/norm/"));
    throw new Error(`slingshot: no rows for ${normKey ? `"${normKey}"` : LAST_LAYER_NORM_KEYS.join(" / ")} (run the weights/norm measure; norms present: ${norms.join(", ") || "none"})`);
  }
  const trainAcc = seriesOf(rows, o.trainAccKey);
  const fitIndex = trainAcc.values.findIndex((v) => v >= o.fitAcc);
  const fitStep = trainAcc.steps.length === 0 ? 0 : fitIndex >= 0 ? trainAcc.steps[fitIndex] : Infinity;
  const all = seriesOf(rows, normKey), loss = seriesOf(rows, o.lossKey), acc = seriesOf(rows, o.accKey);
  const from = all.steps.findIndex((s) => s >= fitStep);
  const norm = from < 0 ? { steps: [], values: [] } : { steps: all.steps.slice(from), values: all.values.slice(from) };
  const lossAt = new Map(loss.steps.map((s, i) => [s, loss.values[i]]));
  const accAt = new Map(acc.steps.map((s, i) => [s, acc.values[i]]));

  const spikes: Spike[] = [];
  for (const [a, b] of growthRuns(norm.steps, norm.values, o.rateFactor, o.mergeGap)) {
    const growth = norm.values[b] / norm.values[a];
    if (!(growth >= o.minGrowth)) continue;
    const step = norm.steps[a], end = norm.steps[b];
    let lossPeak = NaN, accAfter = NaN;
    for (let i = 0; i < loss.steps.length; i++) if (loss.steps[i] >= step && loss.steps[i] <= end && !(loss.values[i] <= lossPeak)) lossPeak = loss.values[i];
    const lossBefore = lossAt.get(step) ?? NaN;
    if (loss.steps.length > 0 && !(lossPeak > lossBefore && lossPeak >= o.lossRise * lossBefore)) continue;
    for (let i = 0; i < acc.steps.length; i++) if (acc.steps[i] >= end && acc.steps[i] <= 2 * end - step && !(acc.values[i] <= accAfter)) accAfter = acc.values[i];
    spikes.push({
      step,
      end,
      normBefore: norm.values[a],
      normAfter: norm.values[b],
      growth,
      lossBefore,
      lossPeak,
      accBefore: accAt.get(step) ?? NaN,
      accAfter,
    });
  }

  // rises of the best test accuracy so far
  const best: number[] = [];
  for (const v of acc.values) best.push(Math.max(v, best.length ? best[best.length - 1] : -Infinity));
  const jumps: AccuracyJump[] = [];
  for (let i = 0; i + 1 < best.length; ) {
    if (!(best[i + 1] > best[i])) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j + 1 < best.length && best[j + 1] > best[j]) j++;
    if (best[j] - best[i] >= o.minJump) {
      let k = -1;
      for (let s = 0; s < spikes.length; s++) if (spikes[s].step <= acc.steps[j]) k = s;
      jumps.push({ step: acc.steps[i], end: acc.steps[j], from: best[i], to: best[j], spike: k >= 0 ? k : null, lag: k >= 0 ? acc.steps[i] - spikes[k].step : NaN });
    }
    i = j;
  }

  const gaps = spikes.slice(1).map((s, i) => s.step - spikes[i].step);
  return { normKey, fitStep, spikes, count: spikes.length, period: median(gaps), jumps };
}
