import type { Graph, Var } from "../graph.js";
import { activate, activationDerivative, type Activation } from "../../tensor/kernels/activations.js";
import { cols, rows, sameShape } from "./shape.js";

/** Elementwise ops over values of one shape. Each VJP writes (or adds) its inputs' gradients. */

/** Passes g · factor (factor per element, or 1 when null) to x's gradient. */
function passGrad(g: Graph, x: Var, dOut: Float32Array, factor: ((i: number) => number) | null): void {
  if (!factor) return g.passThrough(x, dOut);
  const t = g.grad(x);
  if (!t) return;
  const d = t.data, n = d.length;
  if (t.accumulate) for (let i = 0; i < n; i++) d[i] += dOut[i] * factor(i);
  else for (let i = 0; i < n; i++) d[i] = dOut[i] * factor(i);
}

export function add(g: Graph, a: Var, b: Var): Var {
  sameShape("add", a, b);
  const out = g.buffer("add", a.data.length);
  g.backend.addArrays(out.length, a.data, b.data, out);
  return g.record(a.shape, out, [a, b], (dOut) => {
    passGrad(g, a, dOut, null);
    passGrad(g, b, dOut, null);
  });
}

export function sub(g: Graph, a: Var, b: Var): Var {
  sameShape("sub", a, b);
  const out = g.buffer("sub", a.data.length), x = a.data, y = b.data, n = out.length;
  for (let i = 0; i < n; i++) out[i] = x[i] - y[i];
  return g.record(a.shape, out, [a, b], (dOut) => {
    passGrad(g, a, dOut, null);
    passGrad(g, b, dOut, () => -1);
  });
}

/** a ∘ b (Hadamard product). */
export function mul(g: Graph, a: Var, b: Var): Var {
  sameShape("mul", a, b);
  const out = g.buffer("mul", a.data.length), x = a.data, y = b.data, n = out.length;
  for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
  return g.record(a.shape, out, [a, b], (dOut) => {
    passGrad(g, a, dOut, (i) => y[i]);
    passGrad(g, b, dOut, (i) => x[i]);
  });
}

/** c · x for a constant number c. */
export function scale(g: Graph, x: Var, c: number): Var {
  const out = g.buffer("scale", x.data.length), v = x.data, n = out.length;
  for (let i = 0; i < n; i++) out[i] = c * v[i];
  return g.record(x.shape, out, [x], (dOut) => passGrad(g, x, dOut, () => c));
}

/** x² elementwise (Gromov's quadratic activation). */
export function square(g: Graph, x: Var): Var {
  return activation(g, x, "square");
}

export function relu(g: Graph, x: Var): Var {
  return activation(g, x, "relu");
}

export function gelu(g: Graph, x: Var): Var {
  return activation(g, x, "gelu");
}

export function tanh(g: Graph, x: Var): Var {
  return activation(g, x, "tanh");
}

/**
 * f(x) for a pointwise nonlinearity (relu, gelu — tanh form —, tanh, square), see tensor/kernels/activations.ts.
 * ReLU runs on the backend's kernels (ReLU′(0) = 0, as PyTorch).
 */
export function activation(g: Graph, x: Var, kind: Activation): Var {
  const out = g.buffer(kind, x.data.length);
  const n = rows(x), d = cols(x);
  if (kind === "relu") g.backend.biasRelu(n, d, x.data, null, out);
  else activate(kind, x.data, out, out.length);
  return g.record(x.shape, out, [x], (dOut) => {
    if (kind === "relu" && g.adoptGrad(x, dOut)) {
      g.backend.reluBackward(n, d, x.data, dOut, null); // masked in place: x's gradient is this buffer now
      return;
    }
    const t = g.grad(x);
    if (!t) return;
    if (kind === "relu" && !t.accumulate) {
      t.data.set(dOut);
      g.backend.reluBackward(n, d, x.data, t.data, null);
      return;
    }
    const fprime = g.scratch(x, kind, x.data.length);
    activationDerivative(kind, x.data, out, fprime, fprime.length);
    if (t.accumulate) for (let i = 0; i < fprime.length; i++) t.data[i] += dOut[i] * fprime[i];
    else for (let i = 0; i < fprime.length; i++) t.data[i] = dOut[i] * fprime[i];
  });
}

/**
 * x + tile(p): p [T, d] added to each block of T rows of x [n·T, d] (positional embeddings added to every sequence).
 * VJP: dx = g, dp = Σ over sequences of g's blocks.
 */
export function addTiled(g: Graph, x: Var, p: Var): Var {
  const d = cols(p), T = rows(p);
  if (cols(x) !== d || rows(x) % T !== 0) throw new Error(`autograd addTiled: [${x.shape.join(", ")}] is not sequences of [${p.shape.join(", ")}]`);
  const n = rows(x) / T, block = T * d;
  const out = g.buffer("addTiled", x.data.length);
  out.set(x.data);
  g.backend.addRowVector(n, block, out, p.data);
  return g.record(x.shape, out, [x, p], (dOut) => {
    const tp = g.grad(p);
    if (tp) {
      // dp[t] += g[i·T + t] for sequences i in order: a scatter-add of g's rows onto p's rows 0 … T−1, 0 … T−1, …
      if (!tp.accumulate) tp.data.fill(0);
      g.backend.scatterRowsAdd(n * T, 1, d, dOut, tiledRows(n, T), 0, tp.data);
    }
    passGrad(g, x, dOut, null);
  });
}

const tiledRowsCache = new Map<string, Int32Array>();

/** Row numbers 0 … T−1 repeated n times (cached: index arrays stay fixed). */
function tiledRows(n: number, T: number): Int32Array {
  const key = `${n}/${T}`;
  let rows = tiledRowsCache.get(key);
  if (!rows) {
    if (tiledRowsCache.size > 16) tiledRowsCache.clear();
    rows = Int32Array.from({ length: n * T }, (_, i) => i % T);
    tiledRowsCache.set(key, rows);
  }
  return rows;
}
