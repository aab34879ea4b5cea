/** Weight norms: the quantity weight decay shrinks, and a simple complexity proxy (Liu et al. 2023, Omnigrok). */
import { l2Norm, type Params } from "../../tensor/tensor.js";
import type { Measure } from "../measure.js";

/** `weights/norm` = sqrt(Σ over all tensors of Σ w²) and `weights/norm/<name>` per tensor, accumulated in float64. */
export function weightNorms(params: Params): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [name, t] of Object.entries(params)) {
    const n = l2Norm(t.data);
    out[`weights/norm/${name}`] = n;
    total += n * n;
  }
  return { "weights/norm": Math.sqrt(total), ...out };
}

export const weightNormMeasure: Measure = (ctx) => weightNorms(ctx.params);
