import type { Graph, Var } from "../graph.js";
import { cols, rows } from "./shape.js";

/** Reductions (accumulated in float64) and row-wise softmax. */

/** Σ x → a scalar [1]. */
export function sum(g: Graph, x: Var): Var {
  return scaledSum(g, x, 1, "sum");
}

/** mean(x) → a scalar [1]. */
export function mean(g: Graph, x: Var): Var {
  return scaledSum(g, x, 1 / x.data.length, "mean");
}

function scaledSum(g: Graph, x: Var, c: number, tag: string): Var {
  let s = 0;
  for (let i = 0; i < x.data.length; i++) s += x.data[i];
  const out = g.buffer(tag, 1);
  out[0] = s * c;
  return g.record([1], out, [x], (dOut) => {
    const t = g.grad(x);
    if (!t) return;
    const v = dOut[0] * c;
    if (t.accumulate) for (let i = 0; i < t.data.length; i++) t.data[i] += v;
    else t.data.fill(v);
  });
}

/** Row i's maximum m and Σ_j exp(x_j − m), in float64. */
function rowMaxAndSum(x: Float32Array, o: number, C: number): { m: number; s: number } {
  let m = -Infinity;
  for (let j = 0; j < C; j++) if (x[o + j] > m) m = x[o + j];
  let s = 0;
  for (let j = 0; j < C; j++) s += Math.exp(x[o + j] - m);
  return { m, s };
}

/** Softmax over the last axis, max-subtracted, sums in float64. VJP: dx = y ∘ (g − Σ_j g_j y_j) per row. */
export function softmax(g: Graph, x: Var): Var {
  const n = rows(x), C = cols(x);
  const out = g.buffer("softmax", x.data.length);
  for (let i = 0; i < n; i++) {
    const o = i * C, { m, s } = rowMaxAndSum(x.data, o, C);
    for (let j = 0; j < C; j++) out[o + j] = Math.exp(x.data[o + j] - m) / s;
  }
  return g.record(x.shape, out, [x], (dOut) => {
    const t = g.grad(x);
    if (!t) return;
    for (let i = 0; i < n; i++) {
      const o = i * C;
      let dot = 0;
      for (let j = 0; j < C; j++) dot += dOut[o + j] * out[o + j];
      for (let j = 0; j < C; j++) {
        const v = out[o + j] * (dOut[o + j] - dot);
        t.data[o + j] = t.accumulate ? t.data[o + j] + v : v;
      }
    }
  });
}

/** log softmax over the last axis: x − logsumexp(x) per row, in float64. VJP: dx = g − softmax(x) Σ_j g_j. */
export function logSoftmax(g: Graph, x: Var): Var {
  const n = rows(x), C = cols(x);
  const out = g.buffer("logSoftmax", x.data.length);
  for (let i = 0; i < n; i++) {
    const o = i * C, { m, s } = rowMaxAndSum(x.data, o, C);
    const lse = m + Math.log(s);
    for (let j = 0; j < C; j++) out[o + j] = x.data[o + j] - lse;
  }
  return g.record(x.shape, out, [x], (dOut) => {
    const t = g.grad(x);
    if (!t) return;
    for (let i = 0; i < n; i++) {
      const o = i * C;
      let s = 0;
      for (let j = 0; j < C; j++) s += dOut[o + j];
      for (let j = 0; j < C; j++) {
        const v = dOut[o + j] - Math.exp(out[o + j]) * s;
        t.data[o + j] = t.accumulate ? t.data[o + j] + v : v;
      }
    }
  });
}
