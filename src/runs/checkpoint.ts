import { join } from "node:path";
import { mkdir, readdir } from "node:fs/promises";
import { evalCadence, evalSteps, type Cadence } from "../train/cadence.js";
import type { TrainState } from "../train/loop.js";
import { loadStateTensors, stateTensorShapes, stateTensors } from "../train/optimizers.js";
import { readSafetensors, writeSafetensors, type SafeTensors, type SafetensorsContents } from "./safetensors.js";
import { SpecError, type RunConfig } from "./spec.js";
import { tensorsDigest } from "./tensor-digest.js";

/**
 * A checkpoint is one safetensors file: the parameters under their own names (`U`, `W_in`, … — loadable by
 * `safetensors.torch.load_file`), the optimizer state under `optim/<slot>/<param>` and `optim/step`, and each step
 * hook's state under its prefix (the Grokfast filter's under `filter/…`, the surfing tracker's sums as `surfing/state`).
 * Metadata: the step, the run id, the format version and `sha256` (tensorsDigest: names, dtypes, shapes and bytes),
 * checked on every load. Written atomically.
 */
export const CHECKPOINT_DIR = "checkpoints";
/** Prefixes of the tensors that are not model parameters: the optimizer's and the built-in step hooks'. */
const STATE_PREFIXES = ["optim/", "filter/", "surfing/"];

/** Whether a checkpoint tensor is a model parameter (not optimizer, filter or tracker state). */
export function isParameterTensor(name: string): boolean {
  return !STATE_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * When a run checkpoints, as an evaluation cadence (src/train/cadence.ts): step 0, multiples of `checkpoint_every`,
 * `checkpoint_log_points` log-spaced steps, and the final step. So a run of S steps writes at most
 * ⌊S / checkpoint_every⌋ + checkpoint_log_points + 2 checkpoints.
 */
export function checkpointCadence(config: Pick<RunConfig, "checkpoint_every" | "checkpoint_log_points">): Cadence {
  return config.checkpoint_log_points === null ? { every: config.checkpoint_every } : { every: config.checkpoint_every, log_points: config.checkpoint_log_points };
}

/** `isCheckpointStep(step, totalSteps)` for a run's config. */
export function checkpointPredicate(config: Pick<RunConfig, "checkpoint_every" | "checkpoint_log_points">): (step: number, totalSteps: number) => boolean {
  return evalCadence(checkpointCadence(config));
}

/** The sorted steps at which a run of `config.steps` updates writes a checkpoint (a resumed or extended run: the same rule). */
export function plannedCheckpointSteps(config: Pick<RunConfig, "steps" | "checkpoint_every" | "checkpoint_log_points">): number[] {
  return evalSteps(checkpointCadence(config), config.steps);
}

export function checkpointPath(runDir: string, step: number): string {
  return join(runDir, CHECKPOINT_DIR, `step_${String(step).padStart(8, "0")}.safetensors`);
}

/** A float64 run (backend js64) keeps float64 buffers behind the Float32Array type: save them as F64. */
function entry(shape: number[], data: Float32Array): SafeTensors[string] {
  return (data as unknown) instanceof Float64Array ? { dtype: "F64", shape, data: data as unknown as Float64Array } : { dtype: "F32", shape, data };
}

/** A checkpoint's contents, copied out of a training state: the state may go on training while it is written. */
export interface CheckpointSnapshot {
  readonly step: number;
  readonly tensors: SafeTensors;
}

export function snapshotCheckpoint(state: TrainState): CheckpointSnapshot {
  const tensors: SafeTensors = {};
  for (const [name, t] of Object.entries(state.params)) tensors[name] = entry([...t.shape], t.data.slice());
  const shapes = stateTensorShapes(state.opt, state.params);
  for (const [name, data] of Object.entries(stateTensors(state.opt))) tensors[`optim/${name}`] = entry([...shapes[name]], data.slice());
  for (const h of state.hooks) {
    for (const [name, t] of Object.entries(h.saveState())) tensors[h.checkpointPrefix + name] = t.dtype === "F64" ? { dtype: "F64", shape: [t.data.length], data: (t.data as Float64Array).slice() } : { dtype: "F32", shape: [t.data.length], data: (t.data as Float32Array).slice() };
  }
  return { step: state.step, tensors };
}

export async function writeCheckpoint(runDir: string, runId: string, snapshot: CheckpointSnapshot): Promise<string> {
  const { step, tensors } = snapshot;
  const path = checkpointPath(runDir, step);
  await mkdir(join(runDir, CHECKPOINT_DIR), { recursive: true });
  await writeSafetensors(path, tensors, { format: "grokscope-checkpoint/1", run_id: runId, step: String(step), sha256: tensorsDigest(tensors) });
  return path;
}

export async function saveCheckpoint(runDir: string, runId: string, state: TrainState): Promise<string> {
  return writeCheckpoint(runDir, runId, snapshotCheckpoint(state));
}

/** Steps of the run's checkpoints, ascending. */
export async function checkpointSteps(runDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(join(runDir, CHECKPOINT_DIR));
  } catch {
    return [];
  }
  return names
    .map((n) => /^step_(\d+)\.safetensors$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/**
 * The checkpoint to read: `step`, or the run's last when it is undefined. A run without checkpoints, or a step without
 * one, is a SpecError; the latter names the option that asked for it (`flag`).
 */
export async function checkpointStepOf(runDir: string, step: number | undefined, flag: string): Promise<number> {
  const steps = await checkpointSteps(runDir);
  if (steps.length === 0) throw new SpecError(`${runDir}: the run has no checkpoints`);
  if (step === undefined) return steps[steps.length - 1];
  if (!steps.includes(step)) throw new SpecError(`${flag}: the run has no checkpoint at step ${step} (checkpoints: ${steps.join(", ")})`);
  return step;
}

/**
 * Reads a checkpoint (or any safetensors file) and checks its `sha256` when it has one (checkpoints written before
 * checksums have none). A file that cannot be read or does not match is a SpecError naming it.
 */
export async function readCheckedSafetensors(path: string): Promise<SafetensorsContents> {
  let contents: SafetensorsContents;
  try {
    contents = await readSafetensors(path);
  } catch (e) {
    throw new SpecError(`checkpoint ${path} is unreadable: ${(e as Error).message.replace(`${path}: `, "")}`);
  }
  const expected = contents.metadata.sha256;
  if (expected !== undefined && expected !== tensorsDigest(contents.tensors)) {
    throw new SpecError(`checkpoint ${path} is corrupt: its tensors do not match the sha256 stored with them (resume from an earlier checkpoint by moving this file aside)`);
  }
  return contents;
}

/** Restores params and optimizer state in place from the checkpoint at `step`. */
export async function loadCheckpoint(runDir: string, step: number, state: TrainState): Promise<void> {
  const path = checkpointPath(runDir, step);
  const { tensors } = await readCheckedSafetensors(path);
  const optim: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Float64Array)) throw new Error(`${path}: tensor "${name}" is ${t.dtype}, expected F32 or F64`);
    const data = t.data as Float32Array; // float64 runs restore into their float64 buffers
    if (name.startsWith("optim/")) optim[name.slice("optim/".length)] = data;
  }
  for (const [name, p] of Object.entries(state.params)) {
    const t = tensors[name];
    if (!t || t.data.length !== p.data.length) throw new Error(`${path}: parameter "${name}" is missing or has the wrong size`);
    p.data.set(t.data as Float32Array);
  }
  loadStateTensors(state.opt, optim);
  for (const h of state.hooks) {
    const own: Record<string, Float32Array | Float64Array> = {};
    for (const [name, t] of Object.entries(tensors)) if (name.startsWith(h.checkpointPrefix)) own[name.slice(h.checkpointPrefix.length)] = t.data as Float32Array | Float64Array;
    try {
      h.loadState(own);
    } catch (e) {
      throw new Error(`${path}: ${h.name} state: ${(e as Error).message}`);
    }
  }
  state.step = step;
}
