import type { Backend } from "../tensor/backend.js";
import { fold, normals, type Key } from "../tensor/rng.js";
import type { Params } from "../tensor/tensor.js";
import { Graph, type Var } from "./graph.js";

/**
 * Checks the VJPs of a function built from autograd ops against central finite differences, in float64 (pass the
 * float64 backend). The function maps named parameter leaves to one output; the check differentiates the probe loss
 * L = Σ c ∘ out + ½ Σ out² (c random, fixed by the key), which has curvature, so a wrong VJP cannot hide behind a
 * zero second derivative. Every coordinate of small inputs is checked, `maxCoords` spread ones of larger inputs.
 * Returns the worst error relative to the largest gradient; throws with the coordinate when it exceeds `rtol`.
 */
export function gradCheck(
  backend: Backend,
  inputs: Params,
  f: (g: Graph, x: Readonly<Record<string, Var>>) => Var,
  key: Key,
  opts: { eps?: number; rtol?: number; maxCoords?: number } = {},
): number {
  const { eps = 1e-6, rtol = 1e-7, maxCoords = 60 } = opts;
  const g = new Graph(backend);
  const run = (): Var => {
    g.begin();
    const vars: Record<string, Var> = {};
    for (const [name, t] of Object.entries(inputs)) vars[name] = g.param(name, t.shape, t.data);
    return f(g, vars);
  };
  const out0 = run();
  const c = normals(fold(key, "probe"), out0.data.length);
  const lossOf = (out: Float32Array): number => {
    let s = 0;
    for (let i = 0; i < out.length; i++) s += c[i] * out[i] + 0.5 * out[i] * out[i];
    return s;
  };
  const dOut = backend.alloc(out0.data.length);
  for (let i = 0; i < dOut.length; i++) dOut[i] = c[i] + out0.data[i];
  const grads: Params = {};
  for (const [name, t] of Object.entries(inputs)) grads[name] = { shape: t.shape, data: backend.alloc(t.data.length) };
  g.backward(out0, dOut, grads);
  let scale = 0;
  for (const t of Object.values(grads)) for (const v of t.data) scale = Math.max(scale, Math.abs(v));
  if (!(scale > 0)) throw new Error("gradCheck: every gradient is zero, the check would be vacuous");
  let worst = 0;
  for (const [name, t] of Object.entries(inputs)) {
    const n = t.data.length;
    const coords = n <= maxCoords ? [...Array(n).keys()] : Array.from({ length: maxCoords }, (_, i) => Math.floor(((i + 0.5) / maxCoords) * n));
    for (const i of coords) {
      const orig = t.data[i];
      t.data[i] = orig + eps;
      const up = lossOf(run().data);
      t.data[i] = orig - eps;
      const down = lossOf(run().data);
      t.data[i] = orig;
      const fd = (up - down) / (2 * eps);
      const err = Math.abs(fd - grads[name].data[i]) / scale;
      worst = Math.max(worst, err);
      if (err > rtol) throw new Error(`gradCheck: d/d${name}[${i}] autograd ${grads[name].data[i]} vs finite difference ${fd} (error ${err.toExponential(2)} of the largest gradient)`);
    }
  }
  return worst;
}
