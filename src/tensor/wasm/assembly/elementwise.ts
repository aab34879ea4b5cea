// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// The elementwise passes around a linear layer (bias add, bias + ReLU, ReLU backward, bias gradient), with the
// semantics of the TypeScript reference (backend-js.ts) bit for bit:
//  - ReLU is `v > 0 ? v : 0` (pmax(0, v)), so NaN and −0 map to +0; its derivative is 1[pre > 0] (ReLU′(0) = 0).
//  - Column sums accumulate each column in float64, row 0 first, then round once to float32.
// Row-wise passes are split over chunks of rows; column sums over fixed ranges of columns, each column summed by
// one thread in row order — so no result depends on the number of threads.
import { claim, imin, partStart } from "./util";

/** Rows per chunk of a row-wise pass: about this many elements, so a chunk is worth claiming. */
const CHUNK_ELEMS: i32 = 8192;

@inline function rowsPerChunk(d: i32): i32 {
  return d >= CHUNK_ELEMS ? 1 : CHUNK_ELEMS / d;
}

/** X[i, :] += b for X [n, d], b [d]. */
export function addRowVector(n: i32, d: i32, X: usize, b: usize, counter: usize): void {
  const rows = rowsPerChunk(d);
  const chunks = (n + rows - 1) / rows;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const i0 = c * rows, i1 = imin(i0 + rows, n);
    if (d == 1 || d == 2) addPatternFlat(X + ((<usize>i0 * <usize>d) << 2), <usize>(i1 - i0) * <usize>d, b, d);
    else addRows(d, X, b, i0, i1);
  }
}

/** d ∈ {1, 2}: b repeated fills a vector, so the rows are one flat run of `len` floats (starting at a row). */
function addPatternFlat(p: usize, len: usize, b: usize, d: i32): void {
  const pat = d == 1 ? v128.load32_splat(b) : v128.load64_splat(b);
  const vecEnd = p + ((len & ~3) << 2);
  const end = p + (len << 2);
  for (; p < vecEnd; p += 16) v128.store(p, f32x4.add(v128.load(p), pat));
  // The tail starts at an even element, so with d = 2 it is b0, b1, … again.
  for (let j: usize = 0; p < end; p += 4, j++) store<f32>(p, load<f32>(p) + load<f32>(b + ((j % <usize>d) << 2)));
}

function addRows(d: i32, X: usize, b: usize, i0: i32, i1: i32): void {
  const rowBytes = <usize>d << 2;
  const vecBytes = <usize>(d & ~3) << 2;
  for (let p = X + <usize>i0 * rowBytes, end = X + <usize>i1 * rowBytes; p < end; p += rowBytes) {
    let o: usize = 0;
    for (; o < vecBytes; o += 16) v128.store(p + o, f32x4.add(v128.load(p + o), v128.load(b + o)));
    for (; o < rowBytes; o += 4) store<f32>(p + o, load<f32>(p + o) + load<f32>(b + o));
  }
}

@inline function relu(v: f32): f32 {
  return v > 0 ? v : 0;
}

/** pre[i, :] += b (b = 0: no bias), post = max(pre, 0) (NaN → 0). pre, post [n, d]. */
export function biasRelu(n: i32, d: i32, pre: usize, b: usize, post: usize, counter: usize): void {
  const rows = rowsPerChunk(d);
  const chunks = (n + rows - 1) / rows;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const i0 = c * rows, i1 = imin(i0 + rows, n);
    if (b == 0) reluFlat(pre, post, <usize>i0 * <usize>d, <usize>i1 * <usize>d);
    else biasReluRows(d, pre, b, post, i0, i1);
  }
}

function reluFlat(pre: usize, post: usize, e0: usize, e1: usize): void {
  const zero = f32x4.splat(0);
  let o = e0 << 2;
  const vecEnd = (e0 + ((e1 - e0) & ~3)) << 2;
  const end = e1 << 2;
  for (; o < vecEnd; o += 16) v128.store(post + o, f32x4.pmax(zero, v128.load(pre + o)));
  for (; o < end; o += 4) store<f32>(post + o, relu(load<f32>(pre + o)));
}

function biasReluRows(d: i32, pre: usize, b: usize, post: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  const rowBytes = <usize>d << 2;
  const vecBytes = <usize>(d & ~3) << 2;
  const off0 = <usize>i0 * rowBytes;
  for (let p = pre + off0, q = post + off0, end = pre + <usize>i1 * rowBytes; p < end; p += rowBytes, q += rowBytes) {
    let o: usize = 0;
    for (; o < vecBytes; o += 16) {
      const v = f32x4.add(v128.load(p + o), v128.load(b + o));
      v128.store(p + o, v);
      v128.store(q + o, f32x4.pmax(zero, v));
    }
    for (; o < rowBytes; o += 4) {
      const v = load<f32>(p + o) + load<f32>(b + o);
      store<f32>(p + o, v);
      store<f32>(q + o, relu(v));
    }
  }
}

/**
 * g ← g ∘ 1[pre > 0] for pre, g [n, d]; and, when colSums ≠ 0, colSums[k] = Σ_i g[i, k] (float64, row order).
 * Without column sums the pass is split over flat chunks; with them over `shares` ranges of columns.
 */
export function reluBackward(n: i32, d: i32, pre: usize, g: usize, colSums: usize, counter: usize, shares: i32): void {
  if (colSums == 0) {
    const total = <i64>n * <i64>d;
    const chunks = <i32>((total + <i64>CHUNK_ELEMS - 1) / <i64>CHUNK_ELEMS);
    for (let c = claim(counter); c < chunks; c = claim(counter)) {
      const e0 = <usize>c * <usize>CHUNK_ELEMS;
      maskFlat(pre, g, e0, <usize>imin64(<i64>e0 + <i64>CHUNK_ELEMS, total));
    }
    return;
  }
  columnShares(n, d, pre, g, colSums, counter, shares);
}

@inline function imin64(a: i64, b: i64): i64 {
  return a < b ? a : b;
}

function maskFlat(pre: usize, g: usize, e0: usize, e1: usize): void {
  const zero = f32x4.splat(0);
  let o = e0 << 2;
  const vecEnd = (e0 + ((e1 - e0) & ~3)) << 2;
  const end = e1 << 2;
  for (; o < vecEnd; o += 16) v128.store(g + o, v128.and(v128.load(g + o), f32x4.gt(v128.load(pre + o), zero)));
  for (; o < end; o += 4) if (!(load<f32>(pre + o) > 0)) store<f32>(g + o, 0);
}

/** out[k] = Σ_i X[i, k] for X [n, d] (float64, row order), split over `shares` ranges of columns. */
export function columnSums(n: i32, d: i32, X: usize, out: usize, counter: usize, shares: i32): void {
  columnShares(n, d, 0, X, out, counter, shares);
}

/**
 * Column sums of X over fixed column ranges (in groups of 4 columns) — first masking X by pre > 0 in place when
 * pre ≠ 0 (the fused ReLU backward).
 */
function columnShares(n: i32, d: i32, pre: usize, X: usize, out: usize, counter: usize, shares: i32): void {
  const groups = (d + 3) >> 2;
  for (let s = claim(counter); s < shares; s = claim(counter)) {
    const j0 = partStart(groups, s, shares) << 2;
    const j1 = imin(partStart(groups, s + 1, shares) << 2, d);
    if (pre != 0) columnRange(n, d, pre, X, out, j0, j1, true);
    else columnRange(n, d, 0, X, out, j0, j1, false);
  }
}

/** Columns j0..j1 in blocks of 16, 4, 2 and 1 (`mask` is a constant at each call, so the loops specialize). */
@inline function columnRange(n: i32, d: i32, pre: usize, X: usize, out: usize, j0: i32, j1: i32, mask: bool): void {
  let j = j0;
  for (; j + 16 <= j1; j += 16) sumColumns16(n, d, pre, X, out, j, mask);
  for (; j + 4 <= j1; j += 4) sumColumns4(n, d, pre, X, out, j, mask);
  for (; j + 2 <= j1; j += 2) sumColumns2(n, d, pre, X, out, j, mask);
  for (; j < j1; j++) sumColumn1(n, d, pre, X, out, j, mask);
}

/** f64 accumulators a_lo += lanes 0, 1 of v and a_hi += lanes 2, 3. */
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

@inline function masked(v: v128, pre: usize, o: usize, mask: bool): v128 {
  return mask ? v128.and(v, f32x4.gt(v128.load(pre + o), f32x4.splat(0))) : v;
}

/** Columns j..j+16 of X (masked by pre > 0 when pre ≠ 0) summed down the rows. */
@inline function sumColumns16(n: i32, d: i32, pre: usize, X: usize, out: usize, j: i32, mask: bool): void {
  const rowBytes = <usize>d << 2;
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  let o = <usize>j << 2;
  const end = o + <usize>n * rowBytes;
  for (; o < end; o += rowBytes) {
    const p = X + o;
    let v0 = masked(v128.load(p), pre, o, mask);
    let v1 = masked(v128.load(p, 16), pre, o + 16, mask);
    let v2 = masked(v128.load(p, 32), pre, o + 32, mask);
    let v3 = masked(v128.load(p, 48), pre, o + 48, mask);
    if (mask) {
      v128.store(p, v0); v128.store(p, v1, 16); v128.store(p, v2, 32); v128.store(p, v3, 48);
    }
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v0)); s1 = f64x2.add(s1, promoteHigh(v0));
    s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v1)); s3 = f64x2.add(s3, promoteHigh(v1));
    s4 = f64x2.add(s4, f64x2.promote_low_f32x4(v2)); s5 = f64x2.add(s5, promoteHigh(v2));
    s6 = f64x2.add(s6, f64x2.promote_low_f32x4(v3)); s7 = f64x2.add(s7, promoteHigh(v3));
  }
  const q = out + (<usize>j << 2);
  v128.store(q, v128.shuffle<f32>(f32x4.demote_f64x2_zero(s0), f32x4.demote_f64x2_zero(s1), 0, 1, 4, 5));
  v128.store(q, v128.shuffle<f32>(f32x4.demote_f64x2_zero(s2), f32x4.demote_f64x2_zero(s3), 0, 1, 4, 5), 16);
  v128.store(q, v128.shuffle<f32>(f32x4.demote_f64x2_zero(s4), f32x4.demote_f64x2_zero(s5), 0, 1, 4, 5), 32);
  v128.store(q, v128.shuffle<f32>(f32x4.demote_f64x2_zero(s6), f32x4.demote_f64x2_zero(s7), 0, 1, 4, 5), 48);
}

@inline function sumColumns4(n: i32, d: i32, pre: usize, X: usize, out: usize, j: i32, mask: bool): void {
  const rowBytes = <usize>d << 2;
  let s0 = f64x2.splat(0), s1 = s0;
  let o = <usize>j << 2;
  const end = o + <usize>n * rowBytes;
  for (; o < end; o += rowBytes) {
    const p = X + o;
    const v = masked(v128.load(p), pre, o, mask);
    if (mask) v128.store(p, v);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, promoteHigh(v));
  }
  v128.store(out + (<usize>j << 2), v128.shuffle<f32>(f32x4.demote_f64x2_zero(s0), f32x4.demote_f64x2_zero(s1), 0, 1, 4, 5));
}

@inline function sumColumns2(n: i32, d: i32, pre: usize, X: usize, out: usize, j: i32, mask: bool): void {
  const rowBytes = <usize>d << 2;
  let s0 = f64x2.splat(0);
  let o = <usize>j << 2;
  const end = o + <usize>n * rowBytes;
  for (; o < end; o += rowBytes) {
    const p = X + o;
    let v = v128.load64_zero(p);
    if (mask) {
      v = v128.and(v, f32x4.gt(v128.load64_zero(pre + o), f32x4.splat(0)));
      v128.store64_lane(p, v, 0);
    }
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
  }
  v128.store64_lane(out + (<usize>j << 2), f32x4.demote_f64x2_zero(s0), 0);
}

@inline function sumColumn1(n: i32, d: i32, pre: usize, X: usize, out: usize, j: i32, mask: bool): void {
  const rowBytes = <usize>d << 2;
  let s: f64 = 0;
  let o = <usize>j << 2;
  const end = o + <usize>n * rowBytes;
  for (; o < end; o += rowBytes) {
    let v = load<f32>(X + o);
    if (mask && !(load<f32>(pre + o) > 0)) {
      v = 0;
      store<f32>(X + o, v);
    }
    s += <f64>v;
  }
  store<f32>(out + (<usize>j << 2), <f32>s);
}

/** out = a + b elementwise over len floats (out may be a or b). Chunks of CHUNK_ELEMS per thread. */
export function addArrays(len: i32, a: usize, b: usize, out: usize, counter: usize): void {
  const chunks = (len + CHUNK_ELEMS - 1) / CHUNK_ELEMS;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const e0 = c * CHUNK_ELEMS, e1 = imin(e0 + CHUNK_ELEMS, len);
    let o = <usize>e0 << 2;
    const vecEnd = <usize>(e0 + ((e1 - e0) & ~3)) << 2, end = <usize>e1 << 2;
    for (; o < vecEnd; o += 16) v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    for (; o < end; o += 4) store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/**
 * out[i] = (acc ? out[i] : +0) + a[i]·b[i] for i < len, in float64 rounded once to float32 (the product of two floats
 * is exact in float64): what a TypeScript loop storing that expression into a Float32Array computes.
 */
export function mulArrays(len: i32, a: usize, b: usize, out: usize, acc: i32, counter: usize): void {
  const chunks = (len + CHUNK_ELEMS - 1) / CHUNK_ELEMS;
  const zero = f64x2.splat(0);
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const e0 = c * CHUNK_ELEMS, e1 = imin(e0 + CHUNK_ELEMS, len);
    let o = <usize>e0 << 2;
    const pairEnd = <usize>(e0 + ((e1 - e0) & ~1)) << 2, end = <usize>e1 << 2;
    for (; o < pairEnd; o += 8) {
      const p = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(a + o)), f64x2.promote_low_f32x4(v128.load64_zero(b + o)));
      const base = acc != 0 ? f64x2.promote_low_f32x4(v128.load64_zero(out + o)) : zero;
      v128.store64_lane(out + o, f32x4.demote_f64x2_zero(f64x2.add(base, p)), 0);
    }
    for (; o < end; o += 4) {
      const base: f64 = acc != 0 ? <f64>load<f32>(out + o) : 0;
      store<f32>(out + o, <f32>(base + <f64>load<f32>(a + o) * <f64>load<f32>(b + o)));
    }
  }
}
