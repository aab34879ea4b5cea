/** devinterp's normal-crossing polynomial models and their noise data, for the LLC tests (float64). */
import type { Model } from "../../src/models/model.js";
import type { DenseSplit } from "../../src/tasks/dataset.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { fold, keyFromSeed, normals } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";

export const backend = createFloat64Backend();
const f64 = (n: number) => backend.alloc(n);

/**
 * f(x) = x·∏ w_j^k_j as a one-output model whose MSE to the one-hot target 1 is devinterp's regression loss: the
 * split's x holds rows [x_i, y_i] and the output is 1 + x_i·u − y_i (u = ∏ w_j^k_j), so (output − 1)² = (x_i·u − y_i)².
 */
export function polynomialModel(powers: readonly number[]): Model {
  const d = powers.length;
  const product = (w: ArrayLike<number>, skip = -1) => {
    let u = 1;
    for (let j = 0; j < d; j++) u *= j === skip ? 1 : w[j] ** powers[j];
    return u;
  };
  return {
    name: `polynomial[${powers.join(",")}]`,
    nOut: 1,
    init: () => ({ w: { shape: [d], data: f64(d) } }),
    forward(params, split) {
      const u = product(params.w.data), x = split.x as Float32Array, Z = f64(split.n);
      for (let i = 0; i < split.n; i++) Z[i] = 1 + x[2 * i] * u - x[2 * i + 1];
      return { logits: Z, cache: {} };
    },
    backward(params, split, _fwd, dZ, grads) {
      const w = params.w.data, x = split.x as Float32Array;
      let s = 0; // Σ dZ_i x_i = dL/du
      for (let i = 0; i < split.n; i++) s += dZ[i] * x[2 * i];
      for (let j = 0; j < d; j++) grads.w.data[j] = powers[j] === 0 ? 0 : s * powers[j] * w[j] ** (powers[j] - 1) * product(w, j);
    },
  };
}

/** devinterp's data: n = 1,000, x ~ N(0, 2²), y = 0.25·N(0, 1). */
export function noiseData(n = 1000, seed = 42): DenseSplit {
  const key = keyFromSeed(seed), x = normals(fold(key, "x"), n), y = normals(fold(key, "y"), n);
  const xy = f64(2 * n);
  for (let i = 0; i < n; i++) (xy[2 * i] = 2 * x[i]), (xy[2 * i + 1] = 0.25 * y[i]);
  return { n, x: xy, y: new Int32Array(n) };
}

/** w* = 0 for a model with `d` weights. */
export function origin(d: number): Params {
  return { w: { shape: [d], data: f64(d) } };
}
