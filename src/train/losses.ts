/**
 * Classification losses over logits [n, C] and integer labels [n]. Each returns the mean loss (a float64 number),
 * the count of correct argmax predictions, and — when buffers are handed in — d(mean loss)/d(logits) [n, C] and
 * the per-example losses [n]. Every row is reduced in float64: Prieto et al. (2025, "Grokking at the edge of
 * numerical stability") show that float32 log-sum-exp rounds the correct-class probability to exactly 1, so the
 * loss and its gradient vanish ("Softmax Collapse"); accumulating in float64 postpones that.
 *
 * The kernels only index and assign, so float64 buffers passed as `Float32Array` (the float64 test backend) are
 * computed in float64 end to end.
 */

import type { Backend } from "../tensor/backend.js";
import { argmaxRow, softmaxCrossEntropyRows } from "../tensor/kernels/cross-entropy.js";
import { mseRows } from "../tensor/kernels/mse.js";
import { stableMaxCrossEntropyRows } from "../tensor/kernels/stablemax.js";
export { stableS } from "../tensor/kernels/stablemax.js";

export interface LossBuffers {
  /** Written with d(mean loss)/d(logits): [n, C]. Omit for evaluation. */
  readonly dLogits?: Float32Array;
  /** Written with each example's loss: [n]. */
  readonly perExample?: Float64Array;
  /** Backend whose kernels compute the rows where it has them (softmax cross-entropy, MSE); same bits as without. */
  readonly backend?: Backend;
}

export interface LossResult {
  /** Mean over the n examples (MSE: over the n·C entries, as PyTorch's `.mean()`). */
  readonly loss: number;
  /** Examples whose argmax logit (lowest index on ties) equals the label. */
  readonly correct: number;
}

/** `(logits [n, C], labels [n], C, buffers?) → { loss, correct }`; n = labels.length. */
export type Loss = (logits: Float32Array, labels: Int32Array, nClasses: number, out?: LossBuffers) => LossResult;

function checkShapes(name: string, logits: Float32Array, labels: Int32Array, C: number, out?: LossBuffers): number {
  const n = labels.length;
  if (!Number.isInteger(C) || C < 1) throw new Error(`${name}: nClasses must be a positive integer, got ${C}`);
  if (logits.length !== n * C) throw new Error(`${name}: logits length ${logits.length} is not n·C = ${n}·${C}`);
  if (out?.dLogits && out.dLogits.length !== n * C) throw new Error(`${name}: dLogits length ${out.dLogits.length} is not n·C = ${n}·${C}`);
  if (out?.perExample && out.perExample.length !== n) throw new Error(`${name}: perExample length ${out.perExample.length} is not n = ${n}`);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y < 0 || y >= C) throw new Error(`${name}: label ${y} of example ${i} is outside [0, ${C})`);
  }
  return n;
}

export { argmaxRow };

/**
 * Softmax cross-entropy, −log softmax(z)_y, with a per-row max-subtracted log-sum-exp in float64. With m = max z,
 * e_j = exp(z_j − m) and s = Σ e_j:
 *   loss_i = (m − z_y) + log1p(Σ_{j ≠ argmax} e_j),   ∂loss/∂z_j = e_j / (s n) for j ≠ y,  −Σ_{j ≠ y} e_j / (s n) for y.
 * log1p and the label's gradient written as a sum of the other classes keep a confidently correct row's loss and
 * gradient non-zero (e.g. 4.2e-18 for a margin of 40) where 1 − softmax_y would round to exactly 0.
 */
export const softmaxCrossEntropy: Loss = (logits, labels, C, out) => scaledSoftmaxCrossEntropy("cross_entropy", 1, logits, labels, C, out);

/**
 * Cross-entropy averaged over all n·C entries of −onehot(y) ∘ log softmax(z), as PAIR's grokking notebooks compute it
 * (`-jnp.mean(targets * log_probs)`, docs/reproductions.md R4/R5): `cross_entropy` / C, its gradient C times smaller. The
 * scale is not cosmetic under Adam: once the training set is fit, gradients sit near Adam's ε (1e-8), where a C-fold
 * smaller gradient weighs ε (and so weight decay) C times more.
 */
export const softmaxCrossEntropyPerEntry: Loss = (logits, labels, C, out) =>
  scaledSoftmaxCrossEntropy("cross_entropy_per_entry", 1 / C, logits, labels, C, out);

function scaledSoftmaxCrossEntropy(name: string, scale: number, ...[logits, labels, C, out]: Parameters<Loss>): LossResult {
  const n = checkShapes(name, logits, labels, C, out);
  const per = out?.perExample ?? rowScratch(n);
  const rows = out?.backend?.softmaxCrossEntropyRows ?? softmaxCrossEntropyRows;
  return meanOfRows(per, n, rows(n, C, logits, labels, scale, out?.dLogits ?? null, per));
}

/** The mean of n per-row losses, summed in row order (the same sum on every backend), with the rows' correct count. */
function meanOfRows(per: Float64Array, n: number, correct: number): LossResult {
  let total = 0;
  for (let i = 0; i < n; i++) total += per[i];
  return { loss: n > 0 ? total / n : 0, correct };
}

const rowScratches = new Map<number, Float64Array>();

/** A reusable float64 buffer of n values for per-row losses nobody asked for. */
function rowScratch(n: number): Float64Array {
  let b = rowScratches.get(n);
  if (!b) {
    if (rowScratches.size > 16) rowScratches.clear();
    rowScratches.set(n, (b = new Float64Array(n)));
  }
  return b;
}

/**
 * Softmax cross-entropy with every intermediate rounded to float32, as PyTorch's float32 `cross_entropy` computes it
 * (log_softmax then NLL). It reproduces Prieto et al. (2025)'s Softmax Collapse: once lse − z_y rounds to 0 the loss
 * and the label's gradient are exactly 0. For comparison runs only; `cross_entropy` is the default.
 */
export const softmaxCrossEntropyFloat32: Loss = (logits, labels, C, out) => {
  const n = checkShapes("cross_entropy_float32", logits, labels, C, out);
  const d = out?.dLogits, per = out?.perExample;
  const f = Math.fround;
  let total = 0, correct = 0;
  for (let i = 0; i < n; i++) {
    const o = i * C, y = labels[i];
    const arg = argmaxRow(logits, i, C);
    if (arg === y) correct++;
    const m = f(logits[o + arg]);
    let s = 0;
    for (let j = 0; j < C; j++) s = f(s + f(Math.exp(f(f(logits[o + j]) - m))));
    const lse = f(m + f(Math.log(s)));
    const li = f(lse - f(logits[o + y]));
    total += li;
    if (per) per[i] = li;
    if (d) {
      // backward of log_softmax: softmax_j = exp(z_j − lse) in float32, minus 1 at the label
      for (let j = 0; j < C; j++) d[o + j] = f(f(Math.exp(f(f(logits[o + j]) - lse))) - (j === y ? 1 : 0)) / n;
    }
  }
  return { loss: n > 0 ? total / n : 0, correct };
};

/**
 * Mean squared error to one-hot targets over all n·C entries, exactly PyTorch's `((z − onehot(y))**2).mean()`
 * (Gromov 2023 trains with it): loss = Σ (z − Y)² / (nC), ∂/∂z = 2 (z − Y) / (nC).
 * The per-example loss is the row mean Σ_j (z_j − Y_j)² / C, so the loss is the mean of the per-example losses.
 */
export const mse: Loss = (logits, labels, C, out) => {
  const n = checkShapes("mse", logits, labels, C, out);
  const rows = rowScratch(n);
  const correct = (out?.backend?.mseRows ?? mseRows)(n, C, logits, labels, 2 / (n * C), out?.dLogits ?? null, rows);
  const per = out?.perExample;
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += rows[i]; // in row order, on every backend
    if (per) per[i] = rows[i] / C;
  }
  return { loss: n > 0 ? total / (n * C) : 0, correct };
};

/**
 * The centred square loss of Cullen et al. (2026, "A Basin-Selection Perspective on Grokking via Singular Learning
 * Theory", §3): ½‖P⊥(Y − Z)‖²_F / n with Y the one-hot targets and P⊥ = I − 11ᵀ/n, which subtracts each output
 * column's mean over the n examples of the batch, so a constant offset per class costs nothing and the model cannot
 * lower the loss by fitting the classes' base rate. Divided by n as the authors' code does (per-batch centring).
 * With D = Z − Y and D̄ its column means: ∂/∂Z = (D − D̄)/n (P⊥ is a symmetric projector). The per-example loss is
 * ½‖D_i − D̄‖², so the loss is their mean; an example's value depends on the rest of its batch.
 */
export const mseCentred: Loss = (logits, labels, C, out) => {
  const n = checkShapes("mse_centred", logits, labels, C, out);
  let correct = 0;
  const colMean = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    const o = i * C, y = labels[i];
    if (argmaxRow(logits, i, C) === y) correct++;
    for (let j = 0; j < C; j++) colMean[j] += logits[o + j] - (j === y ? 1 : 0);
  }
  for (let j = 0; j < C; j++) colMean[j] /= n;
  const d = out?.dLogits, per = out?.perExample;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * C, y = labels[i];
    let row = 0;
    for (let j = 0; j < C; j++) {
      const r = logits[o + j] - (j === y ? 1 : 0) - colMean[j];
      row += r * r;
      if (d) d[o + j] = r / n;
    }
    total += 0.5 * row;
    if (per) per[i] = 0.5 * row;
  }
  return { loss: n > 0 ? total / n : 0, correct };
};

/**
 * StableMax cross-entropy (Prieto et al. 2025): p_j = s(z_j) / Σ_k s(z_k), loss = −log p_y, in float64, with s(x) = x + 1
 * for x ≥ 0 and 1 / (1 − x) below. No max subtraction (StableMax is not shift-invariant). With S = Σ_k s(z_k) and
 * R = Σ_{k ≠ y} s(z_k) = S − s(z_y):
 *   loss = log1p(R / s(z_y)),  ∂loss/∂z_j = s′(z_j) / S (j ≠ y),  −s′(z_y) R / (S s(z_y)) (j = y),  divided by n.
 * The rows are the backend's kernel (src/tensor/kernels/stablemax.ts, the reference), summed here in row order.
 */
export const stableMaxCrossEntropy: Loss = (logits, labels, C, out) => {
  const n = checkShapes("stablemax_cross_entropy", logits, labels, C, out);
  const per = out?.perExample ?? rowScratch(n);
  const rows = out?.backend?.stableMaxCrossEntropyRows ?? stableMaxCrossEntropyRows;
  return meanOfRows(per, n, rows(n, C, logits, labels, out?.dLogits ?? null, per));
};

export const LOSSES = {
  cross_entropy: softmaxCrossEntropy,
  cross_entropy_float32: softmaxCrossEntropyFloat32,
  cross_entropy_per_entry: softmaxCrossEntropyPerEntry,
  mse,
  mse_centred: mseCentred,
  stablemax_cross_entropy: stableMaxCrossEntropy,
} as const satisfies Record<string, Loss>;

export type LossName = keyof typeof LOSSES;
export const LOSS_NAMES = Object.keys(LOSSES) as LossName[];

/** The loss registered under `name`; the error lists the known names. */
export function getLoss(name: string): Loss {
  if (!Object.hasOwn(LOSSES, name)) throw new Error(`loss: unknown loss "${name}" (known: ${LOSS_NAMES.join(", ")})`);
  return LOSSES[name as LossName];
}

/** Per-example losses [n] of a named loss (for measures: which examples are memorized, loss histograms). */
export function perExampleLoss(name: string, logits: Float32Array, labels: Int32Array, nClasses: number): Float64Array {
  const perExample = new Float64Array(labels.length);
  getLoss(name)(logits, labels, nClasses, { perExample });
  return perExample;
}
