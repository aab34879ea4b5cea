/**
 * Rank and regime measures (docs/measures/rank.md).
 *
 * Effective rank, Roy & Vetterli (2007), "The effective rank: a measure of effective dimensionality", Def. 1–2:
 *   p_k = σ_k / ‖σ‖₁,   H = −Σ_k p_k log p_k,   erank(A) = exp(H)            (0 · log 0 := 0)
 * It lies in [1, rank A]: n for an n×n identity, 1 for a rank-1 matrix, invariant to scaling A. A network that
 * replaces a lookup table by a few Fourier features (Nanda 2023; Gromov 2023) lowers the effective rank of its
 * weights and of its hidden representation.
 *
 * Relative weight change, the lazy (kernel) vs feature-learning diagnostic (Chizat, Oyallon & Bach 2019; used for
 * grokking by Liu et al. 2023, Omnigrok, and Kumar et al. 2024):
 *   Δ_rel(t) = ‖θ_t − θ_0‖ / ‖θ_0‖   (all tensors flattened into one vector)
 * Near 0 throughout training = lazy regime, the network stays near its linearization (large init scale → memorizes);
 * of order 1 or more = the features moved. It needs θ_0 (ctx.init); without it the value is NaN.
 */
import type { Model } from "../../models/model.js";
import type { Dataset } from "../../tasks/dataset.js";
import type { Params } from "../../tensor/tensor.js";
import type { MeasureContext, MeasureDef } from "../measure.js";
import { singularValues } from "./svd.js";

/** exp(Shannon entropy) of σ / ‖σ‖₁ (Roy & Vetterli 2007, eq. 2–3); NaN for an all-zero spectrum. */
export function effectiveRankOfSpectrum(sigma: ArrayLike<number>): number {
  let l1 = 0;
  for (let i = 0; i < sigma.length; i++) l1 += Math.abs(sigma[i]);
  if (!(l1 > 0)) return NaN;
  let h = 0;
  for (let i = 0; i < sigma.length; i++) {
    const p = Math.abs(sigma[i]) / l1;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/** Effective rank of A [m, n] (row-major). */
export function effectiveRank(a: ArrayLike<number>, m: number, n: number): number {
  return effectiveRankOfSpectrum(singularValues(a, m, n));
}

/** `rank/effective/<name>` for every 2-D tensor (weight matrix) of the parameters. */
export function weightEffectiveRanks(params: Params): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, t] of Object.entries(params)) {
    if (t.shape.length !== 2) continue;
    out[`rank/effective/${name}`] = effectiveRank(t.data, t.shape[0], t.shape[1]);
  }
  return out;
}

/** Rows of the hidden representation used at most (strided subsample, deterministic): bounds the Gram's cost. */
export const HIDDEN_MAX_ROWS = 1024;

/** The hook point holding the model's (last) hidden representation: "hook_post", else the highest "hook_post_<l>". */
export function hiddenHookName(cache: Readonly<Record<string, Float32Array>>): string | null {
  if (cache.hook_post) return "hook_post";
  let best = -1;
  for (const k of Object.keys(cache)) {
    const m = /^hook_post_(\d+)$/.exec(k);
    if (m) best = Math.max(best, Number(m[1]));
  }
  return best >= 0 ? `hook_post_${best}` : null;
}

/**
 * Effective rank of the hidden representation on the training inputs: H [n, width] at the model's hidden hook point
 * (gromov: hook_post = (U e_a + V e_b)², mlp: hook_post_<last>, embed_mlp: hook_post), uncentered. When n exceeds
 * `maxRows`, rows i·n/maxRows (i = 0 … maxRows−1) are used — the same examples at every step.
 */
export function hiddenEffectiveRank(model: Model, params: Params, data: Dataset, maxRows = HIDDEN_MAX_ROWS): number {
  const split = data.train;
  const fwd = model.forward(params, split);
  const hook = hiddenHookName(fwd.cache);
  if (!hook) throw new Error(`measure "rank/hidden": model "${model.name}" exposes no hook_post hook point (it has ${Object.keys(fwd.cache).join(", ")})`);
  const h = fwd.cache[hook];
  const n = split.n;
  if (n === 0) return NaN;
  const width = h.length / n;
  if (!Number.isInteger(width)) throw new Error(`measure "rank/hidden": hook "${hook}" has ${h.length} values, not a multiple of n = ${n}`);
  const rows = Math.min(n, maxRows);
  const sub = new Float64Array(rows * width);
  for (let i = 0; i < rows; i++) {
    const r = Math.floor((i * n) / rows);
    for (let j = 0; j < width; j++) sub[i * width + j] = h[r * width + j];
  }
  return effectiveRank(sub, rows, width);
}

/**
 * ‖θ − θ₀‖ / ‖θ₀‖ over all tensors, plus `regime/relative_change/<name>` per tensor not initialised at zero; NaN when
 * θ₀ is unknown.
 */
export function relativeChange(params: Params, init: Params | undefined): Record<string, number> {
  const out: Record<string, number> = { "regime/relative_change": NaN };
  let num = 0, den = 0;
  for (const [name, t] of Object.entries(params)) {
    const t0 = init?.[name];
    if (!t0 || t0.data.length !== t.data.length) {
      out[`regime/relative_change/${name}`] = NaN;
      num = NaN;
      continue;
    }
    let dn = 0, d0 = 0;
    for (let i = 0; i < t.data.length; i++) {
      const a = t.data[i], b = t0.data[i];
      dn += (a - b) * (a - b);
      d0 += b * b;
    }
    // A tensor initialised at zero (biases) has no relative change of its own; it still counts in the total.
    if (d0 > 0) out[`regime/relative_change/${name}`] = Math.sqrt(dn) / Math.sqrt(d0);
    num += dn;
    den += d0;
  }
  out["regime/relative_change"] = Math.sqrt(num) / Math.sqrt(den);
  return out;
}

const HIDDEN_MODELS = new Set(["gromov", "mlp", "embed_mlp", "five_neuron"]);

/** Built-in models are known by name; any other (a user's model module) is asked: one forward on one example. */
function hasHiddenHook(m: Model, data: Dataset, params: Params): string | null {
  if (HIDDEN_MODELS.has(m.name)) return null;
  const why = `needs a model with a hook_post hook point (${[...HIDDEN_MODELS].join(", ")}, or a model module that calls g.hook("hook_post", …); the run's model is "${m.name}")`;
  if (m.name === "transformer" || data.train.n === 0) return why;
  const one = data.kind === "tokens"
    ? { n: 1, x: data.train.x.subarray(0, data.seqLen), y: data.train.y.subarray(0, 1) }
    : { n: 1, x: data.train.x.subarray(0, data.dim), y: data.train.y.subarray(0, 1) };
  return hiddenHookName(m.forward(params, one).cache) ? null : why;
}
const hasMatrix = (_m: Model, _d: Dataset, params: Params): string | null =>
  Object.values(params).some((t) => t.shape.length === 2) ? null : "needs a 2-D weight tensor (the model has none)";

/** Registry entries; the lead adds them to MEASURES. */
export const RANK_MEASURES: Readonly<Record<string, MeasureDef>> = {
  "rank/effective": {
    describe: "effective rank exp(H(σ/‖σ‖₁)) of every weight matrix, `rank/effective/<tensor>` (Roy & Vetterli 2007)",
    appliesTo: hasMatrix,
    compute: (ctx: MeasureContext) => weightEffectiveRanks(ctx.params),
  },
  "rank/hidden": {
    describe: `effective rank of the hidden representation on the training inputs (≤ ${HIDDEN_MAX_ROWS} rows; Roy & Vetterli 2007)`,
    appliesTo: hasHiddenHook,
    compute: (ctx: MeasureContext) => hiddenEffectiveRank(ctx.model, ctx.params, ctx.data),
  },
  "regime/relative_change": {
    describe: "relative weight change ‖θ_t − θ_0‖/‖θ_0‖, lazy vs feature-learning regime (Omnigrok, Liu et al. 2023); NaN without θ_0",
    compute: (ctx: MeasureContext) => relativeChange(ctx.params, ctx.init),
  },
};
