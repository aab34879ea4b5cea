/**
 * Logit lens (nostalgebraist 2020; used by Wang et al. 2024 to find where a grokked transformer forms the bridge
 * entity and the answer): decode each block's residual stream at the prediction (last) position with the model's
 * own final LayerNorm and unembedding, and score it against the labels. `logit_lens/block{l}_acc` is the accuracy of
 * that early read-out on the ID test split, and on the OOD split (`…_ood_acc`) when the task has one; the last
 * block's value is the model's own test accuracy. A block whose read-out is already right holds the answer linearly.
 */
import type { Model } from "../../models/model.js";
import type { Dataset, TokenSplit } from "../../tasks/dataset.js";
import { argmaxRow } from "../../train/losses.js";
import { LAYER_NORM_EPS } from "../../tensor/kernels/layer-norm.js";
import type { MeasureContext, MeasureDef } from "../measure.js";

/** Accuracy of residuals R [n, d] read out through LN_final (when given) and W_U [d, C]. */
export function readoutAccuracy(R: Float32Array, n: number, d: number, WU: Float32Array, C: number, labels: Int32Array, ln: { w: Float32Array; b: Float32Array } | null): number {
  const x = new Float64Array(d), z = new Float32Array(C);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) x[c] = R[i * d + c];
    if (ln) {
      let mean = 0;
      for (let c = 0; c < d; c++) mean += x[c];
      mean /= d;
      let v = 0;
      for (let c = 0; c < d; c++) v += (x[c] - mean) ** 2;
      const s = 1 / Math.sqrt(v / d + LAYER_NORM_EPS);
      for (let c = 0; c < d; c++) x[c] = (x[c] - mean) * s * ln.w[c] + ln.b[c];
    }
    for (let k = 0; k < C; k++) {
      let acc = 0;
      for (let c = 0; c < d; c++) acc += x[c] * WU[c * C + k];
      z[k] = acc;
    }
    if (argmaxRow(z, 0, C) === labels[i]) correct++;
  }
  return n === 0 ? NaN : correct / n;
}

/** Each block's residual at the last position, [n, d]: inner blocks keep every position, the last only the last. */
function lastPositionResiduals(cache: Record<string, Float32Array>, n: number, T: number, d: number, layers: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let l = 0; l < layers; l++) {
    const r = cache[`blocks.${l}.hook_resid_post`];
    if (l === layers - 1) {
      out.push(r.slice(0, n * d));
      continue;
    }
    const last = new Float32Array(n * d);
    for (let i = 0; i < n; i++) last.set(r.subarray((i * T + T - 1) * d, (i * T + T) * d), i * d);
    out.push(last);
  }
  return out;
}

function lensOn(ctx: MeasureContext, split: TokenSplit, suffix: string, out: Record<string, number>): void {
  const p = ctx.params, W_U = p["unembed.W_U"], [d, C] = W_U.shape;
  const T = p["pos_embed.W_pos"].shape[0];
  let layers = 0;
  while (p[`blocks.${layers}.attn.W_Q`]) layers++;
  const { cache } = ctx.model.forward(p, split); // residuals copied out before anything else runs a forward
  const ln = p["ln_final.w"] ? { w: p["ln_final.w"].data, b: p["ln_final.b"].data } : null;
  lastPositionResiduals(cache, split.n, T, d, layers).forEach((R, l) => {
    out[`logit_lens/block${l}_${suffix}`] = readoutAccuracy(R, split.n, d, W_U.data, C, split.y, ln);
  });
}

function logitLens(ctx: MeasureContext): Record<string, number> {
  const data = ctx.data;
  if (data.kind !== "tokens") throw new Error(`measure "logit_lens": needs a token task`);
  const out: Record<string, number> = {};
  lensOn(ctx, data.test, "acc", out);
  if (data.evalSplits?.ood) lensOn(ctx, data.evalSplits.ood, "ood_acc", out);
  return out;
}

const applies = (model: Model, data: Dataset): string | null => {
  if (model.name !== "transformer") return `needs the transformer model (the run's model is "${model.name}")`;
  return data.kind === "tokens" ? null : `needs a token task (task "${data.name}" has dense inputs)`;
};

export const LOGIT_LENS_MEASURES: Readonly<Record<string, MeasureDef>> = {
  logit_lens: {
    describe: "accuracy of each block's residual read out by the final LayerNorm and unembedding, on the ID (and OOD) test (logit lens; Wang et al. 2024)",
    appliesTo: applies,
    compute: logitLens,
  },
};
