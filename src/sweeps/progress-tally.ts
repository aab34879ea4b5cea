/**
 * A local sweep's progress in training steps and in work: the same steps weighted by each run's cost per step
 * (batchCost: training rows × hidden width for the MLPs the batched kernels train, 1 for other models). A grid's
 * widest runs cost 16× its narrowest per step and are dealt out first, so steps alone make the first minutes look
 * slow (in PAIR's sparse-parity grid the first waves' runs, hidden width 258, cost 2.6× the grid's mean per step, and
 * an ETA from steps was over twice the time the sweep took). The ETA extrapolates work.
 */
import { batchCost } from "./batched/index.js";
import type { RunJob } from "./execute.js";

export interface Tally {
  readonly done: number;
  readonly total: number;
}

export class ProgressTally {
  private readonly stepsOf: Map<string, number>;
  private readonly workOf: Map<string, number>;
  private readonly stepsTotal: number;
  private readonly workTotal: number;
  private stepsEnded = 0;
  private workEnded = 0;
  private readonly underWay = new Map<unknown, { steps: number; workPerStep: number }>();

  constructor(jobs: readonly RunJob[]) {
    this.stepsOf = new Map(jobs.map((j) => [j.runKey, j.config.steps]));
    this.workOf = new Map(jobs.map((j) => [j.runKey, batchCost(j.config)]));
    this.stepsTotal = jobs.reduce((sum, j) => sum + j.config.steps, 0);
    this.workTotal = jobs.reduce((sum, j) => sum + batchCost(j.config), 0);
  }

  /** `key` (a worker, or a unit of work) starts `jobs`, which step together (a batch in lockstep, or one run). */
  start(key: unknown, jobs: readonly RunJob[]): void {
    const steps = jobs.reduce((s, j) => s + j.config.steps, 0);
    const work = jobs.reduce((s, j) => s + batchCost(j.config), 0);
    this.underWay.set(key, { steps: 0, workPerStep: steps > 0 ? work / steps : 0 });
  }

  /** `key`'s jobs are `stepsDone` steps in, summed over them (called as often as every step: no more than a store). */
  progress(key: unknown, stepsDone: number): void {
    const u = this.underWay.get(key);
    if (u) u.steps = stepsDone;
  }

  /** `key`'s steps under way stop counting (its runs count when they end). */
  clear(key: unknown): void {
    this.underWay.delete(key);
  }

  /** A run finished or failed: all its steps count. */
  ended(runKey: string): void {
    this.stepsEnded += this.stepsOf.get(runKey) ?? 0;
    this.workEnded += this.workOf.get(runKey) ?? 0;
  }

  get steps(): Tally {
    let done = this.stepsEnded;
    for (const u of this.underWay.values()) done += u.steps;
    return { done, total: this.stepsTotal };
  }

  get work(): Tally {
    let done = this.workEnded;
    for (const u of this.underWay.values()) done += u.steps * u.workPerStep;
    return { done, total: this.workTotal };
  }

  /** Seconds left after `elapsed` seconds, extrapolating the work done; null before any. */
  etaSeconds(elapsed: number): number | null {
    const w = this.work;
    return w.done > 0 ? (elapsed * (w.total - w.done)) / w.done : null;
  }
}
