/**
 * The one-hot input layer as row gathers: out[i, :] = Σ_j T[x[i, j] + j · stride, :] for token ids x [n, seqLen].
 * stride = vocab: each position has its own block of rows (concatenated one-hots); stride = 0: one shared table.
 * T is [rows, d], out is [n, d] (overwritten).
 */
export function gatherRowsSum(n: number, seqLen: number, d: number, T: Float32Array, x: Int32Array, stride: number, out: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * d;
    const r0 = x[i * seqLen] * d;
    for (let k = 0; k < d; k++) out[o + k] = T[r0 + k];
    for (let j = 1; j < seqLen; j++) {
      const r = (x[i * seqLen + j] + j * stride) * d;
      for (let k = 0; k < d; k++) out[o + k] += T[r + k];
    }
  }
}

/** The backward of `gatherRowsSum`: dT[x[i, j] + j · stride, :] += dOut[i, :]. dT [rows, d] is not zeroed. */
export function scatterRowsAdd(n: number, seqLen: number, d: number, dOut: Float32Array, x: Int32Array, stride: number, dT: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < seqLen; j++) {
      const r = (x[i * seqLen + j] + j * stride) * d;
      for (let k = 0; k < d; k++) dT[r + k] += dOut[o + k];
    }
  }
}

