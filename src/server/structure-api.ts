/**
 * The run page's mechanism view of one checkpoint: the weights in the order and basis that show what the network
 * learned, not in the order the parameters happen to be stored.
 *
 *   GET /api/runs/:id/structure?step=S
 *     modular task  {kind: "modular", p, tensor, input_axis, unit, units, J, order, peak, peak_share, share,
 *                    weights: [{name, rows, cols, data, abs_max}], fourier_basis: {labels, rows, cols, data, norms, abs_max}}
 *     sparse parity {kind: "parity", tensor, n_bits, k, bias_row, rows, cols, data, abs_max, order, relevant_mass}
 *     otherwise     {kind: null}
 *
 * Modular: units are gromov's neurons (rows of U, with V in the same order) or the embedding dimensions (columns of
 * W_E); each unit's spectrum and the frequency order come from measures/fourier/neuron-spectra.ts, and the tensor
 * in the Fourier basis (Nanda et al. 2023, Fig. 3) too. Every matrix is sent as [units, p] row-major in stored
 * unit order with `order` to sort by, so the client draws rows in either order.
 *
 * Sparse parity (label = XOR of bits 0 … k−1; a constant input at row n_bits with `bias`): W_0 [dim, width] with
 * the neurons (columns) ordered by their weight on the k relevant bits, strongest first, and per neuron that mass
 * as a share of its total |weight| (uniform weights give k/dim).
 */
import { fourierBasisLabels, inFourierBasis, meanPeakShare, unitSpectra } from "../measures/fourier/neuron-spectra.js";
import { checkpointPath } from "../runs/checkpoint.js";
import type { RunRecord, Store } from "../runs/store.js";
import { checkpointTensors, readCheckpointTensor } from "./checkpoint-tensors.js";
import { HttpError } from "./http.js";
import { requireRun } from "./runs-api.js";
import { modularSource, pickStep } from "./tensors-api.js";

/** Largest units × p a reply carries (a few MB of JSON); a wider layer is refused (413) rather than drawn illegibly. */
export const MAX_VIEW_CELLS = 256 * 1024;

const round = (v: number): number | null => (Number.isFinite(v) ? Number(v.toPrecision(4)) : null);
const absMax = (d: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < d.length; i++) if (Number.isFinite(d[i])) m = Math.max(m, Math.abs(d[i]));
  return m;
};

/** Column-or-row extraction: the [units, p] matrix of a tensor's p residues, units in stored order. */
function unitsByResidue(shape: readonly number[], data: Float64Array, p: number, inputAxis: 0 | 1): Float64Array {
  const [rows, cols] = shape;
  const units = inputAxis === 1 ? rows : cols, out = new Float64Array(units * p);
  for (let u = 0; u < units; u++) for (let a = 0; a < p; a++) out[u * p + a] = inputAxis === 1 ? data[u * cols + a] : data[a * cols + u];
  return out;
}

async function modularJson(run: RunRecord, path: string, p: number, tensor: string, inputAxis: 0 | 1) {
  const t = await readCheckpointTensor(path, tensor);
  const units = t.shape[inputAxis === 1 ? 0 : 1];
  if (units * p > MAX_VIEW_CELLS) throw new HttpError(413, `${tensor} has ${units} units over ${p} residues, over the ${MAX_VIEW_CELLS} cells this view draws`);
  const s = unitSpectra(t, p, inputAxis);
  const names = [tensor];
  // gromov's second operand V [N, p] shares U's neurons: shown in the same order
  if (tensor === "U" && (await checkpointTensors(path)).some((x) => x.name === "V")) names.push("V");
  const weights = [];
  for (const name of names) {
    const w = name === tensor ? t : await readCheckpointTensor(path, name);
    const m = unitsByResidue(w.shape, w.data, p, inputAxis);
    weights.push({ name, rows: s.units, cols: p, abs_max: absMax(m), data: Array.from(m, round) });
  }
  const fb = inFourierBasis(t, p, inputAxis); // [p, units]
  const labels = fourierBasisLabels(p);
  return {
    kind: "modular" as const,
    run_id: run.runId,
    p,
    tensor,
    input_axis: inputAxis,
    unit: inputAxis === 1 ? "neuron" : "embedding dimension",
    units: s.units,
    J: s.J,
    order: Array.from(s.order),
    peak: Array.from(s.peak),
    peak_share: meanPeakShare(s),
    share: Array.from(s.share, round),
    weights,
    fourier_basis: { labels, rows: fb.rows, cols: fb.cols, abs_max: absMax(fb.data), norms: Array.from(fb.norms, round), data: Array.from(fb.data, round) },
  };
}

interface ParityTask {
  readonly name?: unknown;
  readonly n_bits?: unknown;
  readonly k_relevant?: unknown;
  readonly bias?: unknown;
}

async function parityJson(run: RunRecord, path: string, task: ParityTask) {
  const nBits = Number(task.n_bits), k = Number(task.k_relevant);
  const t = await readCheckpointTensor(path, "W_0"); // [dim, width]
  const [dim, width] = t.shape;
  if (dim * width > MAX_VIEW_CELLS) throw new HttpError(413, `W_0 [${t.shape.join(", ")}] is over the ${MAX_VIEW_CELLS} cells this view draws`);
  if (t.shape.length !== 2 || dim < nBits || k > nBits) throw new HttpError(404, `run "${run.runId}": W_0 [${t.shape.join(", ")}] does not read the task's ${nBits} bits`);
  const relevant = new Float64Array(width), total = new Float64Array(width);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < width; j++) {
      const a = Math.abs(t.data[i * width + j]);
      total[j] += a;
      if (i < k) relevant[j] += a;
    }
  }
  const order = Array.from({ length: width }, (_, j) => j).sort((a, b) => relevant[b] - relevant[a] || a - b);
  return {
    kind: "parity" as const,
    run_id: run.runId,
    tensor: "W_0",
    n_bits: nBits,
    k,
    bias_row: task.bias === true && dim > nBits ? nBits : null,
    rows: dim,
    cols: width,
    abs_max: absMax(t.data),
    data: Array.from(t.data, round),
    order,
    relevant_mass: Array.from(relevant, (r, j) => round(total[j] > 0 ? r / total[j] : 0)),
  };
}

export async function structureJson(store: Store, rawId: string, q: URLSearchParams): Promise<unknown> {
  const run = await requireRun(store, rawId);
  const { step } = await pickStep(run, q);
  const path = checkpointPath(run.runDir, step);
  const tensors = await checkpointTensors(path);
  const src = modularSource(run, tensors);
  if (src) return { step, ...(await modularJson(run, path, src.p, src.tensor, src.inputAxis)) };
  const task = (run.spec as { task?: ParityTask } | null)?.task;
  if (task?.name === "sparse_parity" && typeof task.n_bits === "number" && typeof task.k_relevant === "number" && tensors.some((x) => x.name === "W_0" && x.shape.length === 2)) {
    return { step, ...(await parityJson(run, path, task)) };
  }
  return { step, run_id: run.runId, kind: null };
}
