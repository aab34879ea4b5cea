/**
 * Per-kernel timings on the gromov step's shapes (R1: n = 4,704 rows, N = 500 hidden, p = 97 classes) and on the
 * sparse-parity MLP's (R3: 1,000 rows, 31 inputs, 64 hidden, 2 classes), where thin shapes and call overhead matter.
 */
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
    ...sparseParityKernels(be, reps, budgetMs, fill),
  ];
}

/** The sparse-parity MLP's kernels, in the order of a training step (forward, then backward). */
function sparseParityKernels(be: Backend, reps: number, budgetMs: number, fill: (len: number, label: string) => Float32Array): KernelResult[] {
  const n = 1000, dIn = 31, H = 64, c = 2;
  // Many more calls than the gromov kernels: each takes microseconds, so the timer and call overhead show.
  const calls = reps * 20;
  const X = fill(n * dIn, "sp/X"), W0 = fill(dIn * H, "sp/W0"), b0 = fill(H, "sp/b0"), Wout = fill(H * c, "sp/Wout");
  const bOut = fill(c, "sp/bout"), dZ = fill(n * c, "sp/dZ");
  const pre = be.alloc(n * H), post = fill(n * H, "sp/post"), Z = be.alloc(n * c), dPre = be.alloc(n * H);
  const dW0 = be.alloc(dIn * H), db0 = be.alloc(H), dWout = be.alloc(H * c), dbOut = be.alloc(c);
  const gemm = (kernel: string, shape: string, macs: number, fn: () => void): KernelResult => {
    const t = timeCalls(fn, Math.min(50, calls), calls, budgetMs / 4);
    return { kernel, shape, ms: t.best_block_median_ms, gflops: (2 * macs) / t.best_block_median_ms / 1e6 };
  };
  const moved = (kernel: string, shape: string, bytes: number, fn: () => void): KernelResult => {
    const t = timeCalls(fn, Math.min(50, calls), calls, budgetMs / 4);
    return { kernel, shape, ms: t.best_block_median_ms, gbytes_per_s: bytes / t.best_block_median_ms / 1e6 };
  };
  return [
    gemm("gemm NN (R3)", "pre[1000,64] = X[1000,31] W0", n * dIn * H, () => be.gemm(n, H, dIn, X, W0, pre)),
    moved("biasRelu (R3)", "post = relu(pre[1000,64] + b0)", n * H * 12, () => be.biasRelu(n, H, pre, b0, post)),
    gemm("gemm NN n=2 (R3)", "Z[1000,2] = post[1000,64] Wout", n * H * c, () => be.gemm(n, c, H, post, Wout, Z)),
    moved("addRowVector (R3)", "Z[1000,2] += b_out", n * c * 8, () => be.addRowVector(n, c, Z, bOut)),
    gemm("gemm TN n=2 (R3)", "dWout[64,2] = postᵀ dZ[1000,2]", n * H * c, () => be.gemm(H, c, n, post, dZ, dWout, { transA: true })),
    moved("columnSums (R3)", "db_out[2] = Σ_i dZ[1000,2]", n * c * 4, () => be.columnSums(n, c, dZ, dbOut)),
    gemm("gemm NT k=2 (R3)", "dPre[1000,64] = dZ[1000,2] Woutᵀ", n * H * c, () => be.gemm(n, H, c, dZ, Wout, dPre, { transB: true })),
    moved("reluBackward (R3)", "dPre[1000,64] ∘ 1[pre > 0], db0", n * H * 12, () => be.reluBackward(n, H, pre, dPre, db0)),
    gemm("gemm TN (R3)", "dW0[31,64] = Xᵀ dPre[1000,64]", n * dIn * H, () => be.gemm(dIn, H, n, X, dPre, dW0, { transA: true })),
  ];
}
