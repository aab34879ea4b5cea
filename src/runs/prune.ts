/**
 * `grokscope prune`: zero a run's low-IPR (memorizing) neurons at one checkpoint and evaluate before and after
 * (Doshi et al. 2024, "To grok or not to grok", §2 pruning experiment; the neuron maths is src/measures/memorization/prune.ts).
 * Nothing in the run directory changes; `outDir` receives the pruned parameters and the result.
 */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { corruptionAccuracy, predictions } from "../measures/memorization/corruption.js";
import { lowIprMask, neuronIprsOf, pruneApplies, pruneNeurons } from "../measures/memorization/prune.js";
import { copyParamsInto, type Params } from "../tensor/tensor.js";
import { evaluate, type TrainSetup, type TrainState } from "../train/loop.js";
import { writeFileAtomic } from "./atomic.js";
import { checkpointStepOf, loadCheckpoint } from "./checkpoint.js";
import { locateRun, readRunDir } from "./run.js";
import { writeSafetensors, type SafeTensors } from "./safetensors.js";
import { buildSetup } from "./setup.js";
import { SpecError } from "./spec.js";

export const PRUNED_PARAMS_FILE = "pruned.safetensors";
export const PRUNE_RESULT_FILE = "prune.json";

export interface PruneOptions {
  readonly dataDir: string;
  /** Neurons whose IPR is below this are zeroed; in (0, 1]. */
  readonly iprBelow: number;
  /** The checkpoint's step (default: the last). */
  readonly step?: number;
  /** A directory for the pruned parameters (safetensors) and the result (JSON). */
  readonly outDir?: string;
}

/** Loss and accuracy of one set of parameters; the corruption keys only when the training labels are corrupted. */
export interface PruneEvaluation {
  readonly train_loss: number;
  readonly train_acc: number;
  readonly test_loss: number;
  readonly test_acc: number;
  readonly train_acc_clean?: number;
  readonly train_acc_corrupted?: number;
  readonly inversion?: number;
}

export interface PruneResult {
  readonly run_id: string;
  readonly step: number;
  readonly ipr_below: number;
  readonly neurons: number;
  readonly pruned: number;
  /** Indices of the zeroed neurons, ascending. */
  readonly pruned_neurons: number[];
  /** Mean IPR of the neurons kept (NaN-IPR neurons skipped); null when none is kept. */
  readonly kept_mean_ipr: number | null;
  readonly before: PruneEvaluation;
  readonly after: PruneEvaluation;
  readonly out_dir: string | null;
}

/** The threshold must say something: IPR_2 lies in [1/(⌊p/2⌋ + 1), 1]. */
export function checkIprThreshold(x: number, flag = "--ipr-below"): number {
  if (!(Number.isFinite(x) && x > 0 && x <= 1)) throw new SpecError(`${flag}: must be a number in (0, 1] (a neuron's IPR lies between 1/(⌊p/2⌋ + 1) and 1), got ${x}`);
  return x;
}

function evaluation(setup: TrainSetup, state: TrainState): PruneEvaluation {
  const train = evaluate(setup, state, setup.data.train);
  const test = evaluate(setup, state, setup.data.test);
  const out: PruneEvaluation = { train_loss: train.loss, train_acc: train.acc, test_loss: test.loss, test_acc: test.acc };
  const split = setup.data.train;
  if (!split.corrupted || split.corrupted.length === 0) return out;
  const fwd = setup.model.forward(state.params, split);
  const a = corruptionAccuracy(predictions(fwd.logits, split.n, setup.model.nOut), split);
  return { ...out, train_acc_clean: a.clean, train_acc_corrupted: a.corrupted, inversion: a.inversion };
}

function paramsTensors(params: Params): SafeTensors {
  const out: SafeTensors = {};
  for (const [name, t] of Object.entries(params)) {
    const data = t.data as Float32Array | Float64Array; // a float64 run keeps float64 buffers
    out[name] = data instanceof Float64Array ? { dtype: "F64", shape: [...t.shape], data } : { dtype: "F32", shape: [...t.shape], data };
  }
  return out;
}

export async function pruneRun(ref: string, opts: PruneOptions): Promise<PruneResult> {
  const threshold = checkIprThreshold(opts.iprBelow);
  const runDir = await locateRun(ref, opts.dataDir);
  const { runId, config } = await readRunDir(runDir);
  const step = await checkpointStepOf(runDir, opts.step, "--step");
  const { setup, state } = await buildSetup(config);
  try {
    const why = pruneApplies(setup.model, setup.data);
    if (why !== null) throw new SpecError(`prune: ${why}`);
    await loadCheckpoint(runDir, step, state);
    const iprs = neuronIprsOf(setup.model, state.params, setup.data);
    const mask = lowIprMask(iprs, threshold);
    const pruned = pruneNeurons(setup.model.name, state.params, mask);
    const before = evaluation(setup, state);
    copyParamsInto(state.params, pruned);
    const after = evaluation(setup, state);
    const prunedNeurons: number[] = [];
    let keptSum = 0, kept = 0;
    for (let k = 0; k < mask.length; k++) {
      if (mask[k]) prunedNeurons.push(k);
      else if (!Number.isNaN(iprs[k])) {
        keptSum += iprs[k];
        kept++;
      }
    }
    const outDir = opts.outDir === undefined ? null : resolve(opts.outDir);
    const result: PruneResult = {
      run_id: runId,
      step,
      ipr_below: threshold,
      neurons: mask.length,
      pruned: prunedNeurons.length,
      pruned_neurons: prunedNeurons,
      kept_mean_ipr: kept > 0 ? keptSum / kept : null,
      before,
      after,
      out_dir: outDir,
    };
    if (outDir !== null) {
      await mkdir(outDir, { recursive: true });
      const meta = { format: "grokscope-pruned/1", run_id: runId, step: String(step), ipr_below: String(threshold) };
      await writeSafetensors(join(outDir, PRUNED_PARAMS_FILE), paramsTensors(state.params), meta);
      await writeFileAtomic(join(outDir, PRUNE_RESULT_FILE), JSON.stringify(result, null, 2) + "\n");
    }
    return result;
  } finally {
    setup.backend.dispose();
  }
}
