import { join } from "node:path";
import { mkdir, readdir } from "node:fs/promises";
import type { TrainState } from "../train/loop.js";
import { loadStateTensors, stateTensorShapes, stateTensors } from "../train/optimizers.js";
import { grokfastStateTensors, loadGrokfastStateTensors } from "../train/grokfast.js";
import { loadSurfingStateTensor, surfingStateTensor } from "../train/surfing-tracker.js";
import { readSafetensors, writeSafetensors, type SafeTensors } from "./safetensors.js";

/**
 * A checkpoint is one safetensors file: the parameters under their own names (`U`, `W_in`, … — loadable by
 * `safetensors.torch.load_file`), the optimizer state under `optim/<slot>/<param>` and `optim/step`, a Grokfast
 * filter's state under `filter/…` and the surfing tracker's sums under `surfing/state` (F64 [6]).
 * Metadata: the step, the run id and the format version. Written atomically.
 */
export const CHECKPOINT_DIR = "checkpoints";
/** The surfing tracker's float64 sums (src/train/surfing-tracker.ts), when the run has one. */
const SURFING_TENSOR = "surfing/state";

/** Whether a checkpoint tensor is a model parameter (not optimizer, filter or tracker state). */
export function isParameterTensor(name: string): boolean {
  return !name.startsWith("optim/") && !name.startsWith("filter/") && name !== SURFING_TENSOR;
}

export function checkpointPath(runDir: string, step: number): string {
  return join(runDir, CHECKPOINT_DIR, `step_${String(step).padStart(8, "0")}.safetensors`);
}

/** A float64 run (backend js64) keeps float64 buffers behind the Float32Array type: save them as F64. */
function entry(shape: number[], data: Float32Array): SafeTensors[string] {
  return (data as unknown) instanceof Float64Array ? { dtype: "F64", shape, data: data as unknown as Float64Array } : { dtype: "F32", shape, data };
}

export async function saveCheckpoint(runDir: string, runId: string, state: TrainState): Promise<string> {
  const tensors: SafeTensors = {};
  for (const [name, t] of Object.entries(state.params)) tensors[name] = entry([...t.shape], t.data);
  const shapes = stateTensorShapes(state.opt, state.params);
  for (const [name, data] of Object.entries(stateTensors(state.opt))) tensors[`optim/${name}`] = entry([...shapes[name]], data);
  if (state.grokfast) for (const [name, data] of Object.entries(grokfastStateTensors(state.grokfast))) tensors[`filter/${name}`] = entry([data.length], data);
  if (state.surfing) tensors[SURFING_TENSOR] = { dtype: "F64", shape: [6], data: surfingStateTensor(state.surfing) };
  const path = checkpointPath(runDir, state.step);
  await mkdir(join(runDir, CHECKPOINT_DIR), { recursive: true });
  await writeSafetensors(path, tensors, { format: "grokscope-checkpoint/1", run_id: runId, step: String(state.step) });
  return path;
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

/** Restores params and optimizer state in place from the checkpoint at `step`. */
export async function loadCheckpoint(runDir: string, step: number, state: TrainState): Promise<void> {
  const path = checkpointPath(runDir, step);
  const { tensors } = await readSafetensors(path);
  const optim: Record<string, Float32Array> = {};
  const filter: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Float64Array)) throw new Error(`${path}: tensor "${name}" is ${t.dtype}, expected F32 or F64`);
    const data = t.data as Float32Array; // float64 runs restore into their float64 buffers
    if (name.startsWith("optim/")) optim[name.slice("optim/".length)] = data;
    if (name.startsWith("filter/")) filter[name.slice("filter/".length)] = data;
  }
  for (const [name, p] of Object.entries(state.params)) {
    const t = tensors[name];
    if (!t || t.data.length !== p.data.length) throw new Error(`${path}: parameter "${name}" is missing or has the wrong size`);
    p.data.set(t.data as Float32Array);
  }
  loadStateTensors(state.opt, optim);
  if (state.grokfast) loadGrokfastStateTensors(state.grokfast, filter);
  if (state.surfing) {
    const t = tensors[SURFING_TENSOR];
    if (!t) throw new Error(`${path}: no "${SURFING_TENSOR}" tensor (the checkpoint was written without the surfing tracker)`);
    loadSurfingStateTensor(state.surfing, t.data as Float64Array);
  }
  state.step = step;
}
