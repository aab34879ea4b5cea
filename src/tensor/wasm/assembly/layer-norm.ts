// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// LayerNorm forward and backward with the arithmetic of the TypeScript reference (src/tensor/kernels/layer-norm.ts)
// operation for operation, so results are bit-identical to it on every thread count:
//  - each row's sums (mean, variance, the backward's two means) are float64 chains over the features in ascending
//    order; four rows are summed side by side (four independent chains, each in the reference's order);
//  - per-feature values are float64 (two lanes at a time), rounded once to float32 when stored;
//  - the gain and bias gradients accumulate each feature over the rows in row order, rounded to float32 after every
//    row, as `dw[j] += …` on a Float32Array does.
// Rows are split over threads in chunks; the gain and bias gradients over chunks of features (one thread sums a
// feature), so no result depends on how many threads ran or which did what.
import { claim, imin } from "./util";

const EPS: f64 = 1e-5;
/** Rows per chunk (a multiple of 4). */
const ROW_CHUNK: i32 = 32;
/** Features per chunk of the gain and bias gradients (a multiple of 4). */
const COL_CHUNK: i32 = 8;

@inline function f64At(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + (<usize>i << 2));
}

/** Two float32 at p as float64x2 (exact). */
@inline function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** float64x2 rounded to two float32 at p. */
@inline function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** Rounds both lanes to float32 and back (exact), as storing into and reading from a Float32Array. */
@inline function round2(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/** y = xhat·w + b and xhat = (x − mean)·s for one row of d features. */
function normalizeRow(d: i32, x: usize, w: usize, b: usize, y: usize, xhat: usize, mean: f64, s: f64): void {
  const mv = f64x2.splat(mean), sv = f64x2.splat(s);
  const end = <usize>d << 2, end2 = <usize>(d & ~1) << 2;
  let k: usize = 0;
  for (; k < end2; k += 8) {
    const h = f64x2.mul(f64x2.sub(load2(x + k), mv), sv);
    store2(xhat + k, h);
    store2(y + k, f64x2.add(f64x2.mul(h, load2(w + k)), load2(b + k)));
  }
  for (; k < end; k += 4) {
    const h = (<f64>load<f32>(x + k) - mean) * s;
    store<f32>(xhat + k, <f32>h);
    store<f32>(y + k, <f32>(h * <f64>load<f32>(w + k) + <f64>load<f32>(b + k)));
  }
}

/** Forward of rows r0 .. r0 + count (count ≤ 4), their sums interleaved. */
function forwardRows(d: i32, r0: i32, count: i32, x: usize, w: usize, b: usize, y: usize, xhat: usize, rstd: usize): void {
  const rowBytes = <usize>d << 2, end = rowBytes;
  // Rows past `count` repeat the last real row; their results are not stored.
  const x0 = x + <usize>r0 * rowBytes;
  const x1 = x0 + (count > 1 ? rowBytes : 0), x2 = x0 + (count > 2 ? 2 * rowBytes : 0), x3 = x0 + (count > 3 ? 3 * rowBytes : 0);
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
  for (let k: usize = 0; k < end; k += 4) {
    s0 += <f64>load<f32>(x0 + k);
    s1 += <f64>load<f32>(x1 + k);
    s2 += <f64>load<f32>(x2 + k);
    s3 += <f64>load<f32>(x3 + k);
  }
  const fd = <f64>d;
  const m0 = s0 / fd, m1 = s1 / fd, m2 = s2 / fd, m3 = s3 / fd;
  let v0: f64 = 0, v1: f64 = 0, v2: f64 = 0, v3: f64 = 0;
  for (let k: usize = 0; k < end; k += 4) {
    const t0 = <f64>load<f32>(x0 + k) - m0, t1 = <f64>load<f32>(x1 + k) - m1;
    const t2 = <f64>load<f32>(x2 + k) - m2, t3 = <f64>load<f32>(x3 + k) - m3;
    v0 += t0 * t0;
    v1 += t1 * t1;
    v2 += t2 * t2;
    v3 += t3 * t3;
  }
  finishRow(d, r0, x, w, b, y, xhat, rstd, m0, v0);
  if (count > 1) finishRow(d, r0 + 1, x, w, b, y, xhat, rstd, m1, v1);
  if (count > 2) finishRow(d, r0 + 2, x, w, b, y, xhat, rstd, m2, v2);
  if (count > 3) finishRow(d, r0 + 3, x, w, b, y, xhat, rstd, m3, v3);
}

/** Row r's 1/σ from its mean and sum of squared deviations, then its normalized values. */
@inline function finishRow(d: i32, r: i32, x: usize, w: usize, b: usize, y: usize, xhat: usize, rstd: usize, mean: f64, sq: f64): void {
  const o = (<usize>r * <usize>d) << 2;
  const s: f64 = 1 / Math.sqrt(sq / <f64>d + EPS);
  store<f32>(rstd + (<usize>r << 2), <f32>s);
  normalizeRow(d, x + o, w, b, y + o, xhat + o, mean, s);
}

/** y = LN(x), xhat = the normalized rows, rstd = 1/σ per row; x, y, xhat [n, d], w, b [d], rstd [n]. */
export function layerNormForward(n: i32, d: i32, x: usize, w: usize, b: usize, y: usize, xhat: usize, rstd: usize, counter: usize): void {
  const chunks = (n + ROW_CHUNK - 1) / ROW_CHUNK;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const i1 = imin((c + 1) * ROW_CHUNK, n);
    for (let r = c * ROW_CHUNK; r < i1; r += 4) forwardRows(d, r, imin(4, i1 - r), x, w, b, y, xhat, rstd);
  }
}

/** dx = s·((dy∘w − mean(dy∘w)) − xhat·mean(dy∘w∘xhat)) for one row, stored or added to dx. */
function dxRow(d: i32, dy: usize, w: usize, xhat: usize, dx: usize, m1: f64, m2: f64, s: f64, accumulate: bool): void {
  const m1v = f64x2.splat(m1), m2v = f64x2.splat(m2), sv = f64x2.splat(s);
  const end = <usize>d << 2, end2 = <usize>(d & ~1) << 2;
  let k: usize = 0;
  for (; k < end2; k += 8) {
    const v = f64x2.mul(sv, f64x2.sub(f64x2.sub(f64x2.mul(load2(dy + k), load2(w + k)), m1v), f64x2.mul(load2(xhat + k), m2v)));
    store2(dx + k, accumulate ? f64x2.add(load2(dx + k), v) : v);
  }
  for (; k < end; k += 4) {
    const v = s * (<f64>load<f32>(dy + k) * <f64>load<f32>(w + k) - m1 - <f64>load<f32>(xhat + k) * m2);
    store<f32>(dx + k, <f32>(accumulate ? <f64>load<f32>(dx + k) + v : v));
  }
}

/** dx for rows r0 .. r0 + count (count ≤ 4), their two sums each interleaved. */
function backwardRows(d: i32, r0: i32, count: i32, dy: usize, w: usize, xhat: usize, rstd: usize, dx: usize, accumulate: bool): void {
  const rowBytes = <usize>d << 2, end = rowBytes;
  const o0 = <usize>r0 * rowBytes;
  const o1 = o0 + (count > 1 ? rowBytes : 0), o2 = o0 + (count > 2 ? 2 * rowBytes : 0), o3 = o0 + (count > 3 ? 3 * rowBytes : 0);
  let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0; // Σ dy·w
  let b0: f64 = 0, b1: f64 = 0, b2: f64 = 0, b3: f64 = 0; // Σ dy·w·xhat
  for (let k: usize = 0; k < end; k += 4) {
    const wk = <f64>load<f32>(w + k);
    const g0 = <f64>load<f32>(dy + o0 + k) * wk, g1 = <f64>load<f32>(dy + o1 + k) * wk;
    const g2 = <f64>load<f32>(dy + o2 + k) * wk, g3 = <f64>load<f32>(dy + o3 + k) * wk;
    a0 += g0;
    a1 += g1;
    a2 += g2;
    a3 += g3;
    b0 += g0 * <f64>load<f32>(xhat + o0 + k);
    b1 += g1 * <f64>load<f32>(xhat + o1 + k);
    b2 += g2 * <f64>load<f32>(xhat + o2 + k);
    b3 += g3 * <f64>load<f32>(xhat + o3 + k);
  }
  const fd = <f64>d;
  dxRow(d, dy + o0, w, xhat + o0, dx + o0, a0 / fd, b0 / fd, f64At(rstd, r0), accumulate);
  if (count > 1) dxRow(d, dy + o1, w, xhat + o1, dx + o1, a1 / fd, b1 / fd, f64At(rstd, r0 + 1), accumulate);
  if (count > 2) dxRow(d, dy + o2, w, xhat + o2, dx + o2, a2 / fd, b2 / fd, f64At(rstd, r0 + 2), accumulate);
  if (count > 3) dxRow(d, dy + o3, w, xhat + o3, dx + o3, a3 / fd, b3 / fd, f64At(rstd, r0 + 3), accumulate);
}

/** dw[j] = Σ_i dy[i, j]·xhat[i, j] and db[j] = Σ_i dy[i, j] for features j0 .. j1, rows in order, float32 after each row. */
function gainBiasColumns(n: i32, d: i32, dy: usize, xhat: usize, dw: usize, db: usize, j0: i32, j1: i32): void {
  const rowBytes = <usize>d << 2;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    let w0 = f64x2.splat(0), w1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
    let p = <usize>j << 2;
    for (let i = 0; i < n; i++, p += rowBytes) {
      const g = v128.load(dy + p), h = v128.load(xhat + p);
      const glo = f64x2.promote_low_f32x4(g), ghi = f64x2.promote_low_f32x4(v128.shuffle<f32>(g, g, 2, 3, 2, 3));
      const hlo = f64x2.promote_low_f32x4(h), hhi = f64x2.promote_low_f32x4(v128.shuffle<f32>(h, h, 2, 3, 2, 3));
      w0 = round2(f64x2.add(w0, f64x2.mul(glo, hlo)));
      w1 = round2(f64x2.add(w1, f64x2.mul(ghi, hhi)));
      b0 = round2(f64x2.add(b0, glo));
      b1 = round2(f64x2.add(b1, ghi));
    }
    const o = <usize>j << 2;
    store2(dw + o, w0);
    store2(dw + o + 8, w1);
    store2(db + o, b0);
    store2(db + o + 8, b1);
  }
  for (; j < j1; j++) {
    let sw: f32 = 0, sb: f32 = 0;
    let p = <usize>j << 2;
    for (let i = 0; i < n; i++, p += rowBytes) {
      const g = <f64>load<f32>(dy + p);
      sw = <f32>(<f64>sw + g * <f64>load<f32>(xhat + p));
      sb = <f32>(<f64>sb + g);
    }
    store<f32>(dw + (<usize>j << 2), sw);
    store<f32>(db + (<usize>j << 2), sb);
  }
}

/**
 * Backward of layerNormForward given dy [n, d]: dx [n, d] (overwritten, or added to when `accumulate` ≠ 0), dw and
 * db [d] (overwritten). Chunks of rows (dx) come first, then chunks of features (dw, db); they write disjoint outputs.
 */
export function layerNormBackward(n: i32, d: i32, dy: usize, w: usize, xhat: usize, rstd: usize, dx: usize, dw: usize, db: usize, accumulate: i32, counter: usize): void {
  const rowChunks = (n + ROW_CHUNK - 1) / ROW_CHUNK, colChunks = (d + COL_CHUNK - 1) / COL_CHUNK;
  const acc = accumulate != 0;
  for (let c = claim(counter); c < rowChunks + colChunks; c = claim(counter)) {
    if (c < rowChunks) {
      const i1 = imin((c + 1) * ROW_CHUNK, n);
      for (let r = c * ROW_CHUNK; r < i1; r += 4) backwardRows(d, r, imin(4, i1 - r), dy, w, xhat, rstd, dx, acc);
    } else {
      const j0 = (c - rowChunks) * COL_CHUNK;
      gainBiasColumns(n, d, dy, xhat, dw, db, j0, imin(j0 + COL_CHUNK, d));
    }
  }
}
