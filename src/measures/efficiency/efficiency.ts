/**
 * Circuit efficiency (Varma, Shah, Kenton, Kramár & Kumar 2023, "Explaining grokking through circuit efficiency").
 *
 * Varma et al. call a circuit more *efficient* when it produces larger logits with the same parameter norm (abstract;
 * the second of their "three ingredients for grokking"): weight decay pulls the norm down, the loss pushes the correct
 * logit up, and at equilibrium the circuit that buys more logit per unit norm wins. Their key hypothesis: a memorizing
 * circuit needs more norm for every example it stores, so its efficiency falls as the training set grows, while a
 * generalizing circuit's does not; the two are equally efficient at a critical dataset size D_crit.
 *
 * The paper states efficiency in words and measures parameter norms at convergence; the formula here is ours. It
 * makes "logit per unit norm" independent of the scale the optimizer happens to be at. A network whose logits are
 * positively homogeneous of degree α in its parameters, z(cθ) = c^α z(θ) for c > 0, gets
 *   E(θ) = mean_i ℓ_i(θ) / ‖θ‖^α,   ℓ_i = z_i[y_i] − (1/C) Σ_c z_i[c]   (centered correct-class logit, training set)
 * which is invariant to θ → cθ: E measures the direction of θ, not how far weight decay has shrunk it. Degrees: the
 * quadratic net W·(U e_a + V e_b)² (Gromov 2023) has α = 3 (1 from W, 2 from the square); a bias-free ReLU MLP with
 * L weight matrices α = L; a square activation doubles the degree of its input. α is found by probing, not by
 * model name: logits at 2θ against logits at θ, an exact power of two in binary floating point for a homogeneous
 * model (a bias or a GELU/tanh breaks it, and the measure then does not apply).
 * Subtracting the mean over classes makes ℓ blind to a constant shift of all logits (which softmax ignores) and keeps
 * it linear in z. `efficiency/margin` uses z_i[y_i] − max_{c≠y_i} z_i[c] instead: what cross-entropy rewards.
 * Analytic value: Gromov's construction (eq. 8–9, A = (2/N)^{1/3}) on all p² pairs has mean ℓ = N·A³/2 = 1 and
 * ‖θ‖² = 3·N·p·A²/2, so E = (N/2)·(3Np/2)^{−3/2} for every draw of its frequencies and phases.
 *
 * Generalizing vs memorizing part. On the training set a memorizing and a generalizing circuit produce the same
 * logits (both fit the labels), so no projection of training logits alone separates them. What separates them is
 * transfer: only a generalizing circuit puts logit on the right answer of a pair it never saw. So
 *   E_gen = mean_{i ∈ test} ℓ_i / ‖θ‖^α          E_mem = E − E_gen = (mean_train ℓ − mean_test ℓ) / ‖θ‖^α
 * E_gen is the logit a circuit that computes the rule gives every pair (train or test); E_mem is the extra logit
 * the training pairs get that does not transfer. Both are divided by the whole network's norm (a network cannot be
 * cut into the two circuits' parameters in general), so they are the two circuits' shares of E: plot them against
 * the step to watch the competition — E_mem > 0 with E_gen ≈ 0 at memorization, E_mem → 0 after grokking, and the
 * reverse when a grokked net ungroks on a training set below D_crit. For a generalizing circuit that is a function of
 * a + b − c (the Fourier circuit of Nanda et al. 2023 and Gromov 2023), ℓ is the same on every pair, so E_mem = 0.
 */
import type { Model } from "../../models/model.js";
import type { Dataset, Split } from "../../tasks/dataset.js";
import { totalNorm, type Params } from "../../tensor/tensor.js";
import type { MeasureContext, MeasureDef } from "../measure.js";

/** Means over examples of the centered correct-class logit ℓ and of the margin z[y] − max_{c≠y} z[c]. */
export function correctLogitStats(logits: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): { logit: number; margin: number } {
  const n = y.length, C = nClasses;
  if (logits.length < n * C) throw new Error(`efficiency: ${logits.length} logits for ${n} examples × ${C} classes`);
  if (n === 0) return { logit: NaN, margin: NaN };
  let sumLogit = 0, sumMargin = 0;
  for (let i = 0; i < n; i++) {
    const o = i * C, yi = y[i];
    let mean = 0, other = -Infinity;
    for (let c = 0; c < C; c++) {
      const v = logits[o + c];
      mean += v;
      if (c !== yi && v > other) other = v;
    }
    sumLogit += logits[o + yi] - mean / C;
    sumMargin += logits[o + yi] - other;
  }
  return { logit: sumLogit / n, margin: sumMargin / n };
}

/** Relative tolerance of the homogeneity probe: exact scaling leaves only rounding of subnormals and fused sums. */
const PROBE_TOLERANCE = 1e-4;
const MAX_DEGREE = 64;

export type DegreeProbe = { readonly degree: number } | { readonly degree: null; readonly why: string };

/**
 * The degree α with z(2θ) = 2^α z(θ) on `split`, or why there is none. Multiplying by 2 is exact in floating point,
 * so for a bias-free ReLU / square / quadratic network the two forwards agree to rounding noise.
 */
export function probeDegree(model: Model, params: Params, split: Split): DegreeProbe {
  const C = model.nOut, len = split.n * C;
  const z1 = Float64Array.from(model.forward(params, split).logits.subarray(0, len)); // the forward's buffer is reused below
  const doubled: Params = {};
  for (const [name, t] of Object.entries(params)) {
    const d = new (t.data.constructor as Float32ArrayConstructor)(t.data.length); // Float64Array for float64 runs
    for (let i = 0; i < d.length; i++) d[i] = 2 * t.data[i];
    doubled[name] = { shape: t.shape, data: d };
  }
  const z2 = model.forward(doubled, split).logits;
  let big = 0, at = -1;
  for (let i = 0; i < len; i++) if (Math.abs(z1[i]) > big) (big = Math.abs(z1[i])), (at = i);
  if (!(big > 0) || !Number.isFinite(big)) return { degree: null, why: "its logits are all zero or not finite, so the degree of homogeneity cannot be probed" };
  const log2 = Math.log2(z2[at] / z1[at]);
  const degree = Math.round(log2);
  const notHomogeneous = { degree: null, why: `is not positively homogeneous: doubling the parameters does not scale the logits by a power of 2 (model "${model.name}"; a bias, or a GELU/tanh activation, breaks it)` } as const;
  if (!(Math.abs(log2 - degree) < 1e-3) || degree < 1 || degree > MAX_DEGREE) return notHomogeneous;
  const s = 2 ** degree, tol = PROBE_TOLERANCE * s * big;
  for (let i = 0; i < len; i++) if (!(Math.abs(z2[i] - s * z1[i]) <= tol)) return notHomogeneous;
  return { degree };
}

/** The probe's answer per model: the degree is a property of the architecture, so it is probed once. */
const degrees = new WeakMap<Model, DegreeProbe>();

/** α of the model (probed on the training split at the first call with non-zero logits), or why it has none. */
export function homogeneityDegree(model: Model, params: Params, data: Dataset): DegreeProbe {
  const known = degrees.get(model);
  if (known) return known;
  const probe = probeDegree(model, params, data.train);
  // all-zero logits say nothing about the architecture: probe again at the next call
  if (probe.degree !== null || !probe.why.startsWith("its logits")) degrees.set(model, probe);
  return probe;
}

function degreeOf(ctx: MeasureContext, measure: string): number {
  const probe = homogeneityDegree(ctx.model, ctx.params, ctx.data);
  if (probe.degree === null) throw new Error(`measure "${measure}": the model ${probe.why}`);
  return probe.degree;
}

/** ‖θ‖^α: the norm scale that makes logit / norm invariant to θ → cθ. */
function normScale(params: Params, degree: number): number {
  return totalNorm(params) ** degree;
}

function statsOn(ctx: MeasureContext, split: Split): { logit: number; margin: number } {
  return correctLogitStats(ctx.model.forward(ctx.params, split).logits, split.y, ctx.model.nOut);
}

/** `efficiency/logit` and `efficiency/margin`: mean centered correct logit and mean margin on the training set, / ‖θ‖^α. */
export function efficiencyTotal(ctx: MeasureContext): Record<string, number> {
  const scale = normScale(ctx.params, degreeOf(ctx, "efficiency/logit"));
  const train = statsOn(ctx, ctx.data.train);
  return { "efficiency/logit": train.logit / scale, "efficiency/margin": train.margin / scale };
}

/** `efficiency/gen` (held-out pairs' ℓ / ‖θ‖^α) and `efficiency/mem` (training minus held-out, / ‖θ‖^α). */
export function efficiencyCircuits(ctx: MeasureContext): Record<string, number> {
  const scale = normScale(ctx.params, degreeOf(ctx, "efficiency/gen"));
  const train = statsOn(ctx, ctx.data.train).logit; // a number, read before the next forward reuses the logits buffer
  const test = statsOn(ctx, ctx.data.test).logit;
  return { "efficiency/gen": test / scale, "efficiency/mem": (train - test) / scale };
}

const homogeneous = (model: Model, data: Dataset, params: Params): string | null => {
  const probe = homogeneityDegree(model, params, data);
  return probe.degree === null ? probe.why : null;
};

/** The measures of this module, keyed by registry name (the lead registers them). */
export const EFFICIENCY_MEASURES: Readonly<Record<string, MeasureDef>> = {
  "efficiency/logit": {
    describe: "circuit efficiency: mean centered correct-class logit (and margin) on the training set per ‖θ‖^α, α the degree of homogeneity (Varma et al. 2023)",
    appliesTo: homogeneous,
    compute: efficiencyTotal,
  },
  "efficiency/gen": {
    describe: "efficiency split into the generalizing part (correct logit on held-out pairs per ‖θ‖^α) and the memorizing rest, efficiency/mem (Varma et al. 2023)",
    appliesTo: (model, data, params) =>
      data.test === data.train || data.test.n === 0 ? "needs held-out examples (train_fraction 1 leaves none: the test split is the training split)" : homogeneous(model, data, params),
    compute: efficiencyCircuits,
  },
};
