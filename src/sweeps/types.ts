import type { MetricRow } from "../runs/metrics-file.js";
import type { RunSummary } from "../runs/run.js";
import type { RunConfig } from "../runs/spec.js";

export type AxisValue = number | string | boolean;

/** One run of a sweep: its grid cell (axis key → value, seed excluded), its seed and its normalized config. */
export interface SweepRun {
  /** Canonical and unique within the sweep, e.g. "model.width=64,optimizer.weight_decay=0.1,seed=3". */
  readonly runKey: string;
  readonly cell: Readonly<Record<string, AxisValue>>;
  readonly seed: number;
  readonly config: RunConfig;
}

/** A finished run as the sweep sees it. */
export interface SweepRunResult {
  readonly runKey: string;
  readonly cell: Readonly<Record<string, AxisValue>>;
  readonly seed: number;
  /** The run's final JSON object (train_acc, test_acc, grok_step, ...). */
  readonly summary: RunSummary;
  /** Every metric row of the run (long format, in step order). */
  readonly rows: readonly MetricRow[];
  /** The loss the run trained with (its spec's `loss`), when known: it picks the PAIR rule's form. */
  readonly loss?: string;
}
