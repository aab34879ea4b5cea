import type { Params } from "../tensor/tensor.js";

/** The first parameter holding NaN or ±Inf, or null. */
export function nonFiniteTensor(params: Params): string | null {
  for (const [name, p] of Object.entries(params)) {
    const d = p.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return name;
  }
  return null;
}
