/** out [cols, rows] = xᵀ for x [rows, cols] (Backend.transpose's reference). */
export function transpose(rows: number, cols: number, x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = x[o + j];
  }
}
