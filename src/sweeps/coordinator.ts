/**
 * The coordinator side of a sweep, shared by local and distributed execution: it registers the sweep in the store,
 * turns its unfinished runs into jobs, and is the only writer of the store — each result a worker returns is
 * classified and recorded once.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { MetricRow } from "../runs/metrics-file.js";
import { openStore, type Store } from "../runs/store.js";
import type { RunJob, RunJobResult } from "./execute.js";
import type { SweepConfig } from "./spec.js";
import { beginSweep, recordSweepFailure, recordSweepResults, sweepDir, type SweepResultRecord, type SweepRunRef } from "./sweep-store.js";

/** Phase classes of a finished run from its metric rows; `loss` (its spec's) picks the PAIR rule's form. */
export type RunClassifier = (rows: readonly MetricRow[], loss?: string) => Record<string, string>;

export interface SweepSession {
  readonly sweep: SweepConfig;
  readonly store: Store;
  /** Every run of the sweep as stored when the session began. */
  readonly refs: readonly SweepRunRef[];
  /** The runs still to train (pending or failed earlier), as jobs. */
  readonly jobs: readonly RunJob[];
  /** True when the sweep existed (same spec) and this session continues it. */
  readonly resumed: boolean;
  /** Records a result; false if the sweep already had it (a retried job that finished twice). */
  record(result: RunJobResult): Promise<boolean>;
  /** Records results in one store transaction (a batch's runs end together); per result as `record`. */
  recordMany(results: readonly RunJobResult[]): Promise<boolean[]>;
  fail(runKey: string, message: string): Promise<void>;
  close(): Promise<void>;
}

export interface SessionOptions {
  readonly dataDir: string;
  /** Delete a sweep of the same name first (needed when its spec changed). */
  readonly fresh?: boolean;
  /** Where run directories go (default <dataDir>/sweeps/<name>); remote workers need a path they can reach. */
  readonly runsDir?: string;
  readonly classify?: RunClassifier;
  /** The sweep spec as the user wrote it, kept in the store. */
  readonly specJson?: unknown;
}

export async function openSweepSession(sweep: SweepConfig, opts: SessionOptions): Promise<SweepSession> {
  const store = await openStore(opts.dataDir);
  try {
    const { runs: refs, resumed } = await beginSweep(store, sweep, { fresh: opts.fresh, specJson: opts.specJson });
    const runsDir = opts.runsDir ?? sweepDir(opts.dataDir, sweep.name);
    if (opts.fresh) await rm(runsDir, { recursive: true, force: true }); // the old sweep's run directories
    const byKey = new Map(sweep.runs.map((r) => [r.runKey, r]));
    const jobs = refs
      .filter((r) => r.status !== "done")
      .map((r) => ({ sweep: sweep.name, runKey: r.runKey, runId: r.runId, runDir: join(runsDir, r.runId), config: byKey.get(r.runKey)!.config }));
    const refOf = new Map(refs.map((r) => [r.runKey, r]));
    const classify = opts.classify ?? (() => ({}));
    const toRecord = (result: RunJobResult): SweepResultRecord => {
      const ref = refOf.get(result.runKey);
      if (!ref) throw new Error(`sweep "${sweep.name}": a worker returned an unknown run "${result.runKey}"`);
      const config = byKey.get(result.runKey)!.config;
      return { ref, result: { summary: result.summary, rows: result.rows, runDir: result.runDir, spec: config, preset: config.preset ?? "custom" }, classes: classify(result.rows, config.loss) };
    };
    const recordMany = (results: readonly RunJobResult[]): Promise<boolean[]> => recordSweepResults(store, sweep.name, results.map(toRecord));
    return {
      sweep,
      store,
      refs,
      jobs,
      resumed,
      async record(result) {
        const [recorded] = await recordMany([result]);
        return recorded;
      },
      recordMany,
      fail: (runKey, message) => recordSweepFailure(store, sweep.name, runKey, message),
      close: () => store.close(),
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
