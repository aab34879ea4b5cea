/**
 * Per grid cell (the axis values of a run, seed excluded): how the seeds of the cell were classified by each
 * phase rule, and how their grok steps spread. The rows the phase diagrams and the web lab draw.
 */
import { CORRUPTION_PHASE_LABELS, CORRUPTION_PHASES, corruptionClasses, type CorruptionPhase } from "../measures/memorization/corruption.js";
import { CLASS_LABELS, classifyRun, LIU_CLASSES, PAIR_CLASSES, parseClassify, type ClassifyConfig, type LiuClass, type PairClass } from "./classify.js";
import type { AxisValue, SweepRunResult } from "./types.js";

export interface RuleSummary<C extends string> {
  /** Runs of the cell in each class (every class present, 0 when none). */
  readonly counts: Readonly<Record<C, number>>;
  readonly fractions: Readonly<Record<C, number>>;
  /** The most frequent class; a tie goes to the class listed first (PAIR_CLASSES / LIU_CLASSES / CORRUPTION_PHASES order). */
  readonly majority: C;
  readonly majority_label: string;
  readonly majority_fraction: number;
}

export interface GrokStepStats {
  /** Runs in the cell, and how many of them grokked (a grok step that is not null). */
  readonly n: number;
  readonly n_grokked: number;
  /** Over the runs that grokked, by `quantile`; null when none did. */
  readonly median: number | null;
  readonly p10: number | null;
  readonly p90: number | null;
  /** The grok steps of the runs that grokked, ascending. */
  readonly steps: readonly number[];
}

export interface CellAggregate {
  /** "axis=value,…" in axis order (the run keys without the seed). */
  readonly key: string;
  readonly cell: Readonly<Record<string, AxisValue>>;
  readonly n: number;
  readonly seeds: readonly number[];
  readonly pair: RuleSummary<PairClass>;
  readonly liu: RuleSummary<LiuClass>;
  /**
   * Doshi et al. (2024) label-corruption phases, over the runs of the cell that have them (task.label_noise > 0 and
   * the "corruption" measure); absent when none does.
   */
  readonly corruption?: RuleSummary<CorruptionPhase>;
  readonly grok: GrokStepStats;
}

export interface AggregateOptions {
  /** The sweep spec's `classify` block (thresholds), or a parsed config; default: every rule's defaults. */
  readonly classify?: unknown;
  /** A run's grok step, or null if it never grokked (default: the run summary's grok_step, test acc ≥ 0.99). */
  readonly grokStep?: (r: SweepRunResult) => number | null;
}

/**
 * The p-quantile (0 ≤ p ≤ 1) of ascending `sorted` by linear interpolation between order statistics
 * (Hyndman & Fan 1996 type 7, the default of numpy and R): h = (n − 1)·p, q = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
 */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("quantile: no values");
  if (!(p >= 0 && p <= 1)) throw new Error(`quantile: p must be in [0, 1], got ${p}`);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function grokStepStats(steps: readonly (number | null)[]): GrokStepStats {
  const s = steps.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  const q = (p: number): number | null => (s.length ? quantile(s, p) : null);
  return { n: steps.length, n_grokked: s.length, median: q(0.5), p10: q(0.1), p90: q(0.9), steps: s };
}

function summarize<C extends string>(classes: readonly C[], order: readonly C[], labels: Readonly<Record<C, string>>): RuleSummary<C> {
  const counts = Object.fromEntries(order.map((c) => [c, 0])) as Record<C, number>;
  for (const c of classes) counts[c]++;
  const fractions = Object.fromEntries(order.map((c) => [c, counts[c] / classes.length])) as Record<C, number>;
  let majority = order[0];
  for (const c of order) if (counts[c] > counts[majority]) majority = c;
  return { counts, fractions, majority, majority_label: labels[majority], majority_fraction: fractions[majority] };
}

function isConfig(x: unknown): x is ClassifyConfig {
  const c = x as ClassifyConfig | null;
  return typeof c?.pair?.ratio === "number" && typeof c?.liu?.gap === "number" && "budget" in c.liu;
}

const cellKey = (cell: Readonly<Record<string, AxisValue>>, axisKeys: readonly string[]): string => axisKeys.map((k) => `${k}=${cell[k]}`).join(",");

/**
 * Groups finished runs by grid cell, classifies each run by both rules (and by the corruption phases where its
 * labels were corrupted) and summarizes every cell that has at least one run. Cells come in grid order (the cartesian product of `axes` in the order given, last axis fastest), the
 * order the sweep expands its runs in. Throws naming the run whose cell does not belong to the grid.
 */
export function aggregateCells(results: readonly SweepRunResult[], axes: Readonly<Record<string, readonly AxisValue[]>>, opts: AggregateOptions = {}): CellAggregate[] {
  const config = isConfig(opts.classify) ? opts.classify : parseClassify(opts.classify);
  const grokStep = opts.grokStep ?? ((r: SweepRunResult) => r.summary.grok_step);
  const axisKeys = Object.keys(axes);
  const index = axisKeys.map((k) => new Map(axes[k].map((v, i) => [JSON.stringify(v), i])));
  const groups = new Map<string, { rank: number; cell: Record<string, AxisValue>; runs: SweepRunResult[] }>();
  for (const r of results) {
    const extra = Object.keys(r.cell).find((k) => !(k in axes));
    if (extra !== undefined) throw new Error(`run "${r.runKey}": axis "${extra}" is not an axis of the sweep (${axisKeys.join(", ") || "none"})`);
    let rank = 0;
    axisKeys.forEach((k, a) => {
      if (!(k in r.cell)) throw new Error(`run "${r.runKey}": no value for axis "${k}"`);
      const i = index[a].get(JSON.stringify(r.cell[k]));
      if (i === undefined) throw new Error(`run "${r.runKey}": ${k}=${JSON.stringify(r.cell[k])} is not a value of the axis (${axes[k].join(", ")})`);
      rank = rank * axes[k].length + i;
    });
    const key = cellKey(r.cell, axisKeys);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { rank, cell: Object.fromEntries(axisKeys.map((k) => [k, r.cell[k]])), runs: [] }));
    g.runs.push(r);
  }
  return [...groups.entries()]
    .sort((a, b) => a[1].rank - b[1].rank)
    .map(([key, g]) => {
      const runs = [...g.runs].sort((a, b) => a.seed - b.seed);
      const classes = runs.map((r) => classifyRun(r.rows, config, r.loss));
      const corrupted = runs.map((r) => corruptionClasses(r.rows, config.corruption).corruption).filter((c): c is CorruptionPhase => c !== undefined);
      return {
        key,
        cell: g.cell,
        n: runs.length,
        seeds: runs.map((r) => r.seed),
        pair: summarize(classes.map((c) => c.pair), PAIR_CLASSES, CLASS_LABELS.pair),
        liu: summarize(classes.map((c) => c.liu), LIU_CLASSES, CLASS_LABELS.liu),
        ...(corrupted.length > 0 ? { corruption: summarize(corrupted, CORRUPTION_PHASES, CORRUPTION_PHASE_LABELS) } : {}),
        grok: grokStepStats(runs.map(grokStep)),
      };
    });
}
