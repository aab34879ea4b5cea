/**
 * Numerical-stability measures of Prieto, Barsbey, Mediano & Birdal (2025), "Grokking at the edge of numerical
 * stability" (ICLR 2025, arXiv 2501.04697). docs/reproductions.md R6.
 *
 * `stability/softmax_collapse` (the paper's "Softmax Collapse" section; the authors' logger.py `compute_softmax_collapse`): the share of training examples whose float32 softmax
 *   gives the correct class probability exactly 1, so their loss −log p_y and the correct-class gradient
 *   ∂L/∂z_y = p_y − 1 are exactly 0 and the example stops contributing to learning. The paper's cause is absorption:
 *   in S = Σ_k exp(z_k − max z) every term but the largest falls below half an ulp of 1 and the float32 sum is 1.
 *   p_y is computed exactly as PyTorch's float32 `log_softmax` does it (and as our `cross_entropy_float32` loss):
 *   m = max z, S = Σ_k fl(exp(z_k − m)) summed in class order, lse = fl(m + fl(log S)), p_y = fl(exp(fl(z_y − lse))).
 *   The authors' logger counts the rows with S == 1 instead; those rows (with y the argmax) collapse here too, and
 *   here a row also collapses when S is a few ulps above 1 but log S is absorbed into m (large logits) — both make
 *   the float32 gradient of the row exactly zero, which is what the measure is about.
 *
 * `stability/nlm_cosine` (the paper's "naïve loss minimization" section): cos(−∇_θ L, d_NLM), the cosine between the
 *   gradient-descent update of the training loss and the direction that only scales the logits. For a network
 *   that is positively homogeneous of degree k in a scaling path θ(c) with f(θ(c)) = c^k f(θ(1)), the NLM direction
 *   is the path's tangent d_NLM = dθ/dc at c = 1 (moving along it changes z by k·z·dc: predictions unchanged, loss
 *   lowered once the data are fit). For bias-free ReLU nets (the paper's MLP) θ(c) = cθ and d_NLM = θ, "scaling the
 *   weights along their current direction". With biases the homogeneous path scales layer l's bias by c^l, so
 *   d_NLM = (W_l, l·b_l) — exact for our "mlp" with ReLU (or linear) units: b_0 → 1·b_0, b_1 → 2·b_1, …,
 *   b_out → (depth+1)·b_out. For "gromov" (W (U e_a + V e_b)², no biases) d_NLM = θ exactly (degree 3). For other
 *   models we use θ, which is the NLM direction only if the model is homogeneous. Values near +1: the update mostly
 *   inflates the logits (the delay before grokking, then Softmax Collapse); near 0: the update is orthogonal to it
 *   (⊥Grad makes it ≈ 0 per tensor).
 */
import type { Model } from "../../models/model.js";
import type { Split } from "../../tasks/dataset.js";
import type { Params } from "../../tensor/tensor.js";
import { softmaxCrossEntropy } from "../../train/losses.js";
import type { MeasureContext, MeasureDef } from "../measure.js";

// ---- Softmax Collapse ----

/** Whether row i collapses: the float32 softmax probability of label y is exactly 1 (PyTorch's float32 log_softmax). */
export function collapsedRow(logits: Float32Array, i: number, C: number, y: number): boolean {
  const f = Math.fround, o = i * C;
  let m = f(logits[o]);
  for (let j = 1; j < C; j++) if (logits[o + j] > m) m = f(logits[o + j]);
  let s = 0;
  for (let j = 0; j < C; j++) s = f(s + f(Math.exp(f(f(logits[o + j]) - m))));
  const lse = f(m + f(Math.log(s)));
  return f(Math.exp(f(f(logits[o + y]) - lse))) === 1;
}

/** Share of rows of logits [n, C] whose float32 softmax saturates at the label (p_y == 1, gradient exactly 0). */
export function softmaxCollapseFraction(logits: Float32Array, labels: Int32Array, C: number): number {
  const n = labels.length;
  if (logits.length !== n * C) throw new Error(`softmax_collapse: logits length ${logits.length} is not n·C = ${n}·${C}`);
  if (n === 0) return NaN;
  let collapsed = 0;
  for (let i = 0; i < n; i++) if (collapsedRow(logits, i, C, labels[i])) collapsed++;
  return collapsed / n;
}

// ---- naive loss minimization ----

/**
 * d_NLM, the logit-scaling direction (see the header): θ with the biases of an "mlp" weighted by their layer's
 * degree (b_l → (l+1)·b_l for hidden layer l = 0…depth−1, b_out → (depth+1)·b_out). Returned as plain float64 arrays.
 */
export function nlmDirection(model: Model, params: Params): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  const mlp = model.name === "mlp";
  const depth = Object.keys(params).filter((k) => /^W_\d+$/.test(k)).length;
  for (const [name, t] of Object.entries(params)) {
    let degree = 1;
    if (mlp && name.startsWith("b_")) degree = name === "b_out" ? depth + 1 : Number(name.slice(2)) + 1;
    const d = new Float64Array(t.data.length);
    for (let i = 0; i < d.length; i++) d[i] = degree * t.data[i];
    out[name] = d;
  }
  return out;
}

// keyed by model (one per run), so evaluating many checkpoints allocates backend memory once
const gradBuffers = new WeakMap<Model, { grads: Params; dLogits: Map<number, Float32Array> }>();

/** ∇_θ L on a split (mean loss), into buffers allocated once per model from its backend (overwritten each call). */
export function lossGradient(ctx: MeasureContext, split: Split): Params {
  const alloc = ctx.backend ? (n: number) => ctx.backend!.alloc(n) : (n: number) => new Float32Array(n);
  let buf = gradBuffers.get(ctx.model);
  if (!buf) {
    const grads: Params = {};
    for (const [name, t] of Object.entries(ctx.params)) grads[name] = { shape: t.shape, data: alloc(t.data.length) };
    gradBuffers.set(ctx.model, (buf = { grads, dLogits: new Map() }));
  }
  const len = split.n * ctx.model.nOut;
  let dLogits = buf.dLogits.get(len);
  if (!dLogits) buf.dLogits.set(len, (dLogits = alloc(len)));
  const fwd = ctx.model.forward(ctx.params, split);
  (ctx.loss ?? softmaxCrossEntropy)(fwd.logits, split.y, ctx.model.nOut, { dLogits });
  ctx.model.backward(ctx.params, split, fwd, dLogits, buf.grads);
  return buf.grads;
}

/** cos(−g, d) over all tensors together; NaN when either vector is zero. */
export function updateCosine(grads: Params, direction: Record<string, ArrayLike<number>>): number {
  let gd = 0, gg = 0, dd = 0;
  for (const [name, d] of Object.entries(direction)) {
    const g = grads[name]?.data;
    if (!g || g.length !== d.length) throw new Error(`nlm_cosine: no gradient of the shape of "${name}"`);
    for (let i = 0; i < d.length; i++) {
      gd += g[i] * d[i];
      gg += g[i] * g[i];
      dd += d[i] * d[i];
    }
  }
  return gg === 0 || dd === 0 ? NaN : -gd / Math.sqrt(gg * dd);
}

// ---- registry entries ----

export const softmaxCollapseMeasure = (ctx: MeasureContext): number => {
  const split = ctx.data.train;
  const { logits } = ctx.model.forward(ctx.params, split);
  return softmaxCollapseFraction(logits, split.y, ctx.model.nOut);
};

export const nlmCosineMeasure = (ctx: MeasureContext): number =>
  updateCosine(lossGradient(ctx, ctx.data.train), nlmDirection(ctx.model, ctx.params));

/** For the lead to spread into MEASURES (src/measures/registry.ts). Both apply to any classification run. */
export const STABILITY_MEASURES: Readonly<Record<string, MeasureDef>> = {
  "stability/softmax_collapse": {
    describe: "share of training examples whose float32 softmax gives p_y = 1 exactly, so their gradient vanishes (Prieto et al. 2025, Softmax Collapse)",
    compute: softmaxCollapseMeasure,
  },
  "stability/nlm_cosine": {
    describe: "cosine between the gradient-descent update of the training loss and the logit-scaling (naive loss minimization) direction (Prieto et al. 2025)",
    compute: nlmCosineMeasure,
  },
};
