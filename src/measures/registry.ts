/**
 * Every measure a spec can name, gathered from one line per topic: each topic is a folder (fourier/, weights/, rank/,
 * llc/, …) whose index.ts exports a MeasureGroup (measure.ts) — its measures by registry name, each with a one-line
 * `describe` and `compute`, and the zod schema of the topic's `measure_settings.<key>` where it has settings. A measure
 * returning a number is recorded under its registry name; one returning a record under the record's own (namespaced)
 * keys. Adding a measure is one file in its topic's folder plus one line in the folder's index.ts; adding a topic is a
 * folder plus one line in MEASURE_GROUPS (a topic with settings is also named in src/runs/spec.ts's MEASURE_SETTINGS,
 * which spec normalization still uses to parse `measure_settings`).
 */
import type { z } from "zod";
import { MeasureNotApplicable, type MeasureContext, type MeasureDef, type MeasureGroup } from "./measure.js";
import type { Model } from "../models/model.js";
import type { Dataset } from "../tasks/dataset.js";
import type { Params } from "../tensor/tensor.js";
import { WEIGHTS } from "./weights/index.js";
import { FOURIER } from "./fourier/index.js";
import { CIRCUITS } from "./circuits/index.js";
import { STABILITY } from "./stability/index.js";
import { RANK } from "./rank/index.js";
import { COMPLEXITY } from "./complexity/index.js";
import { EFFICIENCY } from "./efficiency/index.js";
import { MEMORIZATION } from "./memorization/index.js";
import { DYNAMICS } from "./dynamics/index.js";
import { LLC } from "./llc/index.js";

/** One line per topic; the order is the order of MEASURE_NAMES (and of what "all" computes). */
export const MEASURE_GROUPS: readonly MeasureGroup[] = [
  WEIGHTS, // weights/norm
  FOURIER, // fourier/…: neuron IPR, spectrum, key frequencies, Gini, restricted and excluded loss
  CIRCUITS, // five_neuron/geometry, attention/…, logit_lens/…
  STABILITY, // stability/…: Softmax Collapse, naive-loss-minimization cosine (Prieto et al. 2025)
  RANK, // rank/…: effective ranks, relative weight change (regime)
  COMPLEXITY, // complexity/…: compressed bits within a loss bound (DeMoss et al. 2024)
  EFFICIENCY, // efficiency/…: logit per unit parameter norm^degree (Varma et al. 2023)
  MEMORIZATION, // corruption/…: clean and corrupted train accuracy, inversion (Doshi et al. 2024)
  DYNAMICS, // surfing/…: motion along near-zero-loss weights
  LLC, // llc, llc/rank_bound: local learning coefficient (SGLD) and analytic bounds
];

export const MEASURES: Readonly<Record<string, MeasureDef>> = Object.fromEntries(
  MEASURE_GROUPS.flatMap((g) => Object.entries(g.measures)),
);
if (Object.keys(MEASURES).length !== MEASURE_GROUPS.reduce((n, g) => n + Object.keys(g.measures).length, 0)) {
  throw new Error("measures: two groups register the same measure name");
}

/** The settings schemas of the topics that take `measure_settings.<key>`, by key. */
export const MEASURE_SETTINGS_SCHEMAS: Readonly<Record<string, z.ZodType>> = Object.fromEntries(
  MEASURE_GROUPS.flatMap((g) => (g.settings ? [[g.settings.key, g.settings.schema]] : [])),
);

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
