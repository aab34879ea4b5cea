/**
 * Training as a library call: what `grokscope train` does, minus the terminal (no progress bar, no signal handlers,
 * nothing written to stdout or stderr — progress and warnings go to the callbacks given).
 */
import { composeSpec, resolveDataDir, type RunSpec } from "./compose.js";
import { resumeRun, startRun, type Progress, type RunSummary } from "./run.js";

export interface TrainOptions {
  /** The run store (default $GROKSCOPE_DATA, else ./runs). */
  readonly dataDir?: string;
  /** The run directory (default <dataDir>/<run_id>); must be empty or absent. */
  readonly outDir?: string;
  /** Dotted overrides applied to the spec, as `--set` (`["optimizer.weight_decay=0"]`). */
  readonly set?: readonly string[];
  /** Called at every evaluation with the step and that evaluation's metrics. */
  readonly onProgress?: (p: Progress) => void;
  /** A measure failed at a step, or the wasm backend could not start; the run goes on. */
  readonly onWarning?: (message: string) => void;
  /** Aborting stops the run at the next step boundary: it is checkpointed, marked "killed", and `train` rejects with RunInterrupted. */
  readonly signal?: AbortSignal;
  /** Kernel threads (default the spec's `threads`); results are bit-identical across thread counts. */
  readonly threads?: number;
}

export type ResumeOptions = Omit<TrainOptions, "outDir" | "set"> & {
  /** A new total step count (extends a finished run). */
  readonly steps?: number;
};

/**
 * Trains one run and resolves to the summary `grokscope train` prints as its last line. `spec` is a preset name or
 * a spec object (a `preset` plus keys overriding it). Bad input rejects with SpecError before anything is written.
 */
export async function train(spec: RunSpec | string, opts: TrainOptions = {}): Promise<RunSummary> {
  const config = composeSpec(typeof spec === "string" ? { preset: spec } : spec, { set: opts.set });
  return startRun(config, { dataDir: resolveDataDir(opts.dataDir), outDir: opts.outDir, onProgress: opts.onProgress, onWarning: opts.onWarning, signal: opts.signal, threads: opts.threads });
}

/** Continues a run (run id, unique id prefix or run directory) from its last checkpoint, bit-identically. */
export async function resume(ref: string, opts: ResumeOptions = {}): Promise<RunSummary> {
  return resumeRun(ref, { dataDir: resolveDataDir(opts.dataDir), steps: opts.steps, onProgress: opts.onProgress, onWarning: opts.onWarning, signal: opts.signal, threads: opts.threads });
}
