/**
 * Fourier circuit structure of a modular-arithmetic network (Nanda et al. 2023, "Progress measures for grokking via
 * mechanistic interpretability"; Gromov 2023; Doshi et al. 2024).
 *
 * Spectrum. For a first-layer tensor whose input axis runs over the p residues (gromov: U [N, p], rows are neurons;
 * embed_mlp: W_E [vocab, d], the first p rows), the power at frequency k is summed over neurons / embedding columns:
 *   S_k = Σ_n |Σ_a U[n, a] e^{−2πika/p}|²,  k = 0 … ⌊p/2⌋  (one-sided; bins k and p − k are one real frequency),
 * which is Nanda's ‖W_E‖ restricted to the cos ω_k and sin ω_k directions (Nanda 2023 §4: "the
 * embedding matrix is sparse in the Fourier basis") up to the constant p/2. The DC bin k = 0 carries no frequency
 * and is left out of every statistic below: the spectrum is S_1 … S_{⌊p/2⌋}.
 *   fourier/spectrum/top1, /top{k}: Σ of the k largest S_j over Σ_j S_j (1 for a single-frequency circuit; k/⌊p/2⌋
 *     in expectation for i.i.d. noise).
 *   fourier/key_frequencies: |{k : S_k ≥ τ · max_j S_j}|, τ = 0.1 by default (norm ratio √0.1 ≈ 0.32). Our
 *     threshold, not the paper's: Nanda reads the 5 key frequencies of the 1-layer transformer off the norm plot
 *     (Fig. 3), where they stand an order of magnitude above the rest; the count is ⌊p/2⌋ for unstructured weights.
 *   fourier/gini: Gini coefficient of the per-frequency norms ‖·‖_k = √S_k (Nanda 2023 §5, "Gini
 *     coefficient of the norms of the Fourier components": rises as the embedding becomes sparse in frequency):
 *       G = Σ_i (2i − m − 1) x_(i) / (m Σ_i x_i),  x_(1) ≤ … ≤ x_(m),  m = ⌊p/2⌋.
 *     Our per-frequency norm pools the cos and sin components, so G does not depend on the phases; m equal non-zero
 *     norms among ⌊p/2⌋ give G = 1 − m/⌊p/2⌋, i.i.d. Gaussian weights G ≈ 1/(2√(πN)) (N neurons; 0.013 at N = 500).
 *
 * Restricted and excluded loss (Nanda 2023 §5, "progress measures"). For key frequencies ω_k = 2πk/p the logits
 * z[c] of one example (a, b) are projected onto (restricted) or have removed (excluded) the directions
 * cos(ω_k(a + b − c)) and sin(ω_k(a + b − c)) over the output class c. For fixed a + b these 2|K| vectors span the
 * same space as cos(ω_k c), sin(ω_k c), so the projection is the same circulant p × p matrix for every example:
 *   P_K[c, c'] = (1/p) Σ_{k ∈ K} 2 cos(ω_k (c − c'))   (a Nyquist bin k = p/2 of an even p counts once),
 * and we apply it to all logits with one gemm. Restricted logits = z (P_K + 11ᵀ/p) (we keep the constant direction:
 * softmax ignores it, MSE does not, and a uniform offset is no memorization), excluded logits = z (I − P_K).
 * Nanda evaluates the restricted loss on all p² pairs and the excluded loss on the training pairs; we offer the
 * restricted loss on the training pairs (test-free: docs/measures.md), on the test pairs, and the excluded loss on the
 * training pairs. The key frequencies are those of the current weights' spectrum (above), so no frequency is fixed
 * in advance. Restricted ≈ full loss says the key-frequency circuit carries the answer; excluded ≫ full says the
 * training pairs are no longer fitted by memorization outside it.
 */
import type { Model } from "../../models/model.js";
import type { Dataset, Split } from "../../tasks/dataset.js";
import type { Backend } from "../../tensor/backend.js";
import { gemmJs } from "../../tensor/backend-js.js";
import type { Params, Tensor } from "../../tensor/tensor.js";
import { softmaxCrossEntropy } from "../../train/losses.js";
import { paramOf, type MeasureContext, type MeasureDef } from "../measure.js";
import { z } from "zod";
import { describeIssue } from "../../util/zod-issue.js";

/**
 * `measure_settings.fourier`: the key-frequency rule of the key-frequency count and the restricted / excluded loss.
 * `max_keys: 5` caps the key set at Nanda et al.'s five strongest frequencies (their transformer has 5), which keeps
 * the restricted loss informative when the spectrum is flat (gromov spreads its neurons over every frequency).
 */
export const FourierSettingsSchema = z.strictObject({
  threshold: z.number().gt(0, "must be in (0, 1]").max(1, "must be in (0, 1]").default(0.1),
  max_keys: z.number().int("must be an integer").min(1, "must be ≥ 1").nullable().default(null),
});
export type FourierSettings = z.output<typeof FourierSettingsSchema>;

/** Normalized settings; the error names the key path ("measure_settings.fourier.max_keys: must be ≥ 1"). */
export function parseFourierSettings(input: unknown = {}, where = "fourier"): FourierSettings {
  const r = FourierSettingsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw new Error(describeIssue(r.error.issues[0], where, Object.keys(FourierSettingsSchema.shape)));
}

/** The circuit options a run's settings ask for (defaults when it sets none). */
function settingsOptions(ctx: MeasureContext): FourierCircuitOptions {
  const s = parseFourierSettings(ctx.settings?.fourier);
  return { threshold: s.threshold, maxKeys: s.max_keys ?? undefined };
}

/** Which tensor holds the first-layer weights of a model, and which of its axes runs over the p inputs. */
export interface FrequencySource {
  readonly tensor: string;
  readonly inputAxis: 0 | 1;
}

/**
 * gromov: U [N, p] (axis 1); embed_mlp: W_E [vocab, d] (axis 0); transformer: embed.W_E [vocab, d] (axis 0, Nanda
 * et al. 2023 §4); otherwise U or W_E if the model has one.
 */
export function defaultSource(model: Model, params: Params): FrequencySource | null {
  if (params["embed.W_E"]) return { tensor: "embed.W_E", inputAxis: 0 };
  if (model.name === "gromov" || (model.name !== "embed_mlp" && params.U)) return params.U ? { tensor: "U", inputAxis: 1 } : null;
  return params.W_E ? { tensor: "W_E", inputAxis: 0 } : null;
}

type Kernels = Pick<Backend, "alloc" | "gemm">;
const JS_KERNELS: Kernels = { alloc: (n) => new Float32Array(n), gemm: gemmJs };

/**
 * Scratch buffers per backend, by purpose and size: a bump-allocating backend (wasm) never frees, so a measure run
 * every few steps must reuse its buffers rather than allocate new ones.
 */
const scratch = new WeakMap<Kernels, Map<string, Float32Array>>();
function scratchOf(b: Kernels, tag: string, length: number): Float32Array {
  let m = scratch.get(b);
  if (!m) scratch.set(b, (m = new Map()));
  const id = `${tag}/${length}`;
  let buf = m.get(id);
  if (!buf) m.set(id, (buf = b.alloc(length)));
  return buf;
}

/** The real DFT basis [p, 2J]: column 2j is cos(2πjn/p), column 2j + 1 is −sin(2πjn/p), j = 0 … ⌊p/2⌋. */
function dftBasis(b: Kernels, p: number): Float32Array {
  const J = (p >> 1) + 1, B = scratchOf(b, "dft", p * 2 * J);
  if (B[0] !== 1) { // filled once (cos 0 = 1 marks it)
    for (let n = 0; n < p; n++) {
      for (let j = 0; j < J; j++) {
        const m = (j * n) % p;
        B[n * 2 * J + 2 * j] = Math.cos((2 * Math.PI * m) / p);
        B[n * 2 * J + 2 * j + 1] = -Math.sin((2 * Math.PI * m) / p);
      }
    }
  }
  return B;
}

/**
 * S_k = Σ over neurons of the one-sided power at frequency k = 0 … ⌊p/2⌋ of a 2-D tensor's input axis (its first
 * p entries): one gemm of the tensor with the real DFT basis (O(N·p²) multiply-adds, ≈ 1 ms for U [500, 97]).
 */
export function frequencyPower(t: Tensor, p: number, inputAxis: 0 | 1, kernels: Kernels = JS_KERNELS): Float64Array {
  if (t.shape.length !== 2) throw new Error(`frequencyPower: expected a 2-D tensor, got shape [${t.shape.join(", ")}]`);
  const [rows, cols] = t.shape;
  const len = inputAxis === 1 ? cols : rows, neurons = inputAxis === 1 ? rows : cols;
  if (!Number.isInteger(p) || p < 3 || p > len) throw new Error(`frequencyPower: p = ${p} must be an integer in [3, ${len}] (the input axis length)`);
  const J = (p >> 1) + 1, B = dftBasis(kernels, p), F = scratchOf(kernels, "spectrum", neurons * 2 * J); // F [neurons, 2J]
  if (inputAxis === 0) {
    kernels.gemm(neurons, 2 * J, p, t.data.subarray(0, p * cols), B, F, { transA: true }); // rows 0 … p−1 of [vocab, d]
  } else {
    let A = t.data;
    if (cols !== p) {
      A = scratchOf(kernels, "rows", neurons * p);
      for (let n = 0; n < neurons; n++) A.set(t.data.subarray(n * cols, n * cols + p), n * p);
    }
    kernels.gemm(neurons, 2 * J, p, A, B, F);
  }
  const total = new Float64Array(J);
  for (let n = 0; n < neurons; n++) {
    for (let j = 0; j < J; j++) {
      const re = F[n * 2 * J + 2 * j], im = F[n * 2 * J + 2 * j + 1];
      total[j] += re * re + im * im;
    }
  }
  return total;
}

/** Frequencies k ≥ 1 with S_k ≥ threshold · max_{j ≥ 1} S_j, in decreasing order of power (empty if S ≡ 0). */
export function keyFrequencies(power: ArrayLike<number>, threshold = 0.1): number[] {
  let max = 0;
  for (let k = 1; k < power.length; k++) max = Math.max(max, power[k]);
  if (!(max > 0)) return [];
  const ks: number[] = [];
  for (let k = 1; k < power.length; k++) if (power[k] >= threshold * max) ks.push(k);
  return ks.sort((a, b) => power[b] - power[a]);
}

/** Gini coefficient of non-negative values: 0 when all are equal, 1 − 1/m when one of m holds everything; NaN if Σ = 0. */
export function gini(values: ArrayLike<number>): number {
  const x = Float64Array.from(values).sort();
  const m = x.length;
  let num = 0, sum = 0;
  for (let i = 0; i < m; i++) {
    num += (2 * (i + 1) - m - 1) * x[i];
    sum += x[i];
  }
  return sum > 0 ? num / (m * sum) : NaN;
}

/** Fraction of the non-DC power held by the `k` strongest frequencies. */
export function topFraction(power: ArrayLike<number>, k: number): number {
  const s = Array.from(power).slice(1).sort((a, b) => b - a);
  const total = s.reduce((a, b) => a + b, 0);
  return total > 0 ? s.slice(0, k).reduce((a, b) => a + b, 0) / total : NaN;
}

/**
 * The circulant projection onto the output-class Fourier modes `ks` (plus the constant direction if `withDc`),
 * or its complement I − P when `complement` is set: [p, p], row-major, symmetric.
 */
export function frequencyProjection(p: number, ks: readonly number[], opts: { withDc?: boolean; complement?: boolean } = {}, out: Float32Array = new Float32Array(p * p)): Float32Array {
  const r = new Float64Array(p); // r[d] = P[c, c − d]
  for (let d = 0; d < p; d++) {
    let v = opts.withDc ? 1 : 0;
    for (const k of ks) v += (2 * k === p ? 1 : 2) * Math.cos((2 * Math.PI * k * d) / p);
    r[d] = (opts.complement ? (d === 0 ? 1 : 0) : 0) + (opts.complement ? -1 : 1) * (v / p);
  }
  for (let c = 0; c < p; c++) for (let c2 = 0; c2 < p; c2++) out[c * p + c2] = r[(c - c2 + p) % p];
  return out;
}

export interface FourierCircuitOptions {
  /** First-layer tensor and its input axis; default per model (defaultSource). */
  readonly source?: FrequencySource;
  /** τ of the key-frequency rule S_k ≥ τ · max S (default 0.1). */
  readonly threshold?: number;
  /**
   * Keep at most this many key frequencies (the strongest). Unset: every frequency above τ. With a flat spectrum
   * (init, or a gromov net that spreads its neurons over all ⌊p/2⌋ frequencies) every frequency is key and the
   * restricted loss equals the full loss; a cap (Nanda's transformer has 5) makes it informative there.
   */
  readonly maxKeys?: number;
  /** k of fourier/spectrum/top{k} (default 5: Nanda's transformer uses 5 key frequencies). */
  readonly topK?: number;
}

function modulus(ctx: { data: Dataset }): number {
  const p = ctx.data.meta.p;
  if (typeof p !== "number") throw new Error(`fourier measures need a modular task (task "${ctx.data.name}" has no modulus p)`);
  return p;
}

function spectrumOf(ctx: MeasureContext, measure: string, options: FourierCircuitOptions): Float64Array {
  const src = options.source ?? defaultSource(ctx.model, ctx.params);
  if (!src) throw new Error(`measure "${measure}": model "${ctx.model.name}" has no first-layer tensor U or W_E`);
  return frequencyPower(paramOf(ctx, measure, src.tensor), modulus(ctx), src.inputAxis, ctx.backend);
}

/** `fourier/spectrum`: {fourier/spectrum/top1, fourier/spectrum/top{k}}. */
export function fourierSpectrum(options: FourierCircuitOptions = {}) {
  const k = options.topK ?? 5;
  return (ctx: MeasureContext): Record<string, number> => {
    const S = spectrumOf(ctx, "fourier/spectrum", options);
    return { "fourier/spectrum/top1": topFraction(S, 1), [`fourier/spectrum/top${k}`]: topFraction(S, k) };
  };
}

/** `fourier/key_frequencies`: how many frequencies hold ≥ τ of the strongest one's power. */
export function fourierKeyFrequencyCount(options: FourierCircuitOptions = {}) {
  return (ctx: MeasureContext): number => keyFrequencies(spectrumOf(ctx, "fourier/key_frequencies", options), options.threshold).slice(0, options.maxKeys).length;
}

/** `fourier/gini`: Gini coefficient of the per-frequency norms √S_k, k = 1 … ⌊p/2⌋. */
export function fourierGini(options: FourierCircuitOptions = {}) {
  return (ctx: MeasureContext): number => gini(spectrumOf(ctx, "fourier/gini", options).slice(1).map(Math.sqrt));
}

export type CircuitLossKind = "restricted" | "excluded";

/** Loss of the logits projected onto (restricted) or orthogonal to (excluded) the key frequencies, on one split. */
export function circuitLoss(ctx: MeasureContext, kind: CircuitLossKind, split: "train" | "test" | Split, options: FourierCircuitOptions = {}): number {
  const name = kind === "restricted" ? "fourier/restricted_loss" : "fourier/excluded_loss";
  const p = modulus(ctx);
  if (ctx.model.nOut !== p) throw new Error(`measure "${name}": needs p = ${p} output classes (model has ${ctx.model.nOut})`);
  const ks = keyFrequencies(spectrumOf(ctx, name, options), options.threshold).slice(0, options.maxKeys);
  const data = typeof split === "string" ? ctx.data[split] : split;
  const backend = ctx.backend ?? JS_KERNELS;
  const P = frequencyProjection(p, ks, kind === "restricted" ? { withDc: true } : { complement: true }, scratchOf(backend, "projection", p * p));
  const { logits } = ctx.model.forward(ctx.params, data); // [n, p]
  const Z = scratchOf(backend, "logits", data.n * p);
  backend.gemm(data.n, p, p, logits, P, Z); // P is symmetric
  return (ctx.loss ?? softmaxCrossEntropy)(Z, data.y, p).loss;
}

/** Why a Fourier measure does not apply: no modulus, no first-layer tensor over the residues, or (for "logits") not p classes. */
export const needs = (what: "spectrum" | "logits") => (model: Model, data: Dataset, params: Params): string | null => {
  const p = data.meta.p;
  if (typeof p !== "number") return `needs a modular-arithmetic task (task "${data.name}" has no modulus p)`;
  const src = defaultSource(model, params);
  if (!src) return `needs a first-layer tensor U or W_E (model "${model.name}" has ${Object.keys(params).join(", ")})`;
  const t = params[src.tensor];
  if (t.shape.length !== 2 || t.shape[src.inputAxis] < p) return `needs ${src.tensor}'s input axis to cover the p = ${p} residues`;
  if (what === "logits" && model.nOut !== p) return `needs p = ${p} output classes (model "${model.name}" has ${model.nOut})`;
  return null;
};

/** A mixture's per-domain training splits, [name, split] with names "domain/<op>/train". */
function domainTrainSplits(data: Dataset): Array<[string, Split]> {
  if (data.kind !== "tokens") return [];
  return Object.entries(data.evalSplits ?? {}).filter(([name]) => /^domain\/[^/]+\/train$/.test(name));
}

/** The measures of this module, keyed by registry name (the lead registers them). */
export const FOURIER_CIRCUIT_MEASURES: Readonly<Record<string, MeasureDef>> = {
  "fourier/spectrum": {
    describe: "fraction of U's (gromov) / W_E's (embed_mlp) Fourier power in the top 1 and top 5 frequencies (Nanda et al. 2023 §4)",
    appliesTo: needs("spectrum"),
    compute: fourierSpectrum(),
  },
  "fourier/key_frequencies": {
    describe: "number of frequencies with ≥ 0.1 of the strongest frequency's power in U / W_E (key frequencies, Nanda et al. 2023)",
    appliesTo: needs("spectrum"),
    compute: (ctx) => fourierKeyFrequencyCount(settingsOptions(ctx))(ctx),
  },
  "fourier/gini": {
    describe: "Gini coefficient of the per-frequency Fourier norms of U / W_E: 0 spread, → 1 sparse (Nanda et al. 2023 §5)",
    appliesTo: needs("spectrum"),
    compute: fourierGini(),
  },
  "fourier/restricted_loss": {
    describe: "training loss of the logits projected onto the key frequencies' cos/sin ω_k(a+b−c) directions (Nanda et al. 2023 §5; test-free)",
    appliesTo: needs("logits"),
    compute: (ctx) => circuitLoss(ctx, "restricted", "train", settingsOptions(ctx)),
  },
  "fourier/restricted_loss_test": {
    describe: "test loss of the logits projected onto the key frequencies (Nanda et al. 2023 §5 restricted loss, on held-out pairs)",
    appliesTo: needs("logits"),
    compute: (ctx) => circuitLoss(ctx, "restricted", "test", settingsOptions(ctx)),
  },
  // Outside the "fourier" namespace on purpose: `--measures fourier` must not bring in a measure that needs a mixture.
  "domain/restricted_loss": {
    describe: "restricted loss on each domain's own training split (domain/<op>/restricted_loss) for mixture tasks: a test-free indicator per domain",
    appliesTo: (model, data, params) =>
      needs("logits")(model, data, params) ?? (domainTrainSplits(data).length > 0 ? null : `needs a task with per-domain splits (task "${data.name}" has none; see task "mixture")`),
    compute: (ctx) => {
      const out: Record<string, number> = {};
      for (const [name, split] of domainTrainSplits(ctx.data)) out[`${name.replace(/\/train$/, "")}/restricted_loss`] = circuitLoss(ctx, "restricted", split, settingsOptions(ctx));
      return out;
    },
  },
  "fourier/excluded_loss": {
    describe: "training loss with the key frequencies' cos/sin ω_k(a+b−c) directions removed from the logits (Nanda et al. 2023 §5)",
    appliesTo: needs("logits"),
    compute: (ctx) => circuitLoss(ctx, "excluded", "train", settingsOptions(ctx)),
  },
};
