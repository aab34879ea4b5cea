import type { Graph, Var } from "../graph.js";
import { fold } from "../../tensor/rng.js";

/**
 * Inverted dropout (Srivastava et al. 2014): in a training forward each value is zeroed with probability p and the
 * rest scaled by 1/(1 − p); outside training it is the identity. The mask is a pure function of the forward's
 * training key (one per step, from the run's seed) and `label`, so a resumed run draws the same masks.
 */
export function dropout(g: Graph, x: Var, p: number, label: string): Var {
  if (!(p >= 0 && p < 1)) throw new Error(`autograd dropout: p must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const key = g.drawKey();
  if (key === null) return x;
  const mask = g.buffer("dropout.mask", x.data.length);
  const out = g.buffer("dropout", x.data.length);
  g.backend.dropoutMask(out.length, fold(key, `dropout/${label}`), p, mask); // 0 where uniform(k, i) < p, else 1/(1 − p)
  g.backend.mulArrays(out.length, x.data, mask, out, false);
  return g.record(x.shape, out, [x], (dOut) => {
    const t = g.grad(x);
    if (!t) return;
    g.backend.mulArrays(out.length, dOut, mask, t.data, t.accumulate);
  });
}
