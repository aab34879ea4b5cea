/**
 * `grokscope intervene`: ablate or patch a hook point of a run's checkpoint and evaluate train and test loss and
 * accuracy before and after (interventions: src/autograd/interventions.ts; frequency selections:
 * src/measures/fourier/frequency-units.ts). The model is the run's autograd definition (the fused gromov path has no hooks),
 * with the checkpoint's parameters, on the run's own train/test splits and loss. Nothing is written.
 */
import { meanAblation, ablatedCount, captureHooks, hookShapes, patch, zeroAblation, type Selection } from "../autograd/interventions.js";
import type { Intervention } from "../autograd/graph.js";
import { embeddingFourierDirections, embeddingKeyFrequencies, neuronFrequencies, neuronsOfFrequencies } from "../measures/fourier/frequency-units.js";
import type { Model } from "../models/model.js";
import { buildModel } from "../models/registry.js";
import type { Dataset, Split } from "../tasks/dataset.js";
import type { Params } from "../tensor/tensor.js";
import type { Loss } from "../train/losses.js";
import { checkpointStepOf, loadCheckpoint } from "./checkpoint.js";
import { loadModelModule } from "./model-module.js";
import { locateRun, readRunDir } from "./run.js";
import { buildSetup, loadInitFrom } from "./setup.js";
import { SpecError } from "./spec.js";

/** Hooks a model records but does not continue from (attention computes z from its own pattern). */
const READ_ONLY = /hook_pattern$/;

export type InterventionMode = "zero" | "mean" | "patch";

/** What to act on; at most one of neurons / heads / frequencies (none: every unit of the hook). */
export interface UnitSelection {
  readonly neurons?: readonly number[];
  readonly heads?: readonly number[];
  /** Frequencies, or "key" for the checkpoint's key frequencies (transformer: of the embedding; gromov: of U, V). */
  readonly frequencies?: readonly number[] | "key";
  /** Act on everything except the selection. */
  readonly keep?: boolean;
}

export interface InterveneOptions {
  readonly dataDir: string;
  /** The checkpoint (default: the last). */
  readonly step?: number;
  readonly hook: string;
  readonly mode: InterventionMode;
  /** mode "patch": a step of this run, or another run (id, prefix or directory; its last checkpoint). */
  readonly patchFrom?: number | string;
  readonly select?: UnitSelection;
}

export interface Scores {
  readonly train_loss: number;
  readonly train_acc: number;
  readonly test_loss: number;
  readonly test_acc: number;
}

export interface InterveneResult {
  readonly run_id: string;
  readonly step: number;
  readonly hook: string;
  /** The hook's activation shape on the training split. */
  readonly hook_shape: readonly number[];
  readonly mode: InterventionMode;
  readonly patch_from: { readonly run_id: string; readonly step: number } | null;
  readonly keep: boolean;
  /** The selected neurons (also those a frequency selects on gromov), heads or frequencies; null: all units. */
  readonly neurons: number[] | null;
  readonly heads: number[] | null;
  readonly frequencies: number[] | null;
  /** Units (or directions: the rank of the ablated subspace) acted on, of `width`. */
  readonly ablated: number;
  readonly width: number;
  readonly before: Scores;
  readonly after: Scores;
}

/** A model with a run's checkpoint loaded, on its task: what interventions are evaluated on. */
export interface LoadedCheckpoint {
  readonly runId: string;
  readonly runDir: string;
  readonly step: number;
  readonly model: Model;
  readonly params: Params;
  readonly data: Dataset;
  readonly loss: Loss;
  readonly config: Awaited<ReturnType<typeof readRunDir>>["config"];
  readonly dispose: () => void;
}

/** A run's checkpoint (default the last) on the run's autograd model (with hooks), its task and its loss. */
export async function loadForIntervention(ref: string, opts: { dataDir: string; step?: number }): Promise<LoadedCheckpoint> {
  const runDir = await locateRun(ref, opts.dataDir);
  const { runId, config } = await readRunDir(runDir);
  const step = await checkpointStepOf(runDir, opts.step, "--step");
  await loadModelModule(config.model);
  const { setup, state } = await buildSetup({ ...config, init_from: undefined });
  try {
    await loadCheckpoint(runDir, step, state);
    const model = buildModel(config.model, setup.data, setup.backend, { autograd: true });
    return { runId, runDir, step, model, params: state.params, data: setup.data, loss: setup.loss, config, dispose: () => setup.backend.dispose() };
  } catch (e) {
    setup.backend.dispose();
    throw e;
  }
}

/** Loss and accuracy on train and test with the interventions applied (`perSplit`: ones that depend on the split, e.g. patch values). */
export function score(c: LoadedCheckpoint, interventions?: ReadonlyMap<string, Intervention>, perSplit?: (split: Split) => ReadonlyMap<string, Intervention>): Scores {
  const one = (split: Split) => {
    const { logits } = c.model.forward(c.params, split, { interventions: perSplit ? perSplit(split) : interventions });
    const r = c.loss(logits, split.y, c.model.nOut);
    return { loss: r.loss, acc: split.n === 0 ? NaN : r.correct / split.n };
  };
  const train = one(c.data.train), test = one(c.data.test);
  return { train_loss: train.loss, train_acc: train.acc, test_loss: test.loss, test_acc: test.acc };
}

function modulus(c: LoadedCheckpoint): number {
  const p = c.data.meta.p;
  if (typeof p !== "number") throw new SpecError(`--frequencies: task "${c.data.name}" has no modulus p, so there are no frequencies to select`);
  return p;
}

const unsupportedFrequencies = (c: LoadedCheckpoint) =>
  new SpecError(`--frequencies: supported for the transformer (Fourier directions of the embedding) and gromov (neurons by frequency), not model "${c.model.name}"`);

/**
 * The key frequencies of a checkpoint, strongest first: the embedding's (transformer, the rule of
 * fourier/key_frequencies); for gromov, the neuron frequencies held by ≥ 0.1 × the most populated one's neuron count
 * (our rule, the same τ).
 */
export function checkpointKeyFrequencies(c: LoadedCheckpoint): number[] {
  const p = modulus(c);
  if (c.model.name === "transformer") return embeddingKeyFrequencies(c.params["embed.W_E"], p);
  if (c.model.name === "gromov") {
    const counts = new Map<number, number>();
    for (const f of neuronFrequencies(c.params.U, c.params.V, p)) if (f > 0) counts.set(f, (counts.get(f) ?? 0) + 1);
    const max = Math.max(0, ...counts.values());
    return [...counts].filter(([, n]) => n >= 0.1 * max).sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([f]) => f);
  }
  throw unsupportedFrequencies(c);
}

/** The interventions' Selection for a hook of width d (errors name the option). */
export function selectionFor(c: LoadedCheckpoint, hook: string, d: number, s: UnitSelection = {}): { sel: Selection; freqs: number[] | null; neurons: number[] | null } {
  const given = (["neurons", "heads", "frequencies"] as const).filter((k) => s[k] !== undefined);
  if (given.length > 1) throw new SpecError(`--${given[1]}: give one of --neurons, --heads, --frequencies`);
  const keep = s.keep === true;
  if (s.neurons) return { sel: { neurons: s.neurons, keep }, freqs: null, neurons: [...s.neurons] };
  if (s.heads) {
    const H = c.config.model.name === "transformer" ? (c.config.model as { heads: number }).heads : 0;
    if (H === 0) throw new SpecError(`--heads: model "${c.model.name}" has no attention heads`);
    if (d % H !== 0) throw new SpecError(`--heads: hook "${hook}" has width ${d}, not heads × d_head = ${H} × …: use attn.hook_z or attn.hook_q`);
    return { sel: { heads: s.heads, dHead: d / H, keep }, freqs: null, neurons: null };
  }
  if (s.frequencies) {
    const p = modulus(c);
    const freqs = s.frequencies === "key" ? checkpointKeyFrequencies(c) : [...s.frequencies];
    for (const f of freqs) if (!Number.isInteger(f) || f < 1 || f > p >> 1) throw new SpecError(`--frequencies: ${f} is out of range (frequencies of p = ${p} are 1 … ${p >> 1})`);
    if (c.model.name === "transformer") {
      const WE = c.params["embed.W_E"];
      if (d !== WE.shape[1]) throw new SpecError(`--frequencies: on a transformer they select Fourier directions of the embedding (width d_model = ${WE.shape[1]}); hook "${hook}" has width ${d}: use hook_embed or a residual hook`);
      return { sel: { directions: embeddingFourierDirections(WE, p, freqs), keep }, freqs, neurons: null };
    }
    if (c.model.name === "gromov") {
      const neurons = neuronsOfFrequencies(neuronFrequencies(c.params.U, c.params.V, p), freqs);
      return { sel: { neurons, keep }, freqs, neurons };
    }
    throw unsupportedFrequencies(c);
  }
  return { sel: keep ? { neurons: [], keep: true } : { all: true }, freqs: null, neurons: null };
}

/** Parameters of a patch source: a step of this run or another run's last checkpoint (shapes must match). */
async function patchParams(c: LoadedCheckpoint, from: number | string, dataDir: string): Promise<{ params: Params; run_id: string; step: number }> {
  const runDir = typeof from === "number" ? c.runDir : await locateRun(from, dataDir).catch((e: Error) => Promise.reject(new SpecError(`--patch-from: ${e.message}`)));
  const runId = typeof from === "number" ? c.runId : (await readRunDir(runDir)).runId;
  const step = await checkpointStepOf(runDir, typeof from === "number" ? from : undefined, "--patch-from");
  const params: Params = {};
  for (const [name, t] of Object.entries(c.params)) params[name] = { shape: t.shape, data: t.data.slice() };
  try {
    await loadInitFrom({ run: runDir, step }, params);
  } catch (e) {
    throw new SpecError((e as Error).message.replace(/^init_from\.(run|step)/, "--patch-from"));
  }
  return { params, run_id: runId, step };
}

/** Evaluates a run's checkpoint before and after one intervention at one hook. */
export async function interveneRun(ref: string, opts: InterveneOptions): Promise<InterveneResult> {
  const c = await loadForIntervention(ref, opts);
  try {
    const shapes = hookShapes(c.model, c.params, c.data.train);
    const shape = shapes.get(opts.hook);
    if (!shape) throw new SpecError(`--hook: model "${c.model.name}" has no hook "${opts.hook}"; its hooks: ${[...shapes.keys()].filter((h) => !READ_ONLY.test(h)).join(", ")}`);
    if (READ_ONLY.test(opts.hook)) throw new SpecError(`--hook: "${opts.hook}" is recorded but not read back by the model (attention computes z from its own pattern); intervene at attn.hook_z or attn.hook_q`);
    const d = shape[shape.length - 1];
    const { sel, freqs, neurons } = selectionFor(c, opts.hook, d, opts.select);
    let ablated: number;
    try {
      ablated = ablatedCount(sel, d, opts.hook);
    } catch (e) {
      const flag = opts.select?.neurons ? "--neurons" : opts.select?.heads ? "--heads" : "--frequencies";
      throw new SpecError(`${flag}: ${(e as Error).message}`);
    }
    const before = score(c);
    let after: Scores, patchFrom: InterveneResult["patch_from"] = null;
    if (opts.mode === "zero") after = score(c, new Map([[opts.hook, zeroAblation(sel)]]));
    else if (opts.mode === "mean") {
      const mu = meanRow(captureHooks(c.model, c.params, c.data.train, [opts.hook])[opts.hook], d);
      after = score(c, new Map([[opts.hook, meanAblation(sel, mu)]]));
    } else {
      if (opts.patchFrom === undefined) throw new SpecError(`--patch-from: patching needs a source (a step of this run or another run)`);
      const src = await patchParams(c, opts.patchFrom, opts.dataDir);
      patchFrom = { run_id: src.run_id, step: src.step };
      const values = new Map<Split, Float32Array>();
      for (const split of [c.data.train, c.data.test]) values.set(split, captureHooks(c.model, src.params, split, [opts.hook])[opts.hook]);
      after = score(c, undefined, (split) => new Map([[opts.hook, patch(values.get(split)!, sel)]]));
    }
    return {
      run_id: c.runId, step: c.step, hook: opts.hook, hook_shape: shape, mode: opts.mode, patch_from: patchFrom, keep: opts.select?.keep === true,
      neurons, heads: opts.select?.heads ? [...opts.select.heads] : null, frequencies: freqs, ablated, width: d, before, after,
    };
  } finally {
    c.dispose();
  }
}

/** The mean row of an activation [rows, d] (mean ablation uses the training split's mean). */
function meanRow(x: Float32Array, d: number): Float64Array {
  const mu = new Float64Array(d), n = x.length / d;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mu[j] /= n;
  return mu;
}
