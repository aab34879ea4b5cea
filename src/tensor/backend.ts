import type { AdamCoefficients } from "./kernels/adam.js";
import type { AttentionShape } from "./kernels/attention.js";
import type { Key } from "./rng.js";

/**
 * The kernel interface every model calls. Arrays are row-major Float32Arrays; shapes are passed explicitly.
 * Backends: `js` (plain TypeScript, the reference) and `wasm` (WebAssembly SIMD, optionally on two threads).
 * Every backend must give bit-identical results for any thread count (work is split over output rows/columns,
 * never over a reduction), so runs are reproducible.
 */
export interface GemmOptions {
  /** A is stored [k, m] and used transposed. */
  transA?: boolean;
  /** B is stored [n, k] and used transposed. */
  transB?: boolean;
  /** C += result instead of C = result. */
  accumulate?: boolean;
  /** Epilogue: C = scale * mul ∘ (op(A) @ op(B)), mul is [m, n]. Not combinable with accumulate. */
  mul?: Float32Array;
  scale?: number;
}

export interface Backend {
  readonly name: string;
  /** A zero-filled array in memory the kernels read without copying. */
  alloc(length: number): Float32Array;
  /** C[m,n] = op(A)[m,k] @ op(B)[k,n], see GemmOptions. */
  gemm(m: number, n: number, k: number, A: Float32Array, B: Float32Array, C: Float32Array, opts?: GemmOptions): void;
  /**
   * Sum of two row gathers and its square: H[i,:] = TA[ia[i],:] + TB[ib[i],:], S = H ∘ H.
   * TA, TB are [rows, d]; H, S are [n, d]. (The one-hot input layer of the quadratic net, without a matmul.)
   */
  gatherSumSquare(n: number, d: number, TA: Float32Array, ia: Int32Array, TB: Float32Array, ib: Int32Array, H: Float32Array, S: Float32Array): void;
  /** dTA[ia[i],:] += dH[i,:] and dTB[ib[i],:] += dH[i,:] (the backward of a gather). dTA, dTB are not zeroed. */
  scatterAdd2(n: number, d: number, dH: Float32Array, ia: Int32Array, dTA: Float32Array, ib: Int32Array, dTB: Float32Array): void;
  /**
   * out[i, :] = Σ_j T[x[i·seqLen + j] + j·stride, :] for token ids x [n, seqLen] (kernels/gather.ts): a one-hot input
   * layer as row gathers. T [rows, d], out [n, d] (overwritten).
   */
  gatherRowsSum(n: number, seqLen: number, d: number, T: Float32Array, x: Int32Array, stride: number, out: Float32Array): void;
  /** Its backward: dT[x[i·seqLen + j] + j·stride, :] += dOut[i, :], i then j ascending. dT is not zeroed. */
  scatterRowsAdd(n: number, seqLen: number, d: number, dOut: Float32Array, x: Int32Array, stride: number, dT: Float32Array): void;
  /**
   * The rows of softmax cross-entropy (kernels/cross-entropy.ts): per[i] = row i's loss · scale, d = its gradient
   * (null: none). Returns the number of rows whose argmax is the label. Labels must be in [0, C).
   */
  softmaxCrossEntropyRows(n: number, C: number, logits: Float32Array, labels: Int32Array, scale: number, d: Float32Array | null, per: Float64Array): number;
  /**
   * The rows of MSE to one-hot targets (kernels/mse.ts): row[i] = row i's float64 sum of squared errors, d = its
   * gradient times `scale` (null: none). Returns the number of rows whose argmax is the label. Labels must be in [0, C).
   */
  mseRows(n: number, C: number, logits: Float32Array, labels: Int32Array, scale: number, d: Float32Array | null, row: Float64Array): number;
  /** One Adam / AdamW step over `len` values of p, in place, with its moments m and v (kernels/adam.ts). */
  adamUpdate(len: number, p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamCoefficients): void;
  /** out = a + b elementwise over the first `len` values (out may be a or b). */
  addArrays(len: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /**
   * out[i] = (accumulate ? out[i] : +0) + a[i]·b[i], in float64 with one rounding to out's type (a zero product is
   * stored as +0 unless accumulated onto −0).
   */
  mulArrays(len: number, a: Float32Array, b: Float32Array, out: Float32Array, accumulate: boolean): void;
  /** X[i, :] += b for X [n, d] (a bias on the logits). */
  addRowVector(n: number, d: number, X: Float32Array, b: Float32Array): void;
  /** pre[i, :] += b (when b is given), then post = max(pre, 0): a linear layer's bias and ReLU in one pass. */
  biasRelu(n: number, d: number, pre: Float32Array, b: Float32Array | null, post: Float32Array): void;
  /** g ← g ∘ 1[pre > 0] in place (ReLU′(0) = 0, as PyTorch), and colSums[k] = Σ_i g[i, k] when colSums is given. */
  reluBackward(n: number, d: number, pre: Float32Array, g: Float32Array, colSums: Float32Array | null): void;
  /** out[k] = Σ_i X[i, k] for X [n, d] (a bias gradient). */
  columnSums(n: number, d: number, X: Float32Array, out: Float32Array): void;
  /**
   * Causal multi-head attention after the projections (kernels/attention.ts): pattern [n, H, P, T] and z [n·P, H·e]
   * from q [n·P, H·e] and kv [n·T, 2·H·e], both overwritten.
   */
  attentionForward(s: AttentionShape, q: Float32Array, kv: Float32Array, pattern: Float32Array, z: Float32Array): void;
  /** Its backward given dz [n·P, H·e]: dq [n·P, H·e] and dkv [n·T, 2·H·e], both overwritten. */
  attentionBackward(s: AttentionShape, q: Float32Array, kv: Float32Array, pattern: Float32Array, dz: Float32Array, dq: Float32Array, dkv: Float32Array): void;
  /**
   * LayerNorm over rows of d features (kernels/layer-norm.ts): y = xhat ∘ w + b with xhat the normalized rows
   * [n, d] and rstd = 1/σ per row [n], all overwritten.
   */
  layerNormForward(n: number, d: number, x: Float32Array, w: Float32Array, b: Float32Array, y: Float32Array, xhat: Float32Array, rstd: Float32Array): void;
  /** Its backward given dy [n, d]: dx [n, d] (overwritten, or added to when `accumulate`; not dy itself), dw and db [d] (overwritten). */
  layerNormBackward(n: number, d: number, dy: Float32Array, w: Float32Array, xhat: Float32Array, rstd: Float32Array, dx: Float32Array, dw: Float32Array, db: Float32Array, accumulate: boolean): void;
  /** mask[i] = 0 where uniform(key, i) < p (rng.ts), 1/(1 − p) elsewhere, for i < n: inverted dropout's mask. */
  dropoutMask(n: number, key: Key, p: number, mask: Float32Array): void;
  /** StableMax cross-entropy's rows (kernels/stablemax.ts): per-row losses into `per`, d (null: none); returns the rows whose argmax is the label. */
  stableMaxCrossEntropyRows(n: number, C: number, logits: Float32Array, labels: Int32Array, d: Float32Array | null, per: Float64Array): number;
  /** out[i] = rng.ts's normals(key, n, std)[i] for i < n (Box–Muller), bit for bit. */
  normals(n: number, key: Key, std: number, out: Float32Array): void;
  /**
   * One SGLD step over n weights, in float64 (kernels/sgld.ts): x ← x − a (nβ g + γ (x − x0)) + sq·z with coef = [a,
   * sq, nβ, γ]; with the MALA state dU, xi (null: none) also dU ← the drift, xi ← z, and sums [Σ r², Σ S², Σ xi·S]
   * added to in element order.
   */
  sgldUpdate(n: number, x: Float32Array, x0: Float32Array, g: Float32Array, z: Float32Array, coef: Float64Array, dU: Float64Array | null, xi: Float64Array | null, sums: Float64Array): void;
  /** Whether x holds no NaN or ±Inf. */
  allFinite(x: Float32Array): boolean;
  /** out [cols, rows] = xᵀ for x [rows, cols]; out is not x. */
  transpose(rows: number, cols: number, x: Float32Array, out: Float32Array): void;
  /** Release threads and memory. */
  dispose(): void;
}
