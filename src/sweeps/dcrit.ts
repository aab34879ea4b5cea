/**
 * The critical dataset size D_crit of Varma et al. (2023, "Explaining grokking through circuit efficiency"): the
 * training-set size at which the memorizing and the generalizing circuit are equally efficient. Above it a network
 * trained long enough groks; below it memorization wins (and a grokked network trained further ungroks); near it
 * test accuracy can settle between chance and 100% (semi-grokking). Here it is read off a dataset-size scan: a sweep
 * with one size axis (`task.train_fraction` on modular tasks, `task.n_train` on sparse parity) and several seeds.
 *
 * Per axis value x: the share g(x) of seeds that grokked (a grok step, test accuracy ≥ the run's threshold, by
 * default) and the mean final test accuracy. Two estimates, in the axis's units:
 *   majority: the smallest x from which on every scanned value has g > 1/2 ("most seeds grok"),
 *   crossing: the 50% crossing of g, linear between that value and the scanned value just below it:
 *             x_lo + (1/2 − g_lo) / (g_hi − g_lo) · (x_hi − x_lo).
 * The sweep's other axes (e.g. weight decay) split the runs into groups, one estimate each.
 */
import { SpecError } from "../runs/spec.js";
import type { AxisValue, SweepRunResult } from "./types.js";

/** Axes read as a dataset size, in the order they are looked for. */
export const SIZE_AXES: readonly string[] = ["task.train_fraction", "task.n_train"];

export interface DcritPoint {
  /** The size axis value. */
  readonly x: number;
  readonly n: number;
  readonly grokked: number;
  /** grokked / n. */
  readonly fraction: number;
  /** Mean over seeds of the final test accuracy. */
  readonly test_acc: number;
}

export interface DcritEstimate {
  /** Values of the sweep's other axes that this estimate holds for ({} when the size is the only axis). */
  readonly group: Readonly<Record<string, AxisValue>>;
  /** Per size value, ascending. */
  readonly points: readonly DcritPoint[];
  /** Smallest x from which on most seeds grok at every scanned value; null if the largest value does not. */
  readonly majority: number | null;
  /** Linear 50% crossing of the grokked share; null when no scanned value below `majority` brackets it. */
  readonly crossing: number | null;
  /**
   * found: the crossing lies inside the scan; below_range: most seeds grok at the smallest value already (D_crit is
   * at most that value); above_range: most seeds do not grok at the largest value (D_crit is above the scan).
   */
  readonly status: "found" | "below_range" | "above_range";
}

export interface DcritOptions {
  /** The size axis; default the first of SIZE_AXES the runs have. */
  readonly axis?: string;
  /** Whether a run grokked; default: its summary has a grok step. */
  readonly grokked?: (r: SweepRunResult) => boolean;
}

const groupKey = (cell: Readonly<Record<string, AxisValue>>, axis: string): string =>
  JSON.stringify(Object.keys(cell).filter((k) => k !== axis).sort().map((k) => [k, cell[k]]));

/** Estimates D_crit for each group of a dataset-size scan. Throws (SpecError) naming a missing or non-numeric axis. */
export function estimateDcrit(results: readonly SweepRunResult[], opts: DcritOptions = {}): DcritEstimate[] {
  if (results.length === 0) throw new SpecError("D_crit: the sweep has no finished runs");
  const axis = opts.axis ?? SIZE_AXES.find((a) => results.every((r) => a in r.cell));
  if (axis === undefined) throw new SpecError(`D_crit: no dataset-size axis (${SIZE_AXES.join(" or ")}) in the sweep's runs (their axes: ${Object.keys(results[0].cell).join(", ") || "none"})`);
  const grokked = opts.grokked ?? ((r: SweepRunResult) => r.summary.grok_step !== null);
  const groups = new Map<string, { group: Record<string, AxisValue>; byX: Map<number, SweepRunResult[]> }>();
  for (const r of results) {
    const x = r.cell[axis];
    if (x === undefined) throw new SpecError(`D_crit: run "${r.runKey}" has no value for the axis "${axis}"`);
    if (typeof x !== "number" || !Number.isFinite(x)) throw new SpecError(`D_crit: axis "${axis}" must be numeric, run "${r.runKey}" has ${JSON.stringify(x)}`);
    const key = groupKey(r.cell, axis);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { group: Object.fromEntries(Object.entries(r.cell).filter(([k]) => k !== axis)), byX: new Map() }));
    const list = g.byX.get(x) ?? [];
    list.push(r);
    g.byX.set(x, list);
  }
  return [...groups.values()].map(({ group, byX }) => {
    const points = [...byX.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([x, runs]): DcritPoint => {
        const k = runs.filter(grokked).length;
        return { x, n: runs.length, grokked: k, fraction: k / runs.length, test_acc: runs.reduce((s, r) => s + r.summary.test_acc, 0) / runs.length };
      });
    return { group, points, ...fromPoints(points) };
  });
}

/** The two estimates from points in ascending x (exported for tests and for curves built elsewhere). */
export function fromPoints(points: readonly DcritPoint[]): Pick<DcritEstimate, "majority" | "crossing" | "status"> {
  let i = points.length; // first index of the trailing run of majority-grokked values
  while (i > 0 && points[i - 1].fraction > 0.5) i--;
  if (i === points.length) return { majority: null, crossing: null, status: "above_range" };
  if (i === 0) return { majority: points[0].x, crossing: null, status: "below_range" };
  const lo = points[i - 1], hi = points[i];
  const crossing = lo.x + ((0.5 - lo.fraction) / (hi.fraction - lo.fraction)) * (hi.x - lo.x);
  return { majority: hi.x, crossing, status: "found" };
}

/** One line per group: "D_crit ≈ 0.225 (50% crossing; most seeds grok from 0.25) — 3/3 at 0.25, …". */
export function formatDcrit(estimates: readonly DcritEstimate[], axis = "train size"): string {
  return estimates
    .map((e) => {
      const where = Object.keys(e.group).length ? `${Object.entries(e.group).map(([k, v]) => `${k}=${v}`).join(",")}: ` : "";
      const scan = e.points.map((p) => `${p.x}: ${p.grokked}/${p.n}`).join(", ");
      const head =
        e.status === "found"
          ? `D_crit ≈ ${round(e.crossing!)} (${axis}; 50% crossing of the seeds that grok; most seeds grok from ${e.majority})`
          : e.status === "below_range"
            ? `D_crit ≤ ${e.majority} (${axis}; most seeds grok at every scanned value)`
            : `D_crit > ${e.points[e.points.length - 1].x} (${axis}; most seeds do not grok at the largest scanned value)`;
      return `${where}${head} — grokked/seeds: ${scan}`;
    })
    .join("\n");
}

const round = (x: number): string => String(Math.round(x * 1e4) / 1e4);
