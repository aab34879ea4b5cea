// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.

/**
 * One SGLD step over n float32 weights x (src/tensor/kernels/sgld.ts, the reference), in its float64 arithmetic and
 * order: coef = [a, sq, nβ, γ] (float64), z the step's normals (float32),
 *   x ← x + (−a·(nβ g + γ (x − x0)) + sq·z)
 * With the MALA state (dU, xi: float64; dU = 0 for none) the drift and noise are kept — dU ← nβ g + γ r, xi ← z —
 * and sums = [Σ r², Σ S², Σ xi·S] (float64, S = dU + the previous dU) are added to in element order.
 */
export function sgldUpdate(n: i32, x: usize, x0: usize, g: usize, z: usize, dU: usize, xi: usize, coef: usize, sums: usize): void {
  const na = -load<f64>(coef), sq = load<f64>(coef, 8), nbeta = load<f64>(coef, 16), gamma = load<f64>(coef, 24);
  if (dU == 0) {
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 2;
      const xv = <f64>load<f32>(x + o);
      store<f32>(x + o, <f32>(xv + (na * (nbeta * <f64>load<f32>(g + o) + gamma * (xv - <f64>load<f32>(x0 + o))) + sq * <f64>load<f32>(z + o))));
    }
    return;
  }
  let dist2 = load<f64>(sums), sum2 = load<f64>(sums, 8), xiSum = load<f64>(sums, 16);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2, o8 = <usize>i << 3;
    const xv = <f64>load<f32>(x + o);
    const r = xv - <f64>load<f32>(x0 + o);
    const d = nbeta * <f64>load<f32>(g + o) + gamma * r;
    const S = d + load<f64>(dU + o8);
    dist2 += r * r;
    sum2 += S * S;
    xiSum += load<f64>(xi + o8) * S;
    store<f64>(dU + o8, d);
    const zi = <f64>load<f32>(z + o);
    store<f64>(xi + o8, zi);
    store<f32>(x + o, <f32>(xv + (na * d + sq * zi)));
  }
  store<f64>(sums, dist2);
  store<f64>(sums, sum2, 8);
  store<f64>(sums, xiSum, 16);
}
