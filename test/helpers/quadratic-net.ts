/**
 * The quadratic network f(x) = Σ_k a_k (w_k·x)² (width m, inputs x ∈ R^d, one output) on Gaussian inputs, fitted by
 * MSE to a teacher of the same family: the model whose learning coefficient src/measures/llc/quadratic-net.ts gives
 * in closed form. float64 throughout, for the LLC tests.
 */
import type { Model } from "../../src/models/model.js";
import type { DenseSplit } from "../../src/tasks/dataset.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { fold, normals, type Key } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";

export const backend = createFloat64Backend();
const f64 = (n: number) => backend.alloc(n);

/** Parameters W [m, d] (row k is w_k) and a [m]. */
export function quadraticParams(W: readonly (readonly number[])[], a: readonly number[]): Params {
  const m = a.length, d = W[0].length;
  const w = f64(m * d), av = f64(m);
  for (let k = 0; k < m; k++) {
    av[k] = a[k];
    for (let j = 0; j < d; j++) w[k * d + j] = W[k][j];
  }
  return { W: { shape: [m, d], data: w }, a: { shape: [m], data: av } };
}

/** Random parameters: w_k ~ N(0, I_d), a_k = ±1 with the given signs (the signature is what a generic point keeps). */
export function randomQuadraticParams(key: Key, d: number, signs: readonly number[]): Params {
  const z = normals(fold(key, "W"), signs.length * d);
  const rows = signs.map((_, k) => Array.from(z.subarray(k * d, (k + 1) * d)));
  return quadraticParams(rows, signs);
}

function quadratic(p: Params, x: ArrayLike<number>, xo: number, d: number): number {
  const W = p.W.data, a = p.a.data, m = a.length;
  let f = 0;
  for (let k = 0; k < m; k++) {
    let h = 0;
    for (let j = 0; j < d; j++) h += W[k * d + j] * x[xo + j];
    f += a[k] * h * h;
  }
  return f;
}

/**
 * Inputs x_i ~ N(0, I_d) and targets y_i = f_teacher(x_i) (noise-free: the teacher is realizable). The split's rows
 * are [x_i, y_i] and the model's one output is 1 + f(x_i) − y_i, so its MSE to the one-hot target 1 is mean (f − y)².
 */
export function teacherData(key: Key, teacher: Params, n: number): DenseSplit {
  const d = teacher.W.shape[1];
  const z = normals(fold(key, "x"), n * d);
  const rows = f64(n * (d + 1));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) rows[i * (d + 1) + j] = z[i * d + j];
    rows[i * (d + 1) + d] = quadratic(teacher, rows, i * (d + 1), d);
  }
  return { n, x: rows, y: new Int32Array(n) };
}

export function quadraticNetModel(d: number, m: number): Model {
  return {
    name: `quadratic[d=${d}, m=${m}]`,
    nOut: 1,
    init: () => quadraticParams(Array.from({ length: m }, () => new Array<number>(d).fill(0)), new Array<number>(m).fill(0)),
    forward(params, split) {
      const x = split.x as Float32Array, Z = f64(split.n);
      for (let i = 0; i < split.n; i++) Z[i] = 1 + quadratic(params, x, i * (d + 1), d) - x[i * (d + 1) + d];
      return { logits: Z, cache: {} };
    },
    backward(params, split, _fwd, dZ, grads) {
      const W = params.W.data, a = params.a.data, x = split.x as Float32Array, gW = grads.W.data, ga = grads.a.data;
      gW.fill(0);
      ga.fill(0);
      for (let i = 0; i < split.n; i++) {
        const o = i * (d + 1);
        for (let k = 0; k < m; k++) {
          let h = 0;
          for (let j = 0; j < d; j++) h += W[k * d + j] * x[o + j];
          ga[k] += dZ[i] * h * h; // ∂f/∂a_k = h_k²
          const c = 2 * dZ[i] * a[k] * h; // ∂f/∂w_k = 2 a_k h_k x
          for (let j = 0; j < d; j++) gW[k * d + j] += c * x[o + j];
        }
      }
    },
  };
}
