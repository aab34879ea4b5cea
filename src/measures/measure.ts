/**
 * A measure is a pure function of the model's state at one step: it reads the parameters (and, if it needs to, the
 * dataset and the model's forward pass) and returns one number or a record of numbers. Metric keys are namespaced
 * (`fourier/ipr`, `weights/norm/U`): a number is recorded under the measure's registry name, a record under its own keys.
 */
import type { Model } from "../models/model.js";
import type { Dataset } from "../tasks/dataset.js";
import type { Params } from "../tensor/tensor.js";

export interface MeasureContext {
  readonly params: Params;
  readonly data: Dataset;
  readonly model: Model;
  /** Updates taken so far (0 = initialization). */
  readonly step: number;
}

export type MeasureValue = number | Readonly<Record<string, number>>;

export type Measure = (ctx: MeasureContext) => MeasureValue;

/** The tensor `name` of the context's params; the error names the measure, the model and the tensors it has. */
export function paramOf(ctx: MeasureContext, measure: string, name: string): Params[string] {
  const t = ctx.params[name];
  if (!t) throw new Error(`measure "${measure}": model "${ctx.model.name}" has no tensor "${name}" (it has ${Object.keys(ctx.params).join(", ")})`);
  return t;
}
