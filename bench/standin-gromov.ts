/**
 * A gromov training step composed directly from backend kernels, with an inline MSE gradient and AdamW over
 * Float32Arrays — a stand-in that shows the kernels' share of a step without the trainer's bookkeeping
 * (no transposes, no non-finite checks, no accuracy). Same shapes and hyper-parameters as R1.
 */
import type { Backend } from "../src/tensor/backend.js";
import { fold, keyFromSeed, normals, randint } from "../src/tensor/rng.js";
import type { StepBench } from "./steps.js";

export function gromovStandinStep(backend: Backend): StepBench {
  const p = 97, N = 500, n = (p * p) >> 1; // 4,704 training pairs
  const key = keyFromSeed(1);
  const ia = new Int32Array(n), ib = new Int32Array(n), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ia[i] = randint(fold(key, "a"), i, p);
    ib[i] = randint(fold(key, "b"), i, p);
    y[i] = (ia[i] + ib[i]) % p;
  }
  // Parameters stored as Uᵀ, Vᵀ [p, N] (rows gathered) and W [p, N].
  const params = [
    normals(fold(key, "U"), p * N, 1 / Math.sqrt(p), backend.alloc(p * N)),
    normals(fold(key, "V"), p * N, 1 / Math.sqrt(p), backend.alloc(p * N)),
    normals(fold(key, "W"), p * N, 1 / Math.sqrt(N), backend.alloc(p * N)),
  ];
  const [Ut, Vt, W] = params;
  const grads = params.map(() => backend.alloc(p * N));
  const [dUt, dVt, dW] = grads;
  const m1 = params.map(() => new Float32Array(p * N)), m2 = params.map(() => new Float32Array(p * N));
  const H = backend.alloc(n * N), S = backend.alloc(n * N), Z = backend.alloc(n * p), dZ = backend.alloc(n * p), dH = backend.alloc(n * N);
  const lr = 1e-2, b1 = 0.9, b2 = 0.98, wd = 5, eps = 1e-8;
  let t = 0;
  return {
    label: "gromov (stand-in: kernels + inline MSE/AdamW)",
    step() {
      backend.gatherSumSquare(n, N, Ut, ia, Vt, ib, H, S); // H = Uᵀ[a] + Vᵀ[b], S = H²   [n, N]
      backend.gemm(n, p, N, S, W, Z, { transB: true }); // Z = S Wᵀ   [n, p]
      const c = 2 / (n * p); // d/dZ mean (Z − onehot)²
      for (let i = 0; i < n; i++) {
        const o = i * p;
        for (let j = 0; j < p; j++) dZ[o + j] = c * (Z[o + j] - (j === y[i] ? 1 : 0));
      }
      backend.gemm(p, N, n, dZ, S, dW, { transA: true }); // dW = dZᵀ S   [p, N]
      backend.gemm(n, N, p, dZ, W, dH, { mul: H, scale: 2 }); // dH = 2 H ∘ (dZ W)   [n, N]
      dUt.fill(0);
      dVt.fill(0);
      backend.scatterAdd2(n, N, dH, ia, dUt, ib, dVt);
      t++;
      const step = lr / (1 - b1 ** t), bc2 = Math.sqrt(1 - b2 ** t), decay = 1 - lr * wd;
      for (let q = 0; q < 3; q++) {
        const w = params[q], g = grads[q], m = m1[q], v = m2[q];
        for (let i = 0; i < w.length; i++) {
          const gi = g[i];
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          w[i] = w[i] * decay - (step * m[i]) / (Math.sqrt(v[i]) / bc2 + eps);
        }
      }
    },
  };
}
