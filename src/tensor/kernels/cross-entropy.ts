/**
 * The rows of softmax cross-entropy (src/train/losses.ts `cross_entropy`, `cross_entropy_per_entry`), each reduced in
 * float64 with a max-subtracted log-sum-exp. For row i with m = max z, e_j = exp(z_j − m):
 *   per[i] = ((m − z_y) + log1p(Σ_{j ≠ argmax} e_j)) · scale
 *   d[i, j] = e_j · scale / ((1 + Σ_{j ≠ argmax} e_j) · n) for j ≠ y, and −(Σ_{j ≠ y} e_j) · scale / (… · n) at y.
 * d holds e_j (rounded to float32) until it is scaled, and the label's term reads it back: the wasm kernel does the
 * same, operation for operation. Returns the number of rows whose argmax (first on ties, never NaN) is the label.
 * Labels must already be checked to lie in [0, C). `d` null: no gradient.
 *
 * A float32 gradient entry of magnitude below 2^-100 (≈ 7.9e-31) is stored as +0 (float64 buffers: below 2^-1022).
 * Such entries are the classes a memorized row rules out by a margin above ~69. Stored as subnormal numbers, or
 * multiplied by weights into the subnormal range in the backward's matrix products, they cost a microcode assist per
 * float32 operation on Intel CPUs, which WebAssembly cannot switch off (no flush-to-zero mode; PyTorch's opt-in is
 * `torch.set_flush_denormal(True)`). Late in a memorizing run that made a step 4.6× slower (pair-mod67 at step 2,225:
 * 12% of dL/dlogits subnormal); flushing only the subnormal entries still left it 2.2× slower than at the start, from
 * products of the entries just above 2^-126; at 2^-100, products with weights down to 2^-26 stay normal, and late steps
 * cost what early ones do. An entry this small is below float32's resolution of any sum it joins with a term above
 * 2^-76, and 2^-73 below Adam's ε (1e-8) on its own.
 */
/** Gradient entries below this magnitude are stored as +0 (see above): 2^-100 in float32 (the wasm kernels' constant), 2^-1022 in float64 buffers. */
function flushBelowOf(d: Float32Array): number {
  return (d as unknown) instanceof Float64Array ? 2.2250738585072014e-308 : 7.888609052210118e-31;
}

/** d[i] = v, then +0 when the stored value (rounded to the buffer's precision) is below `tiny` in magnitude. */
function storeFlushed(d: Float32Array, i: number, v: number, tiny: number): void {
  d[i] = v;
  if (d[i] < tiny && d[i] > -tiny) d[i] = 0;
}

/** Index of the largest entry of row i of z [n, C] (first one on ties; NaN never wins). */
export function argmaxRow(z: Float32Array, i: number, C: number): number {
  const o = i * C;
  let best = 0, bestV = z[o];
  for (let j = 1; j < C; j++) {
    const v = z[o + j];
    if (v > bestV || (bestV !== bestV && v === v)) { best = j; bestV = v; }
  }
  return best;
}

export function softmaxCrossEntropyRows(n: number, C: number, logits: Float32Array, labels: Int32Array, scale: number, d: Float32Array | null, per: Float64Array): number {
  let correct = 0;
  const tiny = d ? flushBelowOf(d) : 0;
  for (let i = 0; i < n; i++) {
    const o = i * C, y = labels[i];
    const arg = argmaxRow(logits, i, C);
    if (arg === y) correct++;
    const m = logits[o + arg];
    // notArg = Σ_{j ≠ argmax} e_j (e_argmax = 1)
    let notArg = 0;
    if (d) {
      for (let j = 0; j < arg; j++) notArg += d[o + j] = Math.exp(logits[o + j] - m);
      d[o + arg] = 1;
      for (let j = arg + 1; j < C; j++) notArg += d[o + j] = Math.exp(logits[o + j] - m);
    } else {
      for (let j = 0; j < arg; j++) notArg += Math.exp(logits[o + j] - m);
      for (let j = arg + 1; j < C; j++) notArg += Math.exp(logits[o + j] - m);
    }
    per[i] = (m - logits[o + y] + Math.log1p(notArg)) * scale;
    if (d) {
      // Σ_{j ≠ y} e_j: when y is the argmax it is notArg itself (kept exact for confident rows)
      const notY = y === arg ? notArg : 1 + notArg - d[o + y];
      const inv = scale / ((1 + notArg) * n);
      // each entry flushed as it is stored, the label's last (as the wasm kernel stores them)
      for (let j = 0; j < C; j++) storeFlushed(d, o + j, d[o + j] * inv, tiny);
      storeFlushed(d, o + y, -notY * inv, tiny);
    }
  }
  return correct;
}
