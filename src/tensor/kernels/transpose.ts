/** out[c, r] = x[r, c] for x [r, c]. */
export function transposeInto(x: Float32Array, r: number, c: number, out: Float32Array): Float32Array {
  for (let i = 0; i < r; i++) {
    const o = i * c;
    for (let j = 0; j < c; j++) out[j * r + i] = x[o + j];
  }
  return out;
}
