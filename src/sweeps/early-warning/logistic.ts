/**
 * L2-penalized logistic regression fitted by Newton's method (iteratively reweighted least squares, Hastie,
 * Tibshirani & Friedman, "The Elements of Statistical Learning", §4.4.1, eq. 4.26) in float64. Minimizes
 *   J(b, w) = Σᵢ [softplus(zᵢ) − yᵢ zᵢ] + (λ/2)‖w‖²,  zᵢ = b + w·xᵢ,
 * the intercept b unpenalized. J is convex; each Newton step is halved until J decreases, so the iteration
 * converges for any λ > 0 (with λ = 0 and separable classes the MLE does not exist and `converged` stays false).
 */
import { solveSpd } from "./stats.js";

export interface LogisticFit {
  readonly intercept: number;
  readonly weights: readonly number[];
  readonly converged: boolean;
  readonly iterations: number;
}

export interface LogisticOptions {
  readonly maxIterations?: number;
  /** Stop when the largest coordinate of the Newton step is below this. */
  readonly tolerance?: number;
}

const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function objective(X: readonly (readonly number[])[], y: readonly number[], theta: Float64Array, l2: number): number {
  const d = theta.length - 1;
  let J = 0;
  for (let i = 0; i < X.length; i++) {
    let z = theta[0];
    for (let j = 0; j < d; j++) z += theta[j + 1] * X[i][j];
    J += softplus(z) - y[i] * z;
  }
  for (let j = 1; j <= d; j++) J += 0.5 * l2 * theta[j] * theta[j];
  return J;
}

/** Fits P(y = 1 | x) = σ(b + w·x) to rows `X` ([n][d]) and labels `y` (0 or 1). */
export function fitLogistic(X: readonly (readonly number[])[], y: readonly number[], l2: number, opts: LogisticOptions = {}): LogisticFit {
  const n = X.length;
  if (n === 0) throw new Error("fitLogistic: no rows");
  if (y.length !== n) throw new Error(`fitLogistic: ${n} rows but ${y.length} labels`);
  if (!(l2 >= 0)) throw new Error(`fitLogistic: l2 must be ≥ 0, got ${l2}`);
  const d = X[0].length, m = d + 1;
  for (let i = 0; i < n; i++) {
    if (X[i].length !== d) throw new Error(`fitLogistic: row ${i} has ${X[i].length} features, row 0 has ${d}`);
    if (y[i] !== 0 && y[i] !== 1) throw new Error(`fitLogistic: label ${i} is ${y[i]}, not 0 or 1`);
  }
  const maxIt = opts.maxIterations ?? 100, tol = opts.tolerance ?? 1e-10;
  const theta = new Float64Array(m);
  let J = objective(X, y, theta, l2);
  for (let it = 1; it <= maxIt; it++) {
    const g = new Float64Array(m), H = new Float64Array(m * m);
    for (let i = 0; i < n; i++) {
      let z = theta[0];
      for (let j = 0; j < d; j++) z += theta[j + 1] * X[i][j];
      const p = sigmoid(z), w = p * (1 - p);
      for (let a = 0; a < m; a++) {
        const fa = a === 0 ? 1 : X[i][a - 1];
        g[a] += (p - y[i]) * fa;
        for (let b = 0; b <= a; b++) H[a * m + b] += w * fa * (b === 0 ? 1 : X[i][b - 1]);
      }
    }
    for (let a = 1; a < m; a++) {
      g[a] += l2 * theta[a];
      H[a * m + a] += l2;
    }
    for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) H[a * m + b] = H[b * m + a];
    // Saturated fits make H nearly singular along the intercept; a relative jitter keeps the solve defined.
    for (let a = 0; a < m; a++) H[a * m + a] += 1e-12 * (1 + H[a * m + a]);
    const step = solveSpd(H, g, m);
    if (step === null) return { intercept: theta[0], weights: Array.from(theta.subarray(1)), converged: false, iterations: it };
    let t = 1, next = new Float64Array(m), Jn = Infinity;
    for (let halvings = 0; halvings < 60; halvings++, t /= 2) {
      for (let a = 0; a < m; a++) next[a] = theta[a] - t * step[a];
      Jn = objective(X, y, next, l2);
      if (Jn <= J) break;
    }
    let maxStep = 0;
    for (let a = 0; a < m; a++) maxStep = Math.max(maxStep, Math.abs(t * step[a]));
    if (!(Jn <= J)) return { intercept: theta[0], weights: Array.from(theta.subarray(1)), converged: maxStep < tol, iterations: it };
    theta.set(next);
    J = Jn;
    if (maxStep < tol) return { intercept: theta[0], weights: Array.from(theta.subarray(1)), converged: true, iterations: it };
  }
  return { intercept: theta[0], weights: Array.from(theta.subarray(1)), converged: false, iterations: maxIt };
}

/** σ(b + w·x). */
export function logisticProbability(fit: Pick<LogisticFit, "intercept" | "weights">, x: readonly number[]): number {
  let z = fit.intercept;
  for (let j = 0; j < fit.weights.length; j++) z += fit.weights[j] * x[j];
  return sigmoid(z);
}
