import { join } from "node:path";
import { mkdir, readdir } from "node:fs/promises";
import type { TrainState } from "../train/loop.js";
import { loadStateTensors, stateTensorShapes, stateTensors } from "../train/optimizers.js";
import { grokfastStateTensors, loadGrokfastStateTensors } from "../train/grokfast.js";
import { readSafetensors, writeSafetensors, type SafeTensors } from "./safetensors.js";

/**
 * A checkpoint is one safetensors file: the parameters under their own names (`U`, `W_in`, … — loadable by
 * `safetensors.torch.load_file`), the optimizer state under `optim/<slot>/<param>` and `optim/step`.
 * Metadata: the step, the run id and the format version. Written atomically.
 */
export const CHECKPOINT_DIR = "checkpoints";

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
  state.step = step;
}
