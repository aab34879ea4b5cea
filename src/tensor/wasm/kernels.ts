import type { AdamCoefficients } from "../kernels/adam.js";
import { KERNELS_WASM_BASE64 } from "./generated/kernels-wasm.js";

/** The functions the compiled kernel module exports (pointers are byte offsets into the shared memory). */
export interface KernelExports {
  gemm(m: number, n: number, k: number, A: number, B: number, C: number, flags: number, M: number, scale: number, scratch: number, counter: number, shares: number): void;
  gemmScratchBytes(m: number, n: number, k: number, flags: number): number;
  gatherSumSquare(n: number, d: number, TA: number, ia: number, TB: number, ib: number, H: number, S: number, counter: number): void;
  scatterAdd2(n: number, d: number, dH: number, ia: number, dTA: number, rowsA: number, ib: number, dTB: number, rowsB: number, counter: number, shares: number): void;
  gatherRowsSum(n: number, seqLen: number, d: number, T: number, x: number, stride: number, out: number, counter: number): void;
  scatterRowsAdd(n: number, seqLen: number, d: number, dOut: number, x: number, stride: number, dT: number, rows: number, counter: number, shares: number): void;
  softmaxCrossEntropyRows(n: number, C: number, Z: number, y: number, scale: number, d: number, per: number, hit: number, counter: number): void;
  mseRows(n: number, C: number, Z: number, y: number, scale: number, d: number, row: number, hit: number, counter: number): void;
  /** Adam over len floats in place; coef: 10 float64 coefficients (assembly/optimizers.ts). */
  adamUpdateChunks(len: number, p: number, g: number, m: number, v: number, coef: number, counter: number): void;
  addArrays(len: number, a: number, b: number, out: number, counter: number): void;
  mulArrays(len: number, a: number, b: number, out: number, accumulate: number, counter: number): void;
  addRowVector(n: number, d: number, X: number, b: number, counter: number): void;
  /** b = 0: no bias. */
  biasRelu(n: number, d: number, pre: number, b: number, post: number, counter: number): void;
  /** colSums = 0: no column sums. */
  reluBackward(n: number, d: number, pre: number, g: number, colSums: number, counter: number, shares: number): void;
  columnSums(n: number, d: number, X: number, out: number, counter: number, shares: number): void;
  /** Batched-training tasks (assembly/binary-mlp-task.ts): runs the task records at tasks[0 .. count), claimed from counter. */
  binaryMlpJob(count: number, tasks: number, scratch: number, counter: number): void;
  binaryMlpScratchBytes(n: number, d: number, H: number, C: number): number;
  binaryMlpChunkRows(): number;
  /** The tasks' two-class cross-entropy (assembly/binary-mlp-task.ts crossEntropy), for tests; dZ = 0: no gradient. */
  binaryCrossEntropy(n: number, Z: number, y: number, dZ: number, correct: number, value: number): number;
  /** Causal attention (assembly/attention.ts); `scores`/`dScore` is the thread's scratch (attentionScratchBytes). */
  attentionScratchBytes(H: number, T: number): number;
  attentionForward(n: number, T: number, H: number, e: number, P: number, qPos: number, q: number, kv: number, pattern: number, z: number, scores: number, counter: number): void;
  attentionBackward(n: number, T: number, H: number, e: number, P: number, qPos: number, q: number, kv: number, pattern: number, dz: number, dq: number, dkv: number, dScore: number, counter: number): void;
  /** LayerNorm (assembly/layer-norm.ts); accumulate ≠ 0: dx += instead of dx =. */
  layerNormForward(n: number, d: number, x: number, w: number, b: number, y: number, xhat: number, rstd: number, counter: number): void;
  layerNormBackward(n: number, d: number, dy: number, w: number, xhat: number, rstd: number, dx: number, dw: number, db: number, accumulate: number, counter: number): void;
  /** Inverted dropout's mask (assembly/dropout.ts): 0 where the key's uniform i is below p, else keep. */
  dropoutMask(n: number, k0: number, k1: number, p: number, keep: number, mask: number, counter: number): void;
  /** 1 when x[0..len) holds no NaN or ±Inf (assembly/finite.ts). */
  allFinite(x: number, len: number): number;
  /** dst [cols, rows] = srcᵀ (assembly/transpose.ts). */
  transpose(rows: number, cols: number, src: number, dst: number, counter: number): void;
  /** rng.ts's normals(key, n, std) into out[0..n) (assembly/normals.ts). */
  normals(n: number, k0: number, k1: number, std: number, out: number, counter: number): void;
  /** StableMax cross-entropy rows (assembly/stablemax.ts); d = 0: no gradient. */
  stableMaxCrossEntropyRows(n: number, C: number, Z: number, y: number, d: number, per: number, hit: number, counter: number): void;
  /** One SGLD step (assembly/sgld.ts); dU = 0: without the MALA state. */
  sgldUpdate(n: number, x: number, x0: number, g: number, z: number, dU: number, xi: number, coef: number, sums: number): void;
  /** The normals kernel's two-lane log and cos/sin on the two float64 at p, for tests (assembly/normals.ts). */
  normalsLanesAt(p: number): void;
  /** fdlibm's exp, log1p, log, sin and cos (assembly/exact-math.ts, exact-trig.ts): what V8 computes for Math's. */
  exactExp(x: number): number;
  exactLog1p(x: number): number;
  exactLog(x: number): number;
  exactSin(x: number): number;
  exactCos(x: number): number;
}

/**
 * Adam's scalars as the assembly's adamUpdate takes them (assembly/optimizers.ts), at dst[0..10): decay, l2, l1, b1, b2,
 * 1 − b1, 1 − b2, stepSize, bc2Sqrt, eps.
 */
export function writeAdamScalars(dst: Float64Array, c: AdamCoefficients): void {
  dst.set([c.decay, c.l2, c.l1, c.b1, c.b2, 1 - c.b1, 1 - c.b2, c.stepSize, c.bc2Sqrt, c.eps]);
}

/** gemm flag bits (must match src/tensor/wasm/assembly/gemm.ts). */
export const GEMM_TRANS_A = 1;
export const GEMM_TRANS_B = 2;
export const GEMM_ACCUMULATE = 4;
export const GEMM_MUL = 8;

/** The module declares a shared memory of at most this many 64 KiB pages; ours may be smaller. */
export const MODULE_MAX_PAGES = 65536;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled kernel module (compiled once per process or page; instantiated once per thread). */
export function kernelModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(decodeBase64(KERNELS_WASM_BASE64));
  return compiled;
}

export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
