/** Per-kernel timings on the gromov step's shapes (R1: n = 4,704 rows, N = 500 hidden, p = 97 classes). */
import type { Backend } from "../src/tensor/backend.js";
import { fold, keyFromSeed, normals, randint } from "../src/tensor/rng.js";
import { timeCalls } from "./timing.js";

export interface KernelResult {
  readonly kernel: string;
  readonly shape: string;
  readonly ms: number;
  /** Floating-point operations per second (2 per multiply-add) for matmuls; bytes moved per second otherwise. */
  readonly gflops?: number;
  readonly gbytes_per_s?: number;
}

export function benchKernels(be: Backend, reps: number, budgetMs: number): KernelResult[] {
  const n = 4704, N = 500, p = 97;
  const key = keyFromSeed(7);
  const fill = (len: number, label: string): Float32Array => normals(fold(key, label), len, 0.5, be.alloc(len));
  const S = fill(n * N, "S"), H = fill(n * N, "H"), W = fill(p * N, "W"), dZ = fill(n * p, "dZ");
  const Ut = fill(p * N, "U"), Vt = fill(p * N, "V");
  const Z = be.alloc(n * p), dW = be.alloc(p * N), dH = be.alloc(n * N), dU = be.alloc(p * N), dV = be.alloc(p * N);
  const ia = new Int32Array(n).map((_, i) => randint(fold(key, "a"), i, p));
  const ib = new Int32Array(n).map((_, i) => randint(fold(key, "b"), i, p));
  const flops = 2 * n * N * p;
  const warm = Math.min(3, reps);
  const gemm = (kernel: string, shape: string, fn: () => void): KernelResult => {
    const t = timeCalls(fn, warm, reps, budgetMs);
    return { kernel, shape, ms: t.best_block_median_ms, gflops: flops / t.best_block_median_ms / 1e6 };
  };
  const moved = (kernel: string, shape: string, bytes: number, fn: () => void): KernelResult => {
    const t = timeCalls(fn, warm, reps, budgetMs);
    return { kernel, shape, ms: t.best_block_median_ms, gbytes_per_s: bytes / t.best_block_median_ms / 1e6 };
  };
  return [
    moved("gatherSumSquare", "H,S[4704,500] from Uᵀ,Vᵀ[97,500]", n * N * 16, () => be.gatherSumSquare(n, N, Ut, ia, Vt, ib, H, S)),
    gemm("gemm NT", "Z[4704,97] = S[4704,500] Wᵀ", () => be.gemm(n, p, N, S, W, Z, { transB: true })),
    gemm("gemm TN", "dW[97,500] = dZᵀ[97,4704] S", () => be.gemm(p, N, n, dZ, S, dW, { transA: true })),
    gemm("gemm NN·mul", "dH[4704,500] = 2H ∘ (dZ[4704,97] W)", () => be.gemm(n, N, p, dZ, W, dH, { mul: H, scale: 2 })),
    moved("scatterAdd2", "dUᵀ,dVᵀ[97,500] += dH[4704,500]", n * N * 12, () => be.scatterAdd2(n, N, dH, ia, dU, ib, dV)),
  ];
}
