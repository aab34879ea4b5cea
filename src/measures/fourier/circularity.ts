/**
 * Circularity of a modular-arithmetic network's input embedding: do the p residues lie on circles?
 *
 * Claim measured. PAIR (Pearce, Ghandeharioun et al. 2023, "Do Machine Learning Models Memorize or Generalize?",
 * Open Questions) — some MLP variations without symmetric inputs learn less "circular" representations of modular
 * addition — citing Zhong, Liu, Tegmark & Andreas (2023), "The Clock and the Pizza" (arXiv 2306.17844), whose runs
 * with separate vocabularies for a and b score lower on their circularity. The article's generalizing embedding is
 * W_embed[a] = (cos 2πa/p, sin 2πa/p): residue a at angle 2πka/p on a circle, for each key frequency k.
 *
 * Embedding. x_a ∈ R^d is the row of residue a (a < p): embed_mlp W_E [vocab, d] and transformer embed.W_E row a,
 * gromov U [N, p] column a (fourier-circuit.ts defaultSource). Centred over the residues: x̃_a = x_a − mean_b x_b;
 * V = Σ_a ‖x̃_a‖² (the embedding's variance times p). With the modular task's `separate_vocab` (b's token is p + b,
 * Zhong et al.'s separate vocabularies) rows 0 … p − 1 are a's embedding and the keys above measure them; the same
 * scores of b's rows p … 2p − 1 are fourier/circularity/b and fourier/circularity_pca/b.
 *
 * fourier/circularity (ours). For a frequency k ∈ 1 … ⌊p/2⌋, ω_k = 2πk/p, the Fourier vectors
 *   c_k = Σ_a cos(ω_k a) x̃_a,   s_k = Σ_a sin(ω_k a) x̃_a   (∈ R^d; the plane span(c_k, s_k) is where frequency k lives)
 * give the embedding's frequency-k part x_a^(k) = (2/p)(c_k cos ω_k a + s_k sin ω_k a) (p odd), an ellipse in that
 * plane traversed at uniform phase, whose squared semi-axes are (2/p)² λ₁, (2/p)² λ₂, the eigenvalues of the Gram
 * G_k = [[c·c, c·s], [c·s, s·s]]. Two numbers per frequency:
 *   share     S_k = (2/p)(‖c_k‖² + ‖s_k‖²) / V            (eq. 1: share of the embedding's variance at frequency k;
 *                                                         Σ_{k ≥ 1} S_k = 1 for odd p, by Parseval)
 *   roundness ρ_k = 2 √(λ₁λ₂) / (λ₁ + λ₂) = 2 √det G_k / tr G_k   (eq. 2: 1 for a circle, 0 for a segment; an ellipse
 *                                                         with axis ratio r scores 2r/(1 + r²))
 *   circularity C = Σ_{k ∈ K} S_k ρ_k                     (eq. 3)
 * over the key frequencies K of the embedding's own spectrum (S_k ≥ τ · max S, τ and max_keys from
 * measure_settings.fourier as for fourier/key_frequencies), at most CIRCULARITY_MAX_KEYS of them. C = 1 when the
 * whole embedding is circles at ≤ 5 frequencies, each with ≥ τ of the strongest one's power (the article's
 * construction; Nanda et al.'s five key frequencies),
 * it falls as the variance spreads over more frequencies (memorization) or the ellipses flatten (a less circular
 * representation). Also recorded: fourier/circularity/roundness = Σ_K S_k ρ_k / Σ_K S_k (eq. 3 per unit of share) and
 * fourier/circularity/share = Σ_K S_k. Analytic values: with i.i.d. Gaussian entries, c_k and s_k are independent
 * isotropic Gaussians in R^d, so E[ρ_k] = (d − 1)/d (4 det G / tr² G ~ Beta((d − 1)/2, 1) for a 2 × 2 Wishart), ρ_k is
 * independent of every share and E[S_k] = 2/(p − 1); over a fixed set of n frequencies E[C] = n (d − 1) / (d (p − 1)/2).
 * In high dimension random vectors are orthogonal and of equal length, so ρ alone says little there: the share is what
 * separates a circle from noise.
 *
 * fourier/circularity_pca (Zhong et al. 2023's circularity, as their evaluation code computes it): the mean, over the
 * first four principal components u_1 … u_4 ∈ R^p of the embedding (its residue-space PCA, i.e. the top eigenvectors
 * of X̃X̃ᵀ), of the largest share of ‖u_i‖² at one frequency ±f: max_f 2 |Σ_a u_i[a] e^{−2πifa/p}|² / (p ‖u_i‖²).
 * 1 when every leading component is a pure sinusoid over the residues. For i.i.d. Gaussian embeddings each u_i is
 * uniform on the sphere orthogonal to the constant vector, its frequency shares are Dirichlet(1, …, 1) over
 * m = (p − 1)/2 frequencies, and E = H_m / m (H_m the harmonic number; 0.124 at p = 67).
 * fourier/circularity_pca/joint (separate vocabularies only) is their code's score of such a model: components over
 * all 2p rows, each scored on its first p entries against its whole energy, so it is at most the share of the
 * component's energy on a's rows (about 1/2 when a and b are embedded alike).
 */
import type { Tensor } from "../../tensor/tensor.js";
import { paramOf, type MeasureContext, type MeasureDef } from "../measure.js";
import { symmetricEigen } from "../rank/low-rank.js";
import { gramOfShortSide } from "../rank/svd.js";
import { defaultSource, keyFrequencies, needs, parseFourierSettings, type FrequencySource } from "./fourier-circuit.js";

/** At most this many key frequencies count towards fourier/circularity (Nanda et al. 2023's transformer has 5). */
export const CIRCULARITY_MAX_KEYS = 5;

/** The residues' embeddings x̃_a (a < p; tokens first + a), centred over a: [p, d] row-major float64. */
export function residueEmbeddings(t: Tensor, p: number, inputAxis: 0 | 1, first = 0): { x: Float64Array; d: number } {
  if (t.shape.length !== 2) throw new Error(`circularity: expected a 2-D tensor, got shape [${t.shape.join(", ")}]`);
  const [rows, cols] = t.shape;
  const len = inputAxis === 0 ? rows : cols, d = inputAxis === 0 ? cols : rows;
  if (!Number.isInteger(p) || p < 3 || first + p > len) throw new Error(`circularity: tokens ${first} … ${first + p - 1} must lie in the input axis (length ${len}), p ≥ 3`);
  const x = new Float64Array(p * d);
  for (let a = 0; a < p; a++) {
    const r = first + a;
    for (let j = 0; j < d; j++) x[a * d + j] = inputAxis === 0 ? t.data[r * cols + j] : t.data[j * cols + r];
  }
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let a = 0; a < p; a++) mean += x[a * d + j];
    mean /= p;
    for (let a = 0; a < p; a++) x[a * d + j] -= mean;
  }
  return { x, d };
}

/** One frequency's circle: its variance share S_k (eq. 1) and the roundness ρ_k of its ellipse (eq. 2). */
export interface FrequencyCircle {
  readonly k: number;
  readonly share: number;
  readonly roundness: number;
}

export interface CircularityResult {
  /** C = Σ_K S_k ρ_k (eq. 3). */
  readonly circularity: number;
  /** Σ_K S_k ρ_k / Σ_K S_k. */
  readonly roundness: number;
  /** Σ_K S_k. */
  readonly share: number;
  /** The frequencies K, strongest first, with their share and roundness. */
  readonly circles: readonly FrequencyCircle[];
}

/** c_k and s_k (∈ R^d) of centred embeddings x [p, d]. */
function fourierVectors(x: Float64Array, p: number, d: number, k: number): { c: Float64Array; s: Float64Array } {
  const c = new Float64Array(d), s = new Float64Array(d);
  for (let a = 0; a < p; a++) {
    const w = (2 * Math.PI * ((k * a) % p)) / p, ca = Math.cos(w), sa = Math.sin(w);
    for (let j = 0; j < d; j++) {
      c[j] += ca * x[a * d + j];
      s[j] += sa * x[a * d + j];
    }
  }
  return { c, s };
}

/** S_k and ρ_k of frequency k of centred embeddings x [p, d] with Σ‖x̃_a‖² = total. */
export function frequencyCircle(x: Float64Array, p: number, d: number, k: number, total: number): FrequencyCircle {
  const { c, s } = fourierVectors(x, p, d, k);
  let cc = 0, ss = 0, cs = 0;
  for (let j = 0; j < d; j++) {
    cc += c[j] * c[j];
    ss += s[j] * s[j];
    cs += c[j] * s[j];
  }
  const nyquist = 2 * k === p; // only for even p: sin vanishes and the "ellipse" is a segment
  const share = total > 0 ? ((nyquist ? 1 : 2) / p) * (cc + ss) / total : NaN;
  const tr = cc + ss, det = Math.max(0, cc * ss - cs * cs);
  return { k, share, roundness: tr > 0 ? Math.min(1, (2 * Math.sqrt(det)) / tr) : 0 };
}

/** The power ‖c_k‖² + ‖s_k‖² of every k = 0 … ⌊p/2⌋ (k = 0 is 0: x is centred). */
export function circlePower(x: Float64Array, p: number, d: number): Float64Array {
  const power = new Float64Array((p >> 1) + 1);
  for (let k = 1; k < power.length; k++) {
    const { c, s } = fourierVectors(x, p, d, k);
    let e = 0;
    for (let j = 0; j < d; j++) e += c[j] * c[j] + s[j] * s[j];
    power[k] = e;
  }
  return power;
}

export interface CircularityOptions {
  /** Score these frequencies instead of the key frequencies. */
  readonly frequencies?: readonly number[];
  /** τ of the key-frequency rule S_k ≥ τ · max S (default 0.1, as fourier/key_frequencies). */
  readonly threshold?: number;
  /** At most this many key frequencies (default CIRCULARITY_MAX_KEYS). */
  readonly maxKeys?: number;
}

/** Eq. 1–3 for centred embeddings x [p, d]. */
export function embeddingCircularity(x: Float64Array, p: number, d: number, options: CircularityOptions = {}): CircularityResult {
  let total = 0;
  for (let i = 0; i < p * d; i++) total += x[i] * x[i];
  const ks = options.frequencies ? [...options.frequencies] : keyFrequencies(circlePower(x, p, d), options.threshold ?? 0.1).slice(0, options.maxKeys ?? CIRCULARITY_MAX_KEYS);
  for (const k of ks) if (!Number.isInteger(k) || k < 1 || k > p >> 1) throw new RangeError(`circularity: frequency ${k} is out of range 1 … ${p >> 1}`);
  const circles = ks.map((k) => frequencyCircle(x, p, d, k, total));
  let circularity = 0, share = 0;
  for (const c of circles) {
    circularity += c.share * c.roundness;
    share += c.share;
  }
  return { circularity, roundness: share > 0 ? circularity / share : NaN, share, circles };
}

/**
 * The first `count` residue-space principal components of centred embeddings x [p, d], as rows of [count, p]: the top
 * eigenvectors of x xᵀ [p, p], or, when d ≤ p, x w_i for the top eigenvectors w_i of xᵀx [d, d] (the same directions).
 */
export function residuePrincipalComponents(x: Float64Array, p: number, d: number, count: number): Float64Array[] {
  const { g, k: n } = gramOfShortSide(x, p, d);
  const { values, vectors } = symmetricEigen(g, n);
  const out: Float64Array[] = [];
  for (let i = 0; i < Math.min(count, n) && values[i] > 1e-12 * values[0]; i++) {
    const u = new Float64Array(p);
    if (d <= p) for (let a = 0; a < p; a++) for (let j = 0; j < d; j++) u[a] += x[a * d + j] * vectors[j * n + i];
    else for (let a = 0; a < p; a++) u[a] = vectors[a * n + i];
    out.push(u);
  }
  return out;
}

/**
 * Zhong et al. (2023)'s circularity of centred embeddings x [rows, d] (rows = p unless given): the mean over the first
 * `components` principal components of the largest share of the component's energy at one frequency ±f of its first
 * p entries. With rows > p the components run over every token and the share is of the whole component's energy,
 * as their code scores separate-vocabulary models (PCA of all 2p rows, Fourier over tokens 0 … p − 1).
 */
export function pcaCircularity(x: Float64Array, p: number, d: number, components = 4, rows = p): number {
  const us = residuePrincipalComponents(x, rows, d, components);
  if (us.length === 0) return NaN;
  let sum = 0;
  for (const u of us) {
    let norm = 0, best = 0;
    for (let a = 0; a < rows; a++) norm += u[a] * u[a];
    for (let f = 1; f <= p >> 1; f++) {
      let re = 0, im = 0;
      for (let a = 0; a < p; a++) {
        const w = (2 * Math.PI * ((f * a) % p)) / p;
        re += u[a] * Math.cos(w);
        im -= u[a] * Math.sin(w);
      }
      best = Math.max(best, ((2 * f === p ? 1 : 2) * (re * re + im * im)) / (p * norm));
    }
    sum += Math.min(1, best);
  }
  return sum / us.length;
}

/**
 * The tensor holding the embeddings, p, and whether b has its own rows p … 2p − 1 (the modular task's
 * `separate_vocab`, Zhong et al.'s separate vocabularies): then rows 0 … p − 1 are a's embedding.
 */
function sourceOf(ctx: MeasureContext, measure: string): { t: Tensor; axis: 0 | 1; p: number; separate: boolean } {
  const p = ctx.data.meta.p;
  if (typeof p !== "number") throw new Error(`measure "${measure}": needs a modular task (task "${ctx.data.name}" has no modulus p)`);
  const src: FrequencySource | null = defaultSource(ctx.model, ctx.params);
  if (!src) throw new Error(`measure "${measure}": model "${ctx.model.name}" has no first-layer tensor U or W_E`);
  const t = paramOf(ctx, measure, src.tensor);
  return { t, axis: src.inputAxis, p, separate: ctx.data.meta.separate_vocab === true && t.shape[src.inputAxis] >= 2 * p };
}

const appliesTo = needs("spectrum");

/** Largest min(p, d) for fourier/circularity_pca: its eigen-decomposition is O(n³). */
export const PCA_MAX_SIDE = 512;

/** The measures of this module, keyed by registry name. */
export const CIRCULARITY_MEASURES: Readonly<Record<string, MeasureDef>> = {
  "fourier/circularity": {
    describe: "share of the embedding's variance on circles at its key frequencies, Σ_k share_k · roundness_k (PAIR 2023 open questions; 1 = the article's circular embedding)",
    appliesTo,
    compute: (ctx) => {
      const { t, axis, p, separate } = sourceOf(ctx, "fourier/circularity");
      const s = parseFourierSettings(ctx.settings?.fourier);
      const score = (first: number) => {
        const { x, d } = residueEmbeddings(t, p, axis, first);
        return embeddingCircularity(x, p, d, { threshold: s.threshold, maxKeys: s.max_keys ?? CIRCULARITY_MAX_KEYS });
      };
      const r = score(0);
      const out: Record<string, number> = { "fourier/circularity": r.circularity, "fourier/circularity/roundness": r.roundness, "fourier/circularity/share": r.share };
      if (separate) out["fourier/circularity/b"] = score(p).circularity;
      return out;
    },
  },
  "fourier/circularity_pca": {
    describe: "Zhong et al. 2023's circularity: mean over the embedding's first 4 principal components of their largest single-frequency share",
    appliesTo: (model, data, params) => {
      const why = appliesTo(model, data, params);
      if (why !== null) return why;
      const src = defaultSource(model, params)!, t = params[src.tensor], side = Math.min(data.meta.p as number, t.shape[1 - src.inputAxis]);
      return side > PCA_MAX_SIDE ? `needs min(p, embedding width) ≤ ${PCA_MAX_SIDE} for its eigen-decomposition (it is ${side})` : null;
    },
    compute: (ctx) => {
      const { t, axis, p, separate } = sourceOf(ctx, "fourier/circularity_pca");
      const { x, d } = residueEmbeddings(t, p, axis);
      const a = pcaCircularity(x, p, d);
      if (!separate) return a;
      const b = residueEmbeddings(t, p, axis, p), all = residueEmbeddings(t, 2 * p, axis);
      const out: Record<string, number> = { "fourier/circularity_pca": a, "fourier/circularity_pca/b": pcaCircularity(b.x, p, b.d) };
      if (Math.min(2 * p, d) <= PCA_MAX_SIDE) out["fourier/circularity_pca/joint"] = pcaCircularity(all.x, p, d, 4, 2 * p);
      return out;
    },
  },
};
