// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// C[m,n] = op(A)[m,k] @ op(B)[k,n] in f32 with SIMD128, register-tiled (Goto/van de Geijn style: pack a panel,
// run a small register micro-kernel over it). Code paths:
//  - "outer": C tile [4, 8] += a[4] ⊗ b[8] per reduction step, A packed into 4-row bands (or read in place when
//    few panels reuse a band), B read as 8-column panels (in place when B is [k, n], packed when transposed).
//    Used for NN, TN, TT, and NT with k < 64.
//  - "dot": A [m, k] and B [n, k] both have k contiguous: C tile [4, 2] of 4-lane dot products. Used for NT with
//    k ≥ 64, and for NN and NT with narrow n (n ≤ 4; NN copies Bᵀ to scratch first).
//  - thin shapes (gemm-thin.ts): small k (k ≤ 4), and narrow n with A stored [k, m] (TN, TT).
// The path is chosen from the shape and flags alone. Threads take chunks of output rows (or fixed ranges of
// columns, when n > m or there are fewer row chunks than threads) from a shared counter; the reduction order of
// every element is fixed by k alone, so the result never depends on who computed what.
import { NARROW_N, SMALL_K, gemmNarrowT, gemmSmallK, smallKScratchBytes } from "./gemm-thin";
import { transposeRows } from "./transpose";
import { claim, imin, partStart } from "./util";

/** Reduction block: A bands and B panels cover at most KC steps; C holds the partial sum between blocks. */
const KC: i32 = 256;
/** Bands of A (4 rows each) packed together per reduction block: MC·KC·16 bytes, sized for L2. */
const MC: i32 = 32;
/** A [m, k] is read in place (not packed) by blocks that sweep at most this many B panels. */
const IN_PLACE_A_MAX_PANELS: i32 = 16;
/** A B panel is copied to contiguous memory when at least this many bands will read it. */
const PACK_B_MIN_BANDS: i32 = 4;
/** NT products with at least this many reduction steps take the dot path (below it, per-tile overhead dominates). */
const DOT_MIN_K: i32 = 64;
/** Bands per chunk of the dot path's row split. */
const DOT_CHUNK: i32 = 16;
const TRANS_A: i32 = 1;
const TRANS_B: i32 = 2;
const ACCUMULATE: i32 = 4;
const MUL: i32 = 8;

// Per-thread scratch (bytes from the thread's base): C edge tile, mul edge tile, packed A bands [MC][KC][4],
// packed B panel [KC][8].
const SCR_CTILE: usize = 0;
const SCR_MTILE: usize = 128;
const SCR_A: usize = 256;
const SCR_B: usize = SCR_A + <usize>MC * <usize>KC * 16;

const SCR_OUTER: i32 = <i32>SCR_B + KC * 32;
/** Copies of op(B) for the thin paths (at most this many bytes; larger ones take the general paths). */
const THIN_PACK_MAX_BYTES: i32 = 1 << 20;

const PATH_OUTER: i32 = 0;
const PATH_DOT: i32 = 1;
const PATH_DOT_PACKED: i32 = 2; // NN with narrow n: Bᵀ copied to scratch, then the dot path
const PATH_SMALL_K: i32 = 3;
const PATH_NARROW_T: i32 = 4;

/** Which code path computes a gemm of this shape (by shape and flags only, never by thread count). */
function gemmPath(m: i32, n: i32, k: i32, flags: i32): i32 {
  const transA = (flags & TRANS_A) != 0, transB = (flags & TRANS_B) != 0;
  if (k >= 1 && k <= SMALL_K && smallKScratchBytes(n, k, flags) <= THIN_PACK_MAX_BYTES) return PATH_SMALL_K;
  if (k >= 1 && n <= NARROW_N) {
    if (transA) return PATH_NARROW_T;
    if (transB) return PATH_DOT;
    if (<i64>n * <i64>k * 4 <= <i64>THIN_PACK_MAX_BYTES) return PATH_DOT_PACKED;
  }
  if (!transA && transB && k >= DOT_MIN_K) return PATH_DOT;
  return PATH_OUTER;
}

/** Bytes of scratch each thread needs for this gemm. */
export function gemmScratchBytes(m: i32, n: i32, k: i32, flags: i32): i32 {
  const path = gemmPath(m, n, k, flags);
  if (path == PATH_SMALL_K) return <i32>SCR_A + smallKScratchBytes(n, k, flags);
  if (path == PATH_DOT_PACKED) return <i32>SCR_A + ((n * k) << 2);
  if (path == PATH_OUTER) return SCR_OUTER;
  return <i32>SCR_A;
}

/**
 * C = op(A) op(B) with the options in `flags`. Every thread calls it; each takes chunks from the shared `counter`
 * (so a thread that starts late or is descheduled takes fewer). When C is split by columns it is cut into `shares`
 * fixed ranges, taken from the counter the same way. `scratch` is this thread's own scratch memory.
 */
export function gemm(m: i32, n: i32, k: i32, A: usize, B: usize, C: usize, flags: i32, M: usize, scale: f32, scratch: usize, counter: usize, shares: i32): void {
  if (m <= 0 || n <= 0) return;
  const path = gemmPath(m, n, k, flags);
  if (path == PATH_SMALL_K) gemmSmallK(m, n, k, A, B, C, flags, M, scale, scratch + SCR_A, counter);
  else if (path == PATH_NARROW_T) gemmNarrowT(m, n, k, A, B, C, flags, M, scale, scratch + SCR_CTILE, counter);
  else if (path == PATH_DOT) gemmDot(m, n, k, A, B, C, flags, M, scale, scratch, counter, shares);
  else if (path == PATH_DOT_PACKED) {
    // Every thread copies Bᵀ [n, k] to its own scratch (n ≤ NARROW_N rows: cheap next to the product).
    const Bt = scratch + SCR_A;
    transposeRows(k, n, B, Bt, 0, k);
    gemmDot(m, n, k, A, Bt, C, flags, M, scale, scratch, counter, shares);
  } else gemmOuter(m, n, k, A, B, C, flags, M, scale, scratch, counter, shares);
}

// ---------------------------------------------------------------------------------------------------------------
// Outer-product path.

/**
 * C tile [4, 8] (row stride ldc bytes) = (load ? C : 0) + Σ_p a_p ⊗ b_p over kc steps; then, if mul,
 * C = scale · M ∘ C (M tile with row stride ldm). a_p[r] at pa + r·lda + p·aps (packed [kc][4]: lda = 4, aps = 16;
 * rows of A [m, k] in place: lda = 4k, aps = 4); b_p: 8 floats at pb + p·ldb.
 */
function kernel4x8(kc: i32, pa: usize, lda: usize, aps: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, load: bool, pm: usize, ldm: usize, scale: f32, mul: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  if (load) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16);
    c10 = v128.load(pc + ldc); c11 = v128.load(pc + ldc, 16);
    c20 = v128.load(pc + 2 * ldc); c21 = v128.load(pc + 2 * ldc, 16);
    c30 = v128.load(pc + 3 * ldc); c31 = v128.load(pc + 3 * ldc, 16);
  }
  const lda2 = lda << 1, lda3 = lda * 3;
  const pbEnd = pb + <usize>kc * ldb;
  for (; pb < pbEnd; pb += ldb) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa + lda);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa + lda2);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa + lda3);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += aps;
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, pc, ldc, pm, ldm, scale, mul);
}

/** The C tile's epilogue: if mul, C = scale · M ∘ C (M tile with row stride ldm); then the 4 × 8 values are stored. */
@inline function storeTile(c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128, pc: usize, ldc: usize, pm: usize, ldm: usize, scale: f32, mul: bool): void {
  if (mul) {
    const s = f32x4.splat(scale);
    c00 = f32x4.mul(c00, f32x4.mul(s, v128.load(pm))); c01 = f32x4.mul(c01, f32x4.mul(s, v128.load(pm, 16)));
    c10 = f32x4.mul(c10, f32x4.mul(s, v128.load(pm + ldm))); c11 = f32x4.mul(c11, f32x4.mul(s, v128.load(pm + ldm, 16)));
    c20 = f32x4.mul(c20, f32x4.mul(s, v128.load(pm + 2 * ldm))); c21 = f32x4.mul(c21, f32x4.mul(s, v128.load(pm + 2 * ldm, 16)));
    c30 = f32x4.mul(c30, f32x4.mul(s, v128.load(pm + 3 * ldm))); c31 = f32x4.mul(c31, f32x4.mul(s, v128.load(pm + 3 * ldm, 16)));
  }
  v128.store(pc, c00); v128.store(pc, c01, 16);
  v128.store(pc + ldc, c10); v128.store(pc + ldc, c11, 16);
  v128.store(pc + 2 * ldc, c20); v128.store(pc + 2 * ldc, c21, 16);
  v128.store(pc + 3 * ldc, c30); v128.store(pc + 3 * ldc, c31, 16);
}

/**
 * kernel4x8 for A packed as [kc][4] (lda = 4, aps = 16): every load's offset is an immediate, so the loop carries two
 * pointer increments instead of the row-address arithmetic, which is what limits the general kernel (its loop is
 * front-end bound, not bound by the multiplies and adds). Same operations in the same order as kernel4x8.
 */
function kernel4x8Packed(kc: i32, pa: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, load: bool, pm: usize, ldm: usize, scale: f32, mul: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  if (load) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16);
    c10 = v128.load(pc + ldc); c11 = v128.load(pc + ldc, 16);
    c20 = v128.load(pc + 2 * ldc); c21 = v128.load(pc + 2 * ldc, 16);
    c30 = v128.load(pc + 3 * ldc); c31 = v128.load(pc + 3 * ldc, 16);
  }
  const paEnd = pa + (<usize>kc << 4);
  for (; pa < paEnd; pa += 16) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pb += ldb;
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, pc, ldc, pm, ldm, scale, mul);
}

/** Packs rows i0..i0+rows of op(A), reduction steps kb..kb+kc, as [kc][4] at dst (missing rows are zero). */
function packBandA(A: usize, m: i32, k: i32, transA: bool, i0: i32, rows: i32, kb: i32, kc: i32, dst: usize): void {
  if (transA) {
    // A is [k, m]: the 4 values of one step are contiguous.
    const lda = <usize>m << 2;
    let src = A + ((<usize>kb * <usize>m + <usize>i0) << 2);
    if (rows == 4) {
      for (let p = 0; p < kc; p++) {
        v128.store(dst + (<usize>p << 4), v128.load(src));
        src += lda;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = dst + (<usize>p << 4);
        for (let r = 0; r < 4; r++) store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(src + (<usize>r << 2)) : 0);
        src += lda;
      }
    }
  } else {
    // A is [m, k]: each row's steps are contiguous.
    for (let r = 0; r < 4; r++) {
      const d = dst + (<usize>r << 2);
      if (r < rows) {
        const src = A + ((<usize>(i0 + r) * <usize>k + <usize>kb) << 2);
        for (let p = 0; p < kc; p++) store<f32>(d + (<usize>p << 4), load<f32>(src + (<usize>p << 2)));
      } else {
        for (let p = 0; p < kc; p++) store<f32>(d + (<usize>p << 4), 0);
      }
    }
  }
}

/**
 * Copies kc rows of 8 floats (row stride ldb bytes) to a contiguous [kc][8] panel. Columns past n are copied too:
 * they hold whatever follows in memory and only feed C columns that are never stored.
 */
function packPanelB(src: usize, ldb: usize, kc: i32, dst: usize): void {
  const end = dst + (<usize>kc << 5);
  for (; dst < end; dst += 32) {
    v128.store(dst, v128.load(src));
    v128.store(dst, v128.load(src, 16), 16);
    src += ldb;
  }
}

/** Packs column panel q of op(B) = Bᵀ (B is [n, k]), steps kb..kb+kc, as [kc][8] at dst (missing columns zero). */
function packPanelBT(B: usize, n: i32, k: i32, q: i32, kb: i32, kc: i32, dst: usize): void {
  for (let c = 0; c < 8; c++) {
    const j = (q << 3) + c;
    const d = dst + (<usize>c << 2);
    if (j < n) {
      const src = B + ((<usize>j * <usize>k + <usize>kb) << 2);
      for (let p = 0; p < kc; p++) store<f32>(d + (<usize>p << 5), load<f32>(src + (<usize>p << 2)));
    } else {
      for (let p = 0; p < kc; p++) store<f32>(d + (<usize>p << 5), 0);
    }
  }
}

function copyTile(src: usize, lds: usize, dst: usize, ldd: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<f32>(dst + <usize>r * ldd + (<usize>c << 2), load<f32>(src + <usize>r * lds + (<usize>c << 2)));
  }
}

function gemmOuter(m: i32, n: i32, k: i32, A: usize, B: usize, C: usize, flags: i32, M: usize, scale: f32, scratch: usize, counter: usize, shares: i32): void {
  const bands = (m + 3) >> 2;
  const panels = (n + 7) >> 3;
  const rowChunks = (bands + MC - 1) / MC;
  // Rows unless there are fewer row chunks than threads and more column panels than row chunks.
  if (bands >= panels && (rowChunks >= shares || panels <= rowChunks)) {
    // Rows: chunks of MC bands taken from the shared counter; a chunk runs every panel and the whole reduction.
    const chunks = rowChunks;
    for (let c = claim(counter); c < chunks; c = claim(counter)) {
      outerBlock(m, n, k, A, B, C, flags, M, scale, scratch, c * MC, imin(c * MC + MC, bands), 0, panels);
    }
  } else {
    // Columns: `shares` fixed ranges of panels, each run over the whole reduction by one thread (C carries
    // partial sums between reduction blocks, so a panel cannot change hands between blocks).
    for (let s = claim(counter); s < shares; s = claim(counter)) {
      const q0 = partStart(panels, s, shares), q1 = partStart(panels, s + 1, shares);
      if (q0 < q1) outerBlock(m, n, k, A, B, C, flags, M, scale, scratch, 0, bands, q0, q1);
    }
  }
}

/** Bands b0..b1 (4 rows each) × panels q0..q1 (8 columns each) of C, over the whole reduction. */
function outerBlock(m: i32, n: i32, k: i32, A: usize, B: usize, C: usize, flags: i32, M: usize, scale: f32, scratch: usize, b0: i32, b1: i32, q0: i32, q1: i32): void {
  const transA = (flags & TRANS_A) != 0;
  const transB = (flags & TRANS_B) != 0;
  const acc = (flags & ACCUMULATE) != 0;
  const mul = (flags & MUL) != 0;
  const ldc = <usize>n << 2;
  const tileC = scratch + SCR_CTILE;
  const tileM = scratch + SCR_MTILE;
  const blockA = scratch + SCR_A;
  const panelB = scratch + SCR_B;
  // A [m, k] (not transposed) is read in place when few panels reuse each band: packing it (a 4-row transpose)
  // would cost a good part of the arithmetic. Edge bands (fewer than 4 rows) are always packed.
  const inPlaceA = !transA && q1 - q0 <= IN_PLACE_A_MAX_PANELS;
  // Loop order (Goto): for a reduction block, pack up to MC bands of A (kept in L2), then sweep the B panels,
  // each reused from L1 across those bands.
  let kb = 0;
  do {
    const kc = imin(KC, k - kb);
    const loadC = acc || kb > 0;
    const mulNow = mul && kb + kc >= k;
    const bandBytes = <usize>kc << 4;
    for (let c0 = b0; c0 < b1; c0 += MC) {
      const c1 = imin(c0 + MC, b1);
      for (let ib = c0; ib < c1; ib++) {
        const i0 = ib << 2;
        const rows = imin(4, m - i0);
        if (!inPlaceA || rows < 4) packBandA(A, m, k, transA, i0, rows, kb, kc, blockA + <usize>(ib - c0) * bandBytes);
      }
      for (let q = q0; q < q1; q++) {
        const j0 = q << 3;
        const cols = imin(8, n - j0);
        let pb = B + ((<usize>kb * <usize>n + <usize>j0) << 2);
        let ldb = <usize>n << 2;
        if (transB) {
          packPanelBT(B, n, k, q, kb, kc, panelB);
          pb = panelB;
          ldb = 32;
        } else if (c1 - c0 >= PACK_B_MIN_BANDS) {
          packPanelB(pb, ldb, kc, panelB);
          pb = panelB;
          ldb = 32;
        }
        for (let ib = c0; ib < c1; ib++) {
          const i0 = ib << 2;
          const rows = imin(4, m - i0);
          const direct = inPlaceA && rows == 4;
          const pa = direct ? A + ((<usize>i0 * <usize>k + <usize>kb) << 2) : blockA + <usize>(ib - c0) * bandBytes;
          const lda: usize = direct ? <usize>k << 2 : 4;
          const aps: usize = direct ? 4 : 16;
          const off = (<usize>i0 * <usize>n + <usize>j0) << 2;
          if (rows == 4 && cols == 8) {
            if (direct) kernel4x8(kc, pa, lda, aps, pb, ldb, C + off, ldc, loadC, M + off, ldc, scale, mulNow);
            else kernel4x8Packed(kc, pa, pb, ldb, C + off, ldc, loadC, M + off, ldc, scale, mulNow);
          } else {
            if (loadC) copyTile(C + off, ldc, tileC, 32, rows, cols);
            if (mulNow) copyTile(M + off, ldc, tileM, 32, rows, cols);
            kernel4x8(kc, pa, lda, aps, pb, ldb, tileC, 32, loadC, tileM, 32, scale, mulNow);
            copyTile(tileC, 32, C + off, ldc, rows, cols);
          }
        }
      }
    }
    kb += kc;
  } while (kb < k);
}

// ---------------------------------------------------------------------------------------------------------------
// Dot-product path (A [m, k], B [n, k], both contiguous in k).

/**
 * [h(a), h(b), h(c), h(d)] with h(v) = (v0 + v1) + (v2 + v3), a vector's lanes summed pairwise: four horizontal sums
 * with the same adds in the same order as extracting the lanes one by one, in three vector adds.
 */
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 2, 4, 6), v128.shuffle<f32>(a, b, 1, 3, 5, 7)); // a0+a1 a2+a3 b0+b1 b2+b3
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 2, 4, 6), v128.shuffle<f32>(c, d, 1, 3, 5, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 2, 4, 6), v128.shuffle<f32>(ab, cd, 1, 3, 5, 7));
}

/**
 * out[r*2 + c] = Σ_p a_r[p] · b_c[p] for 4 rows a_r and 2 rows b_c of length k: each sum in 4 lanes (lane l takes
 * p ≡ l mod 4 in order), the lanes summed pairwise, then the tail p ≥ k & ~3 added in order. out is 16-byte aligned:
 * rows 0–1 are its first vector, rows 2–3 its second.
 */
function dot4x2(k: i32, a0: usize, a1: usize, a2: usize, a3: usize, b0: usize, b1: usize, out: usize): void {
  let s00 = f32x4.splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
  const vecBytes = <usize>(k & ~3) << 2;
  let o: usize = 0;
  for (; o < vecBytes; o += 16) {
    const y0 = v128.load(b0 + o);
    const y1 = v128.load(b1 + o);
    let x = v128.load(a0 + o);
    s00 = f32x4.add(s00, f32x4.mul(x, y0));
    s01 = f32x4.add(s01, f32x4.mul(x, y1));
    x = v128.load(a1 + o);
    s10 = f32x4.add(s10, f32x4.mul(x, y0));
    s11 = f32x4.add(s11, f32x4.mul(x, y1));
    x = v128.load(a2 + o);
    s20 = f32x4.add(s20, f32x4.mul(x, y0));
    s21 = f32x4.add(s21, f32x4.mul(x, y1));
    x = v128.load(a3 + o);
    s30 = f32x4.add(s30, f32x4.mul(x, y0));
    s31 = f32x4.add(s31, f32x4.mul(x, y1));
  }
  v128.store(out, hsum4(s00, s01, s10, s11));
  v128.store(out, hsum4(s20, s21, s30, s31), 16);
  const bytes = <usize>k << 2;
  if (vecBytes == bytes) return;
  let t00 = load<f32>(out), t01 = load<f32>(out, 4), t10 = load<f32>(out, 8), t11 = load<f32>(out, 12);
  let t20 = load<f32>(out, 16), t21 = load<f32>(out, 20), t30 = load<f32>(out, 24), t31 = load<f32>(out, 28);
  for (let o = vecBytes; o < bytes; o += 4) {
    const y0 = load<f32>(b0 + o), y1 = load<f32>(b1 + o);
    let x = load<f32>(a0 + o);
    t00 += x * y0; t01 += x * y1;
    x = load<f32>(a1 + o);
    t10 += x * y0; t11 += x * y1;
    x = load<f32>(a2 + o);
    t20 += x * y0; t21 += x * y1;
    x = load<f32>(a3 + o);
    t30 += x * y0; t31 += x * y1;
  }
  store<f32>(out, t00); store<f32>(out, t01, 4);
  store<f32>(out, t10, 8); store<f32>(out, t11, 12);
  store<f32>(out, t20, 16); store<f32>(out, t21, 20);
  store<f32>(out, t30, 24); store<f32>(out, t31, 28);
}

function gemmDot(m: i32, n: i32, k: i32, A: usize, B: usize, C: usize, flags: i32, M: usize, scale: f32, scratch: usize, counter: usize, shares: i32): void {
  const bands = (m + 3) >> 2;
  const pairs = (n + 1) >> 1;
  if (bands >= pairs) {
    const chunks = (bands + DOT_CHUNK - 1) / DOT_CHUNK;
    for (let c = claim(counter); c < chunks; c = claim(counter)) {
      dotBlock(m, n, k, A, B, C, flags, M, scale, scratch, c * DOT_CHUNK, imin(c * DOT_CHUNK + DOT_CHUNK, bands), 0, pairs);
    }
  } else {
    for (let s = claim(counter); s < shares; s = claim(counter)) {
      const q0 = partStart(pairs, s, shares), q1 = partStart(pairs, s + 1, shares);
      if (q0 < q1) dotBlock(m, n, k, A, B, C, flags, M, scale, scratch, 0, bands, q0, q1);
    }
  }
}

/**
 * C tile [4, 2] at pc (row stride ldc bytes) from out (two vectors, rows 0–1 and 2–3) as dotBlock's scalar loop
 * stores it: t, C + t, or (scale · M) · t with M's tile at pc + mOffset.
 */
@inline function storeTile4x2(pc: usize, ldc: usize, out: usize, acc: bool, mul: bool, mOffset: usize, scale: f32): void {
  let t01 = v128.load(out), t23 = v128.load(out, 16);
  const pc1 = pc + ldc, pc2 = pc1 + ldc, pc3 = pc2 + ldc;
  if (mul) {
    const s = f32x4.splat(scale);
    t01 = f32x4.mul(f32x4.mul(s, v128.load64_lane(pc1 + mOffset, v128.load64_zero(pc + mOffset), 1)), t01);
    t23 = f32x4.mul(f32x4.mul(s, v128.load64_lane(pc3 + mOffset, v128.load64_zero(pc2 + mOffset), 1)), t23);
  } else if (acc) {
    t01 = f32x4.add(v128.load64_lane(pc1, v128.load64_zero(pc), 1), t01);
    t23 = f32x4.add(v128.load64_lane(pc3, v128.load64_zero(pc2), 1), t23);
  }
  v128.store64_lane(pc, t01, 0);
  v128.store64_lane(pc1, t01, 1);
  v128.store64_lane(pc2, t23, 0);
  v128.store64_lane(pc3, t23, 1);
}

/** Bands b0..b1 (4 rows) × column pairs q0..q1 of C. */
function dotBlock(m: i32, n: i32, k: i32, A: usize, B: usize, C: usize, flags: i32, M: usize, scale: f32, scratch: usize, b0: i32, b1: i32, q0: i32, q1: i32): void {
  const acc = (flags & ACCUMULATE) != 0;
  const mul = (flags & MUL) != 0;
  const rowBytes = <usize>k << 2;
  const out = scratch + SCR_CTILE;
  for (let ib = b0; ib < b1; ib++) {
    const i0 = ib << 2;
    const rows = imin(4, m - i0);
    // Rows past the end repeat the last row (computed, never stored), so edge tiles run the same arithmetic.
    const a0 = A + <usize>i0 * rowBytes;
    const a1 = A + <usize>imin(i0 + 1, m - 1) * rowBytes;
    const a2 = A + <usize>imin(i0 + 2, m - 1) * rowBytes;
    const a3 = A + <usize>imin(i0 + 3, m - 1) * rowBytes;
    for (let q = q0; q < q1; q++) {
      const j0 = q << 1;
      const cols = imin(2, n - j0);
      dot4x2(k, a0, a1, a2, a3, B + <usize>j0 * rowBytes, B + <usize>imin(j0 + 1, n - 1) * rowBytes, out);
      if (rows == 4 && cols == 2) {
        storeTile4x2(C + ((<usize>i0 * <usize>n + <usize>j0) << 2), <usize>n << 2, out, acc, mul, M - C, scale);
        continue;
      }
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const t = load<f32>(out + (<usize>(r * 2 + c) << 2));
          const pc = C + ((<usize>(i0 + r) * <usize>n + <usize>(j0 + c)) << 2);
          if (mul) store<f32>(pc, scale * load<f32>(M + (pc - C)) * t);
          else if (acc) store<f32>(pc, load<f32>(pc) + t);
          else store<f32>(pc, t);
        }
      }
    }
  }
}
