/**
 * One evaluation of a run (loss and accuracy on every split, then the run's measures) and the run's summary, the
 * final JSON object, computed from its metric rows. (The training loop is run.ts; the run directory run-dir.ts.)
 */
import { grokDelay, grokStep, memorizeStep, type EvalRecord } from "../measures/dynamics/grokking.js";
import { getMeasure, runMeasure } from "../measures/registry.js";
import type { MeasureContext } from "../measures/measure.js";
import { fold, keyFromSeed } from "../tensor/rng.js";
import type { Params } from "../tensor/tensor.js";
import { surfingSumsOf, type SurfingSums } from "../train/surfing-tracker.js";
import { evaluate, type SplitStats, type TrainSetup, type TrainState } from "../train/loop.js";
import { join } from "node:path";
import { writeFileAtomicSync } from "./atomic.js";
import type { MetricRow } from "./metrics-file.js";
import type { RunConfig } from "./spec.js";

/** The final JSON line of `grokscope train` (README.md, "What it looks like": stdout's last line). */
export interface RunSummary {
  run_id: string;
  preset: string | null;
  seed: number;
  steps: number;
  train_acc: number;
  test_acc: number;
  train_loss: number;
  test_loss: number;
  memorize_step: number | null;
  grok_step: number | null;
  grok_delay: number | null;
  /**
   * Runs whose task has further splits (src/tasks/dataset.ts `evalSplits`: an OOD test, a mixture's domains): the
   * first evaluated step at which each split's accuracy reached `acc_threshold`, or null — e.g. a domain's memorize
   * step is `split_steps["domain/add/train"]`, its grok step `split_steps["domain/add/test"]`.
   */
  split_steps?: Record<string, number | null>;
  final_measures: Record<string, number>;
  backend: string;
  seconds: number;
  run_dir: string;
}

/** What one evaluation needs besides the setup and state. */
export interface EvaluationInputs {
  readonly config: RunConfig;
  /** The measures to compute (already resolved: "all" expanded). */
  readonly measures: readonly string[];
  readonly init: Params;
  readonly onWarning?: (message: string) => void;
  /** Where measures write files of their own (the LLC's traces); none when absent. */
  readonly runDir?: string;
}

/**
 * Rows of one evaluation: train/test (and the task's further splits') loss and accuracy, then every measure.
 * The training split goes last, after the measures: `trainStats` may compute it with the forward of the step about to
 * be taken (run.ts), which must be the model's last forward before that step's backward; it returns null when it
 * cannot, and the split is evaluated here.
 */
export function evaluationRows(run: EvaluationInputs, setup: TrainSetup, state: TrainState, trainStats: () => SplitStats | null = () => null): MetricRow[] {
  const step = state.step;
  const test = evaluate(setup, state, setup.data.test);
  const values: Record<string, number> = { train_loss: NaN, train_acc: NaN, test_loss: test.loss, test_acc: test.acc }; // keys in row order
  if (setup.data.kind === "tokens") {
    for (const [name, split] of Object.entries(setup.data.evalSplits ?? {})) {
      const r = evaluate(setup, state, split);
      values[`${name}_loss`] = r.loss;
      values[`${name}_acc`] = r.acc;
    }
  }
  const ctx = measureContext(run.config, setup, state.params, step, run.init, surfingSumsOf(state), { runDir: run.runDir, onWarning: run.onWarning });
  for (const name of run.measures) {
    try {
      Object.assign(values, runMeasure(name, getMeasure(name), ctx));
    } catch (e) {
      run.onWarning?.(`measure "${name}" failed at step ${step} (the run's other metrics are kept): ${(e as Error).message}`);
    }
  }
  const train = trainStats() ?? evaluate(setup, state, setup.data.train);
  values.train_loss = train.loss;
  values.train_acc = train.acc;
  return Object.entries(values).map(([key, value]) => ({ step, key, value }));
}

/** Where a measure's own files go and who hears its warnings (absent: nothing written, nobody told). */
export interface MeasureOutputs {
  readonly runDir?: string;
  readonly onWarning?: (message: string) => void;
}

/** What a measure sees at a step: the state, the run's loss and kernels, its settings and a key of its own. */
export function measureContext(config: RunConfig, setup: TrainSetup, params: Params, step: number, init: Params, surfing?: Readonly<SurfingSums> | null, out: MeasureOutputs = {}): MeasureContext {
  const { runDir, onWarning } = out;
  return {
    params, data: setup.data, model: setup.model, step, init, loss: setup.loss, backend: setup.backend, key: fold(keyFromSeed(config.seed), `measures/${step}`), settings: config.measure_settings, surfing: surfing ? { ...surfing } : null,
    writeRunFile: runDir === undefined ? undefined : (relPath, text) => writeFileAtomicSync(join(runDir, relPath), text),
    onWarning,
  };
}

function history(rows: readonly MetricRow[]): EvalRecord[] {
  const byStep = new Map<number, { step: number; train_acc?: number; test_acc?: number }>();
  for (const r of rows) {
    if (r.key !== "train_acc" && r.key !== "test_acc") continue;
    let e = byStep.get(r.step);
    if (!e) byStep.set(r.step, (e = { step: r.step }));
    e[r.key] = r.value;
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

export function lastValues(rows: readonly MetricRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.key] = r.value; // rows are in step order
  return out;
}

/** `split_steps` for every further split: keys `<name>_acc` recorded beside `<name>_loss` (not train or test). */
function splitSteps(rows: readonly MetricRow[], threshold: number): { split_steps?: Record<string, number | null> } {
  const keys = new Set(rows.map((r) => r.key));
  const names = [...keys].filter((k) => k.endsWith("_acc") && k !== "train_acc" && k !== "test_acc" && keys.has(k.slice(0, -4) + "_loss")).map((k) => k.slice(0, -4));
  if (names.length === 0) return {};
  const out: Record<string, number | null> = {};
  for (const name of names.sort()) {
    let first: number | null = null;
    for (const r of rows) if (r.key === `${name}_acc` && r.value >= threshold && (first === null || r.step < first)) first = r.step;
    out[name] = first;
  }
  return { split_steps: out };
}

/** The final JSON object of a run from its metric rows (in step order). */
export function summarizeRun(runId: string, runDir: string, config: RunConfig, rows: readonly MetricRow[], backend: string, seconds: number): RunSummary {
  const h = history(rows);
  const { train_loss, train_acc, test_loss, test_acc, ...measures } = lastValues(rows);
  return {
    run_id: runId,
    preset: config.preset,
    seed: config.seed,
    steps: config.steps,
    train_acc,
    test_acc,
    train_loss,
    test_loss,
    memorize_step: memorizeStep(h, config.acc_threshold),
    grok_step: grokStep(h, config.acc_threshold),
    grok_delay: grokDelay(h, config.acc_threshold),
    ...splitSteps(rows, config.acc_threshold),
    final_measures: measures,
    backend,
    seconds: Math.round(seconds * 1000) / 1000,
    run_dir: runDir,
  };
}

