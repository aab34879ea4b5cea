/**
 * Ridge regression (Hoerl & Kennard 1970; ESL §3.4.1, eq. 3.44) with an unpenalized intercept: x and y are
 * centered, w = (XᶜᵀXᶜ + λI)⁻¹ Xᶜᵀyᶜ, b = ȳ − x̄·w.
 */
import { solveSpd } from "./stats.js";

export interface RidgeFit {
  readonly intercept: number;
  readonly weights: readonly number[];
}

export function fitRidge(X: readonly (readonly number[])[], y: readonly number[], l2: number): RidgeFit {
  const n = X.length;
  if (n === 0) throw new Error("fitRidge: no rows");
  if (y.length !== n) throw new Error(`fitRidge: ${n} rows but ${y.length} targets`);
  if (!(l2 >= 0)) throw new Error(`fitRidge: l2 must be ≥ 0, got ${l2}`);
  const d = X[0].length;
  const mx = new Float64Array(d);
  let my = 0;
  for (let i = 0; i < n; i++) {
    if (X[i].length !== d) throw new Error(`fitRidge: row ${i} has ${X[i].length} features, row 0 has ${d}`);
    for (let j = 0; j < d; j++) mx[j] += X[i][j] / n;
    my += y[i] / n;
  }
  if (d === 0) return { intercept: my, weights: [] };
  const A = new Float64Array(d * d), b = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const yc = y[i] - my;
    for (let a = 0; a < d; a++) {
      const xa = X[i][a] - mx[a];
      b[a] += xa * yc;
      for (let c = 0; c < d; c++) A[a * d + c] += xa * (X[i][c] - mx[c]);
    }
  }
  for (let a = 0; a < d; a++) A[a * d + a] += l2;
  const w = solveSpd(A, b, d);
  if (w === null) throw new Error(`fitRidge: XᵀX is singular (${n} rows, ${d} features); use l2 > 0`);
  let intercept = my;
  for (let j = 0; j < d; j++) intercept -= mx[j] * w[j];
  return { intercept, weights: Array.from(w) };
}

export function ridgePredict(fit: RidgeFit, x: readonly number[]): number {
  let s = fit.intercept;
  for (let j = 0; j < fit.weights.length; j++) s += fit.weights[j] * x[j];
  return s;
}
