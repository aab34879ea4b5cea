/**
 * LayerNorm over the last axis (Ba et al. 2016), as torch.nn.LayerNorm with eps 1e-5 and a learned gain and bias:
 *   y = (x − mean(x)) / sqrt(var(x) + eps) ∘ w + b      (var biased, over the d features of a row)
 * Statistics are accumulated in float64 whatever the array type.
 */
export const LAYER_NORM_EPS = 1e-5;

/** y = LN(x) for x, y, xhat [rows, d]; writes the normalized rows to `xhat` and 1/σ per row to `rstd` [rows]. */
export function layerNormForward(rows: number, d: number, x: Float32Array, w: Float32Array, b: Float32Array, y: Float32Array, xhat: Float32Array, rstd: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[o + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[o + j] - mean) ** 2;
    const s = 1 / Math.sqrt(v / d + LAYER_NORM_EPS);
    rstd[r] = s;
    for (let j = 0; j < d; j++) {
      const h = (x[o + j] - mean) * s;
      xhat[o + j] = h;
      y[o + j] = h * w[j] + b[j];
    }
  }
}

/**
 * Backward of `layerNormForward`: dx = rstd · (dŷ − mean(dŷ) − x̂ · mean(dŷ ∘ x̂)) with dŷ = dy ∘ w, written (or added,
 * when `accumulate`) to dx [rows, d]; dw, db [d] are overwritten with Σ_rows dy ∘ x̂ and Σ_rows dy.
 */
export function layerNormBackward(rows: number, d: number, dy: Float32Array, w: Float32Array, xhat: Float32Array, rstd: Float32Array, dx: Float32Array, dw: Float32Array, db: Float32Array, accumulate: boolean): void {
  dw.fill(0);
  db.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let m1 = 0, m2 = 0;
    for (let j = 0; j < d; j++) {
      const g = dy[o + j];
      dw[j] += g * xhat[o + j];
      db[j] += g;
      const gh = g * w[j];
      m1 += gh;
      m2 += gh * xhat[o + j];
    }
    m1 /= d;
    m2 /= d;
    const s = rstd[r];
    for (let j = 0; j < d; j++) {
      const v = s * (dy[o + j] * w[j] - m1 - xhat[o + j] * m2);
      dx[o + j] = accumulate ? dx[o + j] + v : v;
    }
  }
}
