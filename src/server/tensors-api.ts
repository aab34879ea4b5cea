/**
 * Checkpoint weights for the run page: the parameter tensors of a checkpoint, one tensor (downsampled to a heatmap's
 * worth of cells), and for a modular task the Fourier spectrum of the first-layer weights and the embedding circle.
 *
 *   GET /api/runs/:id/tensors?step=S          {run_id, step, steps, tensors: [{name, dtype, shape}], modular}
 *   GET /api/runs/:id/tensors/:name?step=S    {name, step, shape, rows, cols, data, row_block, col_block, abs_max}
 *   GET /api/runs/:id/fourier?step=S          {p, tensor, input_axis, power, key_frequencies, top_frequency, circle, plane_share}
 *
 * Without `step`, the last checkpoint. Run id, step and tensor name are checked before anything touches a file.
 */
import type { Model } from "../models/model.js";
import { defaultSource, frequencyPower, keyFrequencies, type FrequencySource } from "../measures/fourier/fourier-circuit.js";
import { checkpointPath, checkpointSteps } from "../runs/checkpoint.js";
import type { RunRecord, Store } from "../runs/store.js";
import type { Params } from "../tensor/tensor.js";
import { checkpointTensors, checkTensorName, readCheckpointTensor, type TensorInfo } from "./checkpoint-tensors.js";
import { asMatrix, downsampleMaxAbs, embeddingCircle, planeShare } from "./fourier-view.js";
import { checkStep, HttpError } from "./http.js";
import { requireRun } from "./runs-api.js";

/** A heatmap shows at most this many rows and columns; larger tensors are reduced in blocks (the reply says so). */
export const HEATMAP_MAX = 192;

/** The checkpoint a request asks for (`step`), or the last one; 404 naming the steps there are. */
export async function pickStep(run: RunRecord, q: URLSearchParams): Promise<{ step: number; steps: number[] }> {
  const steps = await checkpointSteps(run.runDir);
  if (steps.length === 0) throw new HttpError(404, `run "${run.runId}" has no checkpoints yet`);
  if (!q.has("step")) return { step: steps[steps.length - 1], steps };
  const step = checkStep("step", q.get("step")!);
  if (!steps.includes(step)) throw new HttpError(404, `run "${run.runId}" has no checkpoint at step ${step} (steps: ${steps.join(", ")})`);
  return { step, steps };
}

/** The modulus of a modular-arithmetic run (its spec's task.p), or null. */
function modulusOf(run: RunRecord): number | null {
  const task = (run.spec as { task?: { name?: unknown; p?: unknown } } | null)?.task;
  return task?.name === "modular" && typeof task.p === "number" ? task.p : null;
}

/** The first-layer tensor whose input axis covers the p residues (gromov U, embed_mlp W_E, transformer embed.W_E). */
function sourceOf(run: RunRecord, tensors: readonly TensorInfo[], p: number): FrequencySource | null {
  const name = String((run.spec as { model?: { name?: unknown } } | null)?.model?.name ?? "");
  // defaultSource reads only the model's name and which parameters exist (and their shapes, below)
  const params: Params = Object.fromEntries(tensors.map((t) => [t.name, { shape: t.shape, data: new Float32Array(0) }]));
  const src = defaultSource({ name } as Model, params);
  if (!src) return null;
  const shape = params[src.tensor].shape;
  return shape.length === 2 && shape[src.inputAxis] >= p ? src : null;
}

/** The modulus and the first-layer tensor over the residues of a modular-arithmetic run's checkpoint, or null. */
export function modularSource(run: RunRecord, tensors: readonly TensorInfo[]): { p: number; tensor: string; inputAxis: 0 | 1 } | null {
  const p = modulusOf(run);
  const src = p === null ? null : sourceOf(run, tensors, p);
  return src && p !== null ? { p, tensor: src.tensor, inputAxis: src.inputAxis } : null;
}

export async function tensorsJson(store: Store, rawId: string, q: URLSearchParams): Promise<unknown> {
  const run = await requireRun(store, rawId);
  const { step, steps } = await pickStep(run, q);
  const tensors = await checkpointTensors(checkpointPath(run.runDir, step));
  const src = modularSource(run, tensors);
  return { run_id: run.runId, step, steps, tensors, modular: src ? { p: src.p, tensor: src.tensor, input_axis: src.inputAxis } : null };
}

export async function tensorJson(store: Store, rawId: string, rawName: string, q: URLSearchParams): Promise<unknown> {
  const run = await requireRun(store, rawId);
  const name = checkTensorName(rawName);
  const { step } = await pickStep(run, q);
  const t = await readCheckpointTensor(checkpointPath(run.runDir, step), name);
  const m = downsampleMaxAbs(asMatrix(t.shape, t.data), HEATMAP_MAX, HEATMAP_MAX);
  let absMax = 0;
  for (const v of t.data) if (Number.isFinite(v)) absMax = Math.max(absMax, Math.abs(v));
  return {
    run_id: run.runId,
    name,
    step,
    dtype: t.dtype,
    shape: t.shape,
    rows: m.rows,
    cols: m.cols,
    row_block: m.rowBlock,
    col_block: m.colBlock,
    abs_max: absMax,
    data: Array.from(m.data, (v) => (Number.isFinite(v) ? Number(v.toPrecision(5)) : null)),
  };
}

export async function fourierJson(store: Store, rawId: string, q: URLSearchParams): Promise<unknown> {
  const run = await requireRun(store, rawId);
  const p = modulusOf(run);
  if (p === null) throw new HttpError(404, `run "${run.runId}" is not a modular-arithmetic run: no Fourier spectrum`);
  const { step } = await pickStep(run, q);
  const path = checkpointPath(run.runDir, step);
  const src = sourceOf(run, await checkpointTensors(path), p);
  if (!src) throw new HttpError(404, `run "${run.runId}": no first-layer tensor (U or W_E) over the ${p} residues`);
  const t = await readCheckpointTensor(path, src.tensor);
  const power = frequencyPower({ shape: t.shape, data: Float32Array.from(t.data) }, p, src.inputAxis); // S_k, k = 0 … ⌊p/2⌋
  const keys = keyFrequencies(power);
  const top = keys[0] ?? 1;
  const m = asMatrix(t.shape, t.data);
  const circle = embeddingCircle(m, p, src.inputAxis, top);
  return {
    run_id: run.runId,
    step,
    p,
    tensor: src.tensor,
    input_axis: src.inputAxis,
    power: Array.from(power),
    key_frequencies: keys,
    top_frequency: top,
    circle,
    plane_share: planeShare(m, p, src.inputAxis, circle),
  };
}
