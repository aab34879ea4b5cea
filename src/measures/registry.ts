/**
 * Every measure a spec can name. A measure returning a number is recorded under its registry name; one returning a
 * record under the record's own (namespaced) keys. Adding a measure is one file plus one line here.
 */
import { fourierIpr } from "./fourier.js";
import type { Measure, MeasureContext } from "./measure.js";
import { weightNormMeasure } from "./weights.js";
import { fiveNeuronGeometryMeasure } from "./five-neuron.js";

export const MEASURES: Readonly<Record<string, Measure>> = {
  // Total and per-tensor L2 norm of the parameters.
  "weights/norm": weightNormMeasure,
  // Mean neuron inverse participation ratio (r = 2) of the one-sided spectrum of each row of U over the p inputs.
  "fourier/ipr": fourierIpr(),
  // Neuron angles, gaps, norms and output/input rotation ratio of the PAIR five-neuron model.
  "five_neuron/geometry": fiveNeuronGeometryMeasure,
};

export const MEASURE_NAMES: readonly string[] = Object.keys(MEASURES);

/** The measure registered under `name`; the error lists the known names. */
export function getMeasure(name: string): Measure {
  if (!Object.hasOwn(MEASURES, name)) throw new Error(`measure: unknown measure "${name}" (known: ${MEASURE_NAMES.join(", ")})`);
  return MEASURES[name];
}

/** Runs a measure and returns its values keyed by metric name (a plain number is keyed by `name`). */
export function runMeasure(name: string, measure: Measure, ctx: MeasureContext): Record<string, number> {
  const v = measure(ctx);
  return typeof v === "number" ? { [name]: v } : { ...v };
}
