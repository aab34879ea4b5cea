/**
 * Which steps get an evaluation. Step s means "after s updates": 0 is the initialization, `totalSteps` the end.
 * `every: K` evaluates at multiples of K; `log_points: n` at n log-spaced steps in [1, totalSteps] (grokking spans
 * orders of magnitude in time, so curves are read on a log axis); both together give the union. Step 0 and the
 * final step are always evaluated. A spec layer or `--set` that gives either key replaces the cadence it overrides
 * whole (runs/compose, runs/overrides), so a preset's log points never linger under a user's `every`.
 */
import { z } from "zod";
import { describeIssue } from "../util/zod-issue.js";

export const CadenceSchema = z.strictObject({
  every: z.number().int("must be an integer").min(1, "must be ≥ 1").optional(),
  log_points: z.number().int("must be an integer").min(1, "must be ≥ 1").optional(),
});

export type Cadence = z.output<typeof CadenceSchema>;

/** Validates a cadence config; the error names the key as `<where>.<key>`. */
export function parseCadence(input: unknown, where = "eval"): Cadence {
  const r = CadenceSchema.safeParse(input);
  if (r.success) return r.data;
  throw new Error(describeIssue(r.error.issues[0], where, Object.keys(CadenceSchema.shape)));
}

/**
 * Exactly min(points, total) distinct integers from 1 to `total` (both included when points ≥ 2), spaced
 * geometrically: each next value is cur·(total/cur)^(1/remaining), rounded, and at least cur + 1 — so the start,
 * where geometric rounding would repeat values, is filled consecutively and the rest stays log-spaced.
 */
export function logSpacedSteps(total: number, points: number): number[] {
  if (!Number.isInteger(total) || total < 0) throw new Error(`cadence: total steps must be an integer ≥ 0, got ${total}`);
  if (!Number.isInteger(points) || points < 1) throw new Error(`cadence.log_points: must be an integer ≥ 1, got ${points}`);
  const k = Math.min(points, total);
  if (k === 0) return [];
  if (k === 1) return [total];
  const out = [1];
  let cur = 1;
  for (let i = 1; i < k; i++) {
    const remaining = k - i; // values still to place, this one included
    const ideal = cur * Math.pow(total / cur, 1 / remaining);
    const next = Math.min(total - (remaining - 1), Math.max(cur + 1, Math.round(ideal)));
    out.push(next);
    cur = next;
  }
  return out;
}

/** The sorted distinct evaluation steps of a run of `totalSteps` updates. */
export function evalSteps(cadence: Cadence, totalSteps: number): number[] {
  if (!Number.isInteger(totalSteps) || totalSteps < 0) throw new Error(`cadence: total steps must be an integer ≥ 0, got ${totalSteps}`);
  const set = new Set<number>([0, totalSteps]);
  if (cadence.every !== undefined) for (let s = 0; s <= totalSteps; s += cadence.every) set.add(s);
  if (cadence.log_points !== undefined) for (const s of logSpacedSteps(totalSteps, cadence.log_points)) set.add(s);
  return [...set].sort((a, b) => a - b);
}

/** `isEvalStep(step, totalSteps)` for a cadence (the log-spaced set is computed once per run length). */
export function evalCadence(cadence: Cadence): (step: number, totalSteps: number) => boolean {
  let cachedTotal = -1;
  let logSet = new Set<number>();
  return (step, totalSteps) => {
    if (step === 0 || step === totalSteps) return true;
    if (cadence.every !== undefined && step % cadence.every === 0) return true;
    if (cadence.log_points === undefined) return false;
    if (totalSteps !== cachedTotal) {
      logSet = new Set(logSpacedSteps(totalSteps, cadence.log_points));
      cachedTotal = totalSteps;
    }
    return logSet.has(step);
  };
}
