/**
 * The rows of the mean squared error to one-hot targets (src/train/losses.ts `mse`): row[i] = Σ_j (z_ij − Y_ij)² in
 * float64, summed in j order with the target taken as 0 and then the label's entry corrected by 1 − 2 z_y (so
 * (z_y − 1)² replaces z_y²); d[i, j] = scale · (z_ij − Y_ij) rounded to float32 (null: no gradient). Returns the number
 * of rows whose argmax (first on ties, never NaN) is the label. Labels must already lie in [0, C).
 */
export function mseRows(n: number, C: number, logits: Float32Array, labels: Int32Array, scale: number, d: Float32Array | null, row: Float64Array): number {
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const o = i * C, y = labels[i];
    let sum = 0, best = 0, bestV = logits[o];
    for (let j = 0; j < C; j++) {
      const v = logits[o + j];
      sum += v * v;
      if (d) d[o + j] = scale * v;
      if (v > bestV || (bestV !== bestV && v === v)) { best = j; bestV = v; }
    }
    const zy = logits[o + y];
    sum += 1 - 2 * zy; // (z_y − 1)² − z_y²
    if (d) d[o + y] = scale * (zy - 1);
    if (best === y) correct++;
    row[i] = sum;
  }
  return correct;
}
