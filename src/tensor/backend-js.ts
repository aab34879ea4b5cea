import type { Backend, GemmOptions } from "./backend.js";

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

export function createJsBackend(): Backend {
  return {
    name: "js",
    alloc: (length) => new Float32Array(length),
    gemm: gemmJs,
    gatherSumSquare: gatherSumSquareJs,
    scatterAdd2: scatterAdd2Js,
    dispose() {},
  };
}
