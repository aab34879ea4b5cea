/**
 * Complexity by lossy compression — DeMoss, Sapora, Foerster, Hawes & Posner (2024), "The Complexity Dynamics of
 * Grokking" (arXiv 2412.09810), §3–4: the complexity of a network is the length of the shortest description of a
 * coarse-grained copy of its weights whose loss stays within a distortion bound ε (a rate–distortion point):
 *   C_ε(θ) = min over settings s of |compress(code_s(θ))|   subject to   L(θ̂_s) ≤ L(θ) + ε
 * A setting s = (τ, Δ) is, as in the authors' code (`apply_svd_truncate_quantize`):
 *   - low-rank truncation: each matrix keeps the smallest rank r whose singular values hold a share τ of Σσ, and is
 *     stored as its two factors when that is smaller, r(m + n) < mn (else the full matrix is stored untruncated);
 *   - quantization: every stored number becomes the integer round(x / Δ); θ̂ is rebuilt from Δ · integers.
 * The integers are zigzag/LEB128-encoded into one byte stream and compressed with DEFLATE at level 9 (fflate's
 * `deflateSync`; the authors used bzip2). `complexity/bits` = 8 × the compressed length. Shapes, ranks and Δ (a
 * few bytes of side information, the same at every step) are not counted.
 *
 * Differences from the authors' procedure, and why:
 *   - they search (τ, Δ) by Bayesian optimization; we take a fixed grid (deterministic, no extra dependency): for
 *     each τ the coarsest feasible Δ by bisection over the bin grid, then the τ with the fewest bits. Feasibility is
 *     assumed monotone (a coarser Δ or a smaller τ never lowers the distortion), which also bounds each coarser τ's
 *     search by the finer τ's answer;
 *   - their factors are U_rΣ_r and V_rᵀ; ours are the scale-balanced U_rΣ_r^½ and Σ_r^½V_rᵀ, so one Δ suits both;
 *   - their ε is in nats of cross-entropy; ours is a share of L₀, the loss of the all-zero logits (ln C for
 *     cross-entropy, 1/C for MSE to one-hot targets), so one default suits every loss: ε_abs = distortion · L₀.
 * L is the run's loss on the whole training set. When no grid setting meets the bound (ε = 0 and a loss that every
 * perturbation raises) the finest setting is reported with its distortion, so the bound's failure shows.
 *
 * Reading it: the paper's regularized transformers rise while memorizing and fall when they generalize
 * (peak / final ≈ 4× on modular addition); unregularized ones stay high. A network no better than zero logits
 * (at initialization, often) compresses to nearly nothing: everything may be quantized to 0.
 */
import { deflateSync } from "fflate";
import { z } from "zod";
import type { Params } from "../../tensor/tensor.js";
import { softmaxCrossEntropy } from "../../train/losses.js";
import { describeIssue } from "../../util/zod-issue.js";
import { lowRankBasis, rankForThreshold, type LowRankBasis } from "../rank/low-rank.js";
import type { MeasureContext, MeasureDef } from "../measure.js";

/** Bin sizes 2^(−k/2), k = 1 … 32 (0.71 … 1.5e-5): the span of the authors' search (1e-5 … 1e-1) and coarser. */
export const DEFAULT_BINS: readonly number[] = Array.from({ length: 32 }, (_, i) => 2 ** (-(i + 1) / 2));

export const ComplexitySettingsSchema = z.strictObject({
  /** ε as a share of L₀ (the loss of all-zero logits): the largest allowed increase of the training loss. */
  distortion: z.number().min(0, "must be ≥ 0").default(0.03),
  /** Quantization bin sizes Δ to try. */
  bins: z.array(z.number().gt(0, "must be > 0")).min(1, "must list at least one bin size").default([...DEFAULT_BINS]),
  /** Shares τ of Σσ each matrix keeps; 1 = no truncation. */
  thresholds: z.array(z.number().min(0, "must be in [0, 1]").max(1, "must be in [0, 1]")).min(1, "must list at least one threshold").default([1, 0.95, 0.9, 0.8, 0.6]),
});

export type ComplexitySettings = z.output<typeof ComplexitySettingsSchema>;
export type ComplexitySettingsInput = z.input<typeof ComplexitySettingsSchema>;
export const COMPLEXITY_SETTING_KEYS: readonly string[] = Object.keys(ComplexitySettingsSchema.shape);

/** Normalized settings; the error names the key path ("complexity.distortion: must be ≥ 0"). */
export function parseComplexitySettings(input: unknown = {}, where = "complexity"): ComplexitySettings {
  const r = ComplexitySettingsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw new Error(describeIssue(r.error.issues[0], where, COMPLEXITY_SETTING_KEYS));
}

// ---- coding ----

/** Appends round(x / Δ) for every x, zigzag-mapped (0, −1, 1, −2, … → 0, 1, 2, 3, …) and LEB128-encoded. */
class ByteSink {
  bytes = new Uint8Array(1 << 16);
  length = 0;
  push(b: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = b;
  }
  quantized(x: ArrayLike<number>, bin: number, out: Float64Array): void {
    for (let i = 0; i < x.length; i++) {
      const q = Math.round(x[i] / bin);
      out[i] = q * bin;
      // arithmetic, not bit operations: |q| may exceed 2³¹ for a tiny Δ
      let z = q > 0 ? 2 * q : q < 0 ? -2 * q - 1 : 0;
      while (z >= 128) {
        this.push(128 + (z % 128));
        z = Math.floor(z / 128);
      }
      this.push(z);
    }
  }
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** Bits of the DEFLATE (level 9, raw, fflate) compression of a byte stream. */
export function deflateBits(bytes: Uint8Array): number {
  return 8 * deflateSync(bytes, { level: 9 }).length;
}

// ---- coarse-graining ----

/** Per-tensor structure computed once per evaluation: the singular basis of every matrix. */
export interface Prepared {
  readonly params: Params;
  readonly bases: Readonly<Record<string, LowRankBasis | null>>;
}

export function prepare(params: Params): Prepared {
  const bases: Record<string, LowRankBasis | null> = {};
  for (const [name, t] of Object.entries(params)) {
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) throw new Error(`complexity: tensor "${name}" holds NaN or Inf`);
    bases[name] = t.shape.length === 2 ? lowRankBasis(t.data, t.shape[0], t.shape[1]) : null;
  }
  return { params, bases };
}

/** What each tensor stores at a threshold τ: its factors (rank r < the break-even rank) or the full tensor. */
export interface Truncation {
  /** Stored rank per matrix (null: stored in full). */
  readonly ranks: Readonly<Record<string, number | null>>;
  readonly factors: Readonly<Record<string, { left: Float64Array; right: Float64Array } | null>>;
}

export function truncate(prep: Prepared, tau: number): Truncation {
  const ranks: Record<string, number | null> = {};
  const factors: Record<string, { left: Float64Array; right: Float64Array } | null> = {};
  for (const [name, basis] of Object.entries(prep.bases)) {
    const r = basis ? rankForThreshold(basis.sigma, tau) : 0;
    const factored = basis !== null && r * (basis.m + basis.n) < basis.m * basis.n;
    ranks[name] = factored ? r : null;
    factors[name] = factored ? basis.factors(r) : null;
  }
  return { ranks, factors };
}

/**
 * The coarse-grained weights θ̂ at (truncation, Δ), written into `out` (same shapes as the params), and the byte
 * stream of the integers that describe them.
 */
export function coarseGrain(prep: Prepared, trunc: Truncation, bin: number, out: Params): Uint8Array {
  const sink = new ByteSink();
  for (const [name, t] of Object.entries(prep.params)) {
    const dst = out[name].data;
    const f = trunc.factors[name];
    if (!f) {
      const q = new Float64Array(t.data.length);
      sink.quantized(t.data, bin, q);
      dst.set(q);
      continue;
    }
    const [m, n] = t.shape, r = trunc.ranks[name]!;
    const L = new Float64Array(m * r), R = new Float64Array(r * n);
    sink.quantized(f.left, bin, L);
    sink.quantized(f.right, bin, R);
    // θ̂ = L̂ R̂ [m, n]
    const row = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let j = 0; j < r; j++) {
        const l = L[i * r + j];
        if (l === 0) continue;
        for (let c = 0; c < n; c++) row[c] += l * R[j * n + c];
      }
      dst.set(row, i * n);
    }
  }
  return sink.view();
}

/** Σ stored rank / Σ min(m, n) over the matrices (a matrix stored in full counts its full rank); NaN with none. */
export function rankFraction(prep: Prepared, trunc: Truncation): number {
  let kept = 0, full = 0;
  for (const [name, basis] of Object.entries(prep.bases)) {
    if (!basis) continue;
    const k = Math.min(basis.m, basis.n);
    full += k;
    kept += trunc.ranks[name] ?? k;
  }
  return full > 0 ? kept / full : NaN;
}

export interface ComplexityResult {
  readonly bits: number;
  readonly bin: number;
  readonly threshold: number;
  readonly rankFraction: number;
  /** The distortion (loss increase) at the chosen setting. */
  readonly distortion: number;
  /** Whether the chosen setting meets the bound (false only when the finest setting is reported as a fallback). */
  readonly feasible: boolean;
  /** Distortion evaluations spent. */
  readonly evaluations: number;
}

export interface ComplexityGrid {
  readonly bins: readonly number[];
  readonly thresholds: readonly number[];
}

function scratchLike(params: Params): Params {
  return Object.fromEntries(Object.entries(params).map(([k, t]) => [k, { shape: t.shape, data: new Float32Array(t.data.length) }]));
}

/** Bits of the code of `params` at one setting (τ, Δ). */
export function bitsAt(params: Params, threshold: number, bin: number): number {
  const prep = prepare(params);
  return deflateBits(coarseGrain(prep, truncate(prep, threshold), bin, scratchLike(params)));
}

/**
 * C_ε of `params`: the fewest bits over the grid's settings whose distortion d(θ̂) (the measure uses L(θ̂) − L(θ))
 * is ≤ `bound`. `scratch` receives θ̂ for each candidate (allocate it where d's forward pass reads without copying).
 */
export function complexityOf(params: Params, distortionOf: (coarse: Params) => number, bound: number, grid: ComplexityGrid = { bins: DEFAULT_BINS, thresholds: [1] }, scratch: Params = scratchLike(params)): ComplexityResult {
  if (!(bound >= 0)) throw new Error(`complexity: the distortion bound must be ≥ 0 (got ${bound})`);
  const bins = [...new Set(grid.bins)].sort((a, b) => a - b); // fine → coarse
  const taus = [...new Set(grid.thresholds)].sort((a, b) => b - a); // fine → coarse
  if (bins.length === 0 || taus.length === 0) throw new Error("complexity: the grid needs at least one bin and one threshold");
  const prep = prepare(params);
  let evaluations = 0;
  const distortionAt = (trunc: Truncation, bin: number): number => {
    coarseGrain(prep, trunc, bin, scratch);
    evaluations++;
    return distortionOf(scratch);
  };
  let best: ComplexityResult | null = null;
  let hi = bins.length; // bins[hi] and coarser failed at a finer τ, so they fail here too
  const seen = new Set<string>();
  for (const tau of taus) {
    const trunc = truncate(prep, tau);
    const key = JSON.stringify(trunc.ranks);
    if (seen.has(key)) continue; // τ changed no stored rank: the same candidates as a finer τ
    seen.add(key);
    // bisection for the coarsest feasible bin: feasible bins are a prefix of the fine → coarse grid
    let lo = -1, loD = NaN;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      const d = distortionAt(trunc, bins[mid]);
      if (d <= bound) [lo, loD] = [mid, d];
      else hi = mid;
    }
    if (lo < 0) break;
    hi = lo + 1;
    const bits = deflateBits(coarseGrain(prep, trunc, bins[lo], scratch));
    if (!best || bits < best.bits) best = { bits, bin: bins[lo], threshold: tau, rankFraction: rankFraction(prep, trunc), distortion: loD, feasible: true, evaluations: 0 };
  }
  if (!best) {
    const trunc = truncate(prep, taus[0]);
    const d = distortionAt(trunc, bins[0]);
    const bits = deflateBits(coarseGrain(prep, trunc, bins[0], scratch));
    best = { bits, bin: bins[0], threshold: taus[0], rankFraction: rankFraction(prep, trunc), distortion: d, feasible: false, evaluations: 0 };
  }
  return { ...best, evaluations };
}

// ---- the measure ----

// θ̂ buffers from the run's backend, one set per model (so evaluating many checkpoints allocates once)
const scratchByModel = new WeakMap<object, Params>();

function scratchFor(ctx: MeasureContext): Params {
  let s = scratchByModel.get(ctx.model);
  if (!s) {
    const alloc = ctx.backend ? (n: number) => ctx.backend!.alloc(n) : (n: number) => new Float32Array(n);
    s = Object.fromEntries(Object.entries(ctx.params).map(([k, t]) => [k, { shape: t.shape, data: alloc(t.data.length) }]));
    scratchByModel.set(ctx.model, s);
  }
  return s;
}

/**
 * `complexity/*` at the context's step, on the training set with the run's loss (softmax cross-entropy when the
 * context has none); settings from ctx.settings.complexity.
 */
export function complexityMeasure(ctx: MeasureContext): Record<string, number> {
  const s = parseComplexitySettings(ctx.settings?.complexity ?? {});
  const split = ctx.data.train, C = ctx.model.nOut;
  const loss = ctx.loss ?? softmaxCrossEntropy;
  const lossAt = (p: Params) => loss(ctx.model.forward(p, split).logits, split.y, C).loss;
  const base = lossAt(ctx.params);
  if (!Number.isFinite(base)) throw new Error(`measure "complexity": the training loss is ${base}; the complexity is undefined there`);
  const l0 = loss(new Float32Array(split.n * C), split.y, C).loss;
  const bound = s.distortion * l0;
  const r = complexityOf(ctx.params, (coarse) => lossAt(coarse) - base, bound, s, scratchFor(ctx));
  return {
    "complexity/bits": r.bits,
    "complexity/bin": r.bin,
    "complexity/threshold": r.threshold,
    "complexity/rank_fraction": r.rankFraction,
    "complexity/distortion": r.distortion,
    "complexity/bound": bound,
  };
}

/** For the lead to spread into MEASURES (src/measures/registry.ts). */
export const COMPLEXITY_MEASURES: Readonly<Record<string, MeasureDef>> = {
  complexity: {
    describe: "bits of the DEFLATE-compressed weights after SVD truncation and quantization, coarsest setting within a training-loss bound ε (DeMoss et al. 2024)",
    compute: complexityMeasure,
  },
};
