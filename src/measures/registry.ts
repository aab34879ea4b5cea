/**
 * Every measure a spec can name. A measure returning a number is recorded under its registry name; one returning a
 * record under the record's own (namespaced) keys. Adding a measure is one file plus one line here.
 */
import { fourierIpr } from "./fourier.js";
import { MeasureNotApplicable, type MeasureContext, type MeasureDef } from "./measure.js";
import type { Model } from "../models/model.js";
import type { Dataset } from "../tasks/dataset.js";
import type { Params } from "../tensor/tensor.js";
import { weightNormMeasure } from "./weights.js";
import { fiveNeuronGeometryMeasure } from "./five-neuron.js";
import { LLC_MEASURES, llcMeasure, type LlcSettingsInput } from "./llc.js";
import { RANK_MEASURES } from "./rank.js";
import { COMPLEXITY_MEASURES } from "./complexity.js";
import { EFFICIENCY_MEASURES } from "./efficiency.js";
import { CORRUPTION_MEASURES } from "./corruption.js";
import { SURFING_MEASURES } from "./surfing.js";
import { FOURIER_CIRCUIT_MEASURES } from "./fourier-circuit.js";
import { STABILITY_MEASURES } from "./stability.js";
import { ATTENTION_MEASURES } from "./attention.js";
import { LOGIT_LENS_MEASURES } from "./logit-lens.js";
import { LLC_ANALYTIC_MEASURES } from "./llc-analytic.js";

const modularOnly = (_m: Model, data: Dataset): string | null => (typeof data.meta.p === "number" ? null : `needs a modular-arithmetic task (task "${data.name}" has no modulus p)`);
const hasTensor = (name: string) => (_m: Model, _d: Dataset, params: Params): string | null => (params[name] ? null : `needs a tensor "${name}" (the model has ${Object.keys(params).join(", ")})`);

export const MEASURES: Readonly<Record<string, MeasureDef>> = {
  "weights/norm": { describe: "total and per-tensor L2 norm of the parameters (the quantity weight decay shrinks)", compute: weightNormMeasure },
  "fourier/ipr": {
    describe: "mean neuron inverse participation ratio (r = 2) of U's rows over the p inputs (Doshi et al. 2024)",
    appliesTo: (m, d, p) => modularOnly(m, d) ?? hasTensor("U")(m, d, p),
    compute: fourierIpr(),
  },
  // Fourier spectrum, key frequencies, Gini, Nanda's restricted and excluded loss.
  ...FOURIER_CIRCUIT_MEASURES,
  "five_neuron/geometry": {
    describe: "neuron angles, gaps, norms and output/input rotation of the PAIR five-neuron model",
    appliesTo: (m) => (m.name === "five_neuron" ? null : `needs the five_neuron model (the run's model is "${m.name}")`),
    compute: fiveNeuronGeometryMeasure,
  },
  // Share of the prediction position's attention on the operands (Nanda et al. 2023).
  ...ATTENTION_MEASURES,
  // Each block's residual decoded by the unembedding (logit lens), on the ID and OOD tests.
  ...LOGIT_LENS_MEASURES,
  // Softmax Collapse fraction and the cosine with naive loss minimization (Prieto et al. 2025).
  ...STABILITY_MEASURES,
  // Effective rank of each weight matrix and of the hidden representation; relative change from init (regime).
  ...RANK_MEASURES,
  // Compressed bits of the weights within a loss bound (DeMoss et al. 2024); settings from measure_settings.complexity.
  ...COMPLEXITY_MEASURES,
  // Logit per unit parameter norm^degree, on train and held-out pairs (Varma et al. 2023).
  ...EFFICIENCY_MEASURES,
  // Train accuracy on clean and on label-corrupted examples, and inversion (Doshi et al. 2024).
  ...CORRUPTION_MEASURES,
  // Path length, orthogonal fraction and norm change while the train loss is near zero (a per-step tracker).
  ...SURFING_MEASURES,
  // Local learning coefficient by localized SGLD; settings from the spec's measure_settings.llc.
  llc: { ...LLC_MEASURES.llc, compute: (ctx) => llcMeasure((ctx.settings?.llc ?? {}) as LlcSettingsInput).compute(ctx) },
  // Learning-coefficient bounds of the quadratic net from the Jacobian rank (SLT); gromov + MSE, small sizes only.
  ...LLC_ANALYTIC_MEASURES,
};

export const MEASURE_NAMES: readonly string[] = Object.keys(MEASURES);

/** The measure registered under `name`; the error lists the known names. */
export function getMeasure(name: string): MeasureDef {
  if (!Object.hasOwn(MEASURES, name)) throw new Error(`measure: unknown measure "${name}" (known: ${MEASURE_NAMES.join(", ")})`);
  return MEASURES[name];
}

/**
 * The measure names a list stands for: exact names, namespaces ("fourier" → every "fourier/…" measure) and "all".
 * Throws naming an entry that matches nothing.
 */
export function expandMeasureNames(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    const matches = name === "all" ? MEASURE_NAMES.filter((m) => MEASURES[m].inAll !== false) : Object.hasOwn(MEASURES, name) ? [name] : MEASURE_NAMES.filter((m) => m.startsWith(`${name}/`));
    if (matches.length === 0) throw new Error(`measures: unknown measure "${name}" (known: all, ${MEASURE_NAMES.join(", ")})`);
    for (const m of matches) out.add(m);
  }
  return [...out];
}

/**
 * The measures of a list (names, namespaces, "all") that apply to this model and task. What "all" brings in is
 * kept only where it applies; a measure named or namespaced explicitly that does not apply throws MeasureNotApplicable.
 */
export function resolveMeasures(names: readonly string[], model: Model, data: Dataset, params: Params): string[] {
  const explicit = new Set(expandMeasureNames(names.filter((n) => n !== "all")));
  const out: string[] = [];
  for (const name of expandMeasureNames(names)) {
    const why = getMeasure(name).appliesTo?.(model, data, params) ?? null;
    if (why === null) out.push(name);
    else if (explicit.has(name)) throw new MeasureNotApplicable(`measures: "${name}" does not apply to this run: it ${why}`);
  }
  return out;
}

/** Runs a measure and returns its values keyed by metric name (a plain number is keyed by `name`). */
export function runMeasure(name: string, measure: MeasureDef, ctx: MeasureContext): Record<string, number> {
  const v = measure.compute(ctx);
  return typeof v === "number" ? { [name]: v } : { ...v };
}
