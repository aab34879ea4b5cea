import type { Backend, GemmOptions } from "./backend.js";
import { attentionBackward, attentionForward } from "./kernels/attention.js";
import { layerNormBackward, layerNormForward } from "./kernels/layer-norm.js";
import { gatherRowsSum, scatterRowsAdd } from "./kernels/gather.js";
import { softmaxCrossEntropyRows } from "./kernels/cross-entropy.js";
import { mseRows } from "./kernels/mse.js";
import { adamUpdate } from "./kernels/adam.js";
import { transpose } from "./kernels/transpose.js";
import { dropoutMask } from "./kernels/dropout.js";
import { normals, type Key } from "./rng.js";
import { sgldUpdate } from "./kernels/sgld.js";
import { stableMaxCrossEntropyRows } from "./kernels/stablemax.js";
import { allFiniteJs } from "./tensor.js";

/** Reference kernels in plain TypeScript: the definition every faster backend is tested against. */
export function gemmJs(m: number, n: number, k: number, A: Float32Array, B: Float32Array, C: Float32Array, opts: GemmOptions = {}): void {
  const { transA = false, transB = false, accumulate = false, mul, scale = 1 } = opts;
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const a = transA ? A[p * m + i] : A[i * k + p];
      if (a === 0) continue;
      if (transB) for (let j = 0; j < n; j++) row[j] += a * B[j * k + p];
      else {
        const off = p * n;
        for (let j = 0; j < n; j++) row[j] += a * B[off + j];
      }
    }
    const off = i * n;
    if (mul) for (let j = 0; j < n; j++) C[off + j] = scale * mul[off + j] * row[j];
    else if (accumulate) for (let j = 0; j < n; j++) C[off + j] += row[j];
    else for (let j = 0; j < n; j++) C[off + j] = row[j];
  }
}

export function gatherSumSquareJs(n: number, d: number, TA: Float32Array, ia: Int32Array, TB: Float32Array, ib: Int32Array, H: Float32Array, S: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const oa = ia[i] * d, ob = ib[i] * d, o = i * d;
    for (let j = 0; j < d; j++) {
      const h = TA[oa + j] + TB[ob + j];
      H[o + j] = h;
      S[o + j] = h * h;
    }
  }
}

export function scatterAdd2Js(n: number, d: number, dH: Float32Array, ia: Int32Array, dTA: Float32Array, ib: Int32Array, dTB: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const oa = ia[i] * d, ob = ib[i] * d, o = i * d;
    for (let j = 0; j < d; j++) {
      dTA[oa + j] += dH[o + j];
      dTB[ob + j] += dH[o + j];
    }
  }
}

export function addRowVectorJs(n: number, d: number, X: Float32Array, b: Float32Array): void {
  for (let i = 0; i < n; i++) for (let k = 0, o = i * d; k < d; k++) X[o + k] += b[k];
}

export function biasReluJs(n: number, d: number, pre: Float32Array, b: Float32Array | null, post: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let k = 0; k < d; k++) {
      const v = b ? pre[o + k] + b[k] : pre[o + k];
      pre[o + k] = v;
      post[o + k] = v > 0 ? v : 0;
    }
  }
}

/** Column sums accumulated in float64. */
export function columnSumsJs(n: number, d: number, X: Float32Array, out: Float32Array): void {
  const acc = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0, o = i * d; k < d; k++) acc[k] += X[o + k];
  out.set(acc);
}

export function reluBackwardJs(n: number, d: number, pre: Float32Array, g: Float32Array, colSums: Float32Array | null): void {
  for (let i = 0; i < n * d; i++) if (!(pre[i] > 0)) g[i] = 0;
  if (colSums) columnSumsJs(n, d, g, colSums);
}

/** The elementwise (and attention) kernels every backend shares until it has faster ones of its own. */
export function addArraysJs(len: number, a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < len; i++) out[i] = a[i] + b[i];
}

export function mulArraysJs(len: number, a: Float32Array, b: Float32Array, out: Float32Array, accumulate: boolean): void {
  for (let i = 0; i < len; i++) out[i] = (accumulate ? out[i] : 0) + a[i] * b[i];
}

export const elementwiseJs = {
  addRowVector: addRowVectorJs,
  biasRelu: biasReluJs,
  reluBackward: reluBackwardJs,
  columnSums: columnSumsJs,
  addArrays: addArraysJs,
  mulArrays: mulArraysJs,
  gatherRowsSum,
  scatterRowsAdd,
  softmaxCrossEntropyRows,
  mseRows,
  adamUpdate,
  attentionForward,
  attentionBackward,
  layerNormForward,
  layerNormBackward,
  allFinite: allFiniteJs,
  dropoutMask,
  normals: (n: number, key: Key, std: number, out: Float32Array): void => void normals(key, n, std, out),
  sgldUpdate,
  stableMaxCrossEntropyRows,
  transpose,
};

export function createJsBackend(): Backend {
  return {
    name: "js",
    alloc: (length) => new Float32Array(length),
    gemm: gemmJs,
    gatherSumSquare: gatherSumSquareJs,
    scatterAdd2: scatterAdd2Js,
    ...elementwiseJs,
    dispose() {},
  };
}
