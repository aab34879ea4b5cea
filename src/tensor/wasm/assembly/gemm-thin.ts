// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// gemm fast paths for the thin shapes of small models, where the 4×8 register tile of the outer-product path
// (gemm.ts) would be mostly padding or its packing would cost more than the arithmetic:
//  - small k (k ≤ SMALL_K, e.g. dH [n, 64] = dZ [n, 2] W_outᵀ): C[i, :] = Σ_p op(A)[i, p] · op(B)[p, :] row by row,
//    op(B) read as k rows of n floats (in place when B is [k, n], else transposed into scratch once per thread);
//  - narrow n with A stored [k, m] (TN, TT; e.g. dW_out [64, 2] = Hᵀ dZ): 16 rows of C at a time as vectors over i,
//    op(B)[p, j] broadcast.
// (Narrow n with A stored [m, k] — NN, NT — takes the dot path of gemm.ts.)
// Every element is the float32 sum 0 + t_0 + t_1 + … over p in order (then added to C when accumulating), fixed by
// the shape alone, so results never depend on which thread computed which rows.
import { claim, imin } from "./util";

export const SMALL_K: i32 = 4;
export const NARROW_N: i32 = 4;
const TRANS_A: i32 = 1;
const TRANS_B: i32 = 2;
const ACCUMULATE: i32 = 4;
const MUL: i32 = 8;
/** Rows of C per chunk claimed by a thread on the small-k path: about this many elements. */
const SMALL_K_CHUNK_ELEMS: i32 = 4096;

/** Stores a computed value t of C: C = t, C += t (accumulate) or C = (scale · M) · t (mul epilogue). */
@inline function put(pc: usize, pm: usize, t: f32, flags: i32, scale: f32): void {
  if ((flags & MUL) != 0) store<f32>(pc, t * (scale * load<f32>(pm)));
  else if ((flags & ACCUMULATE) != 0) store<f32>(pc, load<f32>(pc) + t);
  else store<f32>(pc, t);
}

@inline function put4(pc: usize, pm: usize, t: v128, flags: i32, s: v128): void {
  if ((flags & MUL) != 0) v128.store(pc, f32x4.mul(t, f32x4.mul(s, v128.load(pm))));
  else if ((flags & ACCUMULATE) != 0) v128.store(pc, f32x4.add(v128.load(pc), t));
  else v128.store(pc, t);
}

// ---------------------------------------------------------------------------------------------------------------
// Small k.

/** Bytes of per-thread scratch the small-k path needs to hold op(B) as [k, n] (0 when B is read in place). */
export function smallKScratchBytes(n: i32, k: i32, flags: i32): i32 {
  return (flags & TRANS_B) != 0 ? (n * k) << 2 : 0;
}

/** C = op(A) op(B) for 1 ≤ k ≤ SMALL_K; threads take chunks of rows. `packed` is this thread's scratch for op(B). */
export function gemmSmallK(m: i32, n: i32, k: i32, A: usize, B: usize, C: usize, flags: i32, M: usize, scale: f32, packed: usize, counter: usize): void {
  const rows = n >= SMALL_K_CHUNK_ELEMS ? 1 : SMALL_K_CHUNK_ELEMS / n;
  const chunks = (m + rows - 1) / rows;
  // op(A)[i, p] is at A + i·ars + p·aps.
  const transA = (flags & TRANS_A) != 0;
  const ars: usize = transA ? 4 : <usize>k << 2;
  const aps: usize = transA ? <usize>m << 2 : 4;
  let Bk: usize = 0;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    if (Bk == 0) Bk = rowsOfOpB(n, k, B, (flags & TRANS_B) != 0, packed);
    const i0 = c * rows, i1 = imin(i0 + rows, m);
    if (k == 1) smallK1(n, i0, i1, A, ars, aps, Bk, C, flags, M, scale);
    else if (k == 2) smallK2(n, i0, i1, A, ars, aps, Bk, C, flags, M, scale);
    else if (k == 3) smallK3(n, i0, i1, A, ars, aps, Bk, C, flags, M, scale);
    else smallK4(n, i0, i1, A, ars, aps, Bk, C, flags, M, scale);
  }
}

/** op(B) as k rows of n floats: B itself when it is stored [k, n], else Bᵀ (B stored [n, k]) copied to dst. */
function rowsOfOpB(n: i32, k: i32, B: usize, transB: bool, dst: usize): usize {
  if (!transB) return B;
  for (let j = 0; j < n; j++) {
    for (let p = 0; p < k; p++) store<f32>(dst + ((<usize>p * <usize>n + <usize>j) << 2), load<f32>(B + ((<usize>j * <usize>k + <usize>p) << 2)));
  }
  return dst;
}

// One function per k (binaryen would otherwise merge the inlined copies back into one with run-time tests of K).
function smallK1(n: i32, i0: i32, i1: i32, A: usize, ars: usize, aps: usize, Bk: usize, C: usize, flags: i32, M: usize, scale: f32): void {
  smallKRows(1, n, i0, i1, A, ars, aps, Bk, C, flags, M, scale);
}
function smallK2(n: i32, i0: i32, i1: i32, A: usize, ars: usize, aps: usize, Bk: usize, C: usize, flags: i32, M: usize, scale: f32): void {
  smallKRows(2, n, i0, i1, A, ars, aps, Bk, C, flags, M, scale);
}
function smallK3(n: i32, i0: i32, i1: i32, A: usize, ars: usize, aps: usize, Bk: usize, C: usize, flags: i32, M: usize, scale: f32): void {
  smallKRows(3, n, i0, i1, A, ars, aps, Bk, C, flags, M, scale);
}
function smallK4(n: i32, i0: i32, i1: i32, A: usize, ars: usize, aps: usize, Bk: usize, C: usize, flags: i32, M: usize, scale: f32): void {
  smallKRows(4, n, i0, i1, A, ars, aps, Bk, C, flags, M, scale);
}

/** Rows i0..i1 of C for a constant K (each call site passes a literal, so the unused terms compile away). */
@inline function smallKRows(K: i32, n: i32, i0: i32, i1: i32, A: usize, ars: usize, aps: usize, Bk: usize, C: usize, flags: i32, M: usize, scale: f32): void {
  const rowBytes = <usize>n << 2;
  const vecBytes = <usize>(n & ~3) << 2;
  const b1 = Bk + rowBytes, b2 = Bk + 2 * rowBytes, b3 = Bk + 3 * rowBytes;
  const s = f32x4.splat(scale);
  const zero = f32x4.splat(0);
  for (let i = i0; i < i1; i++) {
    const pa = A + <usize>i * ars;
    const x0 = load<f32>(pa);
    const x1: f32 = K > 1 ? load<f32>(pa + aps) : 0;
    const x2: f32 = K > 2 ? load<f32>(pa + 2 * aps) : 0;
    const x3: f32 = K > 3 ? load<f32>(pa + 3 * aps) : 0;
    const a0 = f32x4.splat(x0), a1 = f32x4.splat(x1), a2 = f32x4.splat(x2), a3 = f32x4.splat(x3);
    const off = <usize>i * rowBytes;
    const pc = C + off, pm = M + off;
    let o: usize = 0;
    for (; o < vecBytes; o += 16) {
      let t = f32x4.add(zero, f32x4.mul(a0, v128.load(Bk + o)));
      if (K > 1) t = f32x4.add(t, f32x4.mul(a1, v128.load(b1 + o)));
      if (K > 2) t = f32x4.add(t, f32x4.mul(a2, v128.load(b2 + o)));
      if (K > 3) t = f32x4.add(t, f32x4.mul(a3, v128.load(b3 + o)));
      put4(pc + o, pm + o, t, flags, s);
    }
    for (; o < rowBytes; o += 4) {
      let t: f32 = <f32>0 + x0 * load<f32>(Bk + o);
      if (K > 1) t += x1 * load<f32>(b1 + o);
      if (K > 2) t += x2 * load<f32>(b2 + o);
      if (K > 3) t += x3 * load<f32>(b3 + o);
      put(pc + o, pm + o, t, flags, scale);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Narrow n, A stored [k, m].

/**
 * C = op(A) op(B) for A stored [k, m] (transA) and n ≤ NARROW_N. Threads take tiles of 16 rows of C; a tile runs
 * column pairs (j, j+1) — then a last single column — each over the whole reduction, as 4 vectors of 4 rows.
 * Rows past m in the last tile read whatever follows A in memory (within the heap's padding) and are never stored.
 * `tile` is 128 bytes of this thread's scratch.
 */
export function gemmNarrowT(m: i32, n: i32, k: i32, A: usize, B: usize, C: usize, flags: i32, M: usize, scale: f32, tile: usize, counter: usize): void {
  const transB = (flags & TRANS_B) != 0;
  // op(B)[p, j] is at B + p·bps + j·bjs.
  const bps: usize = transB ? 4 : <usize>n << 2;
  const bjs: usize = transB ? <usize>k << 2 : 4;
  const lda = <usize>m << 2;
  const tiles = (m + 15) >> 4;
  for (let c = claim(counter); c < tiles; c = claim(counter)) {
    const i0 = c << 4;
    const rows = imin(16, m - i0);
    const pa = A + (<usize>i0 << 2);
    for (let j = 0; j < n; j += 2) {
      const cols = imin(2, n - j);
      if (cols == 2) narrowPair(k, pa, lda, B + <usize>j * bjs, B + <usize>(j + 1) * bjs, bps, tile);
      else narrowSingle(k, pa, lda, B + <usize>j * bjs, bps, tile);
      for (let jj = 0; jj < cols; jj++) {
        for (let r = 0; r < rows; r++) {
          const off = ((<usize>(i0 + r) * <usize>n + <usize>(j + jj)) << 2);
          put(C + off, M + off, load<f32>(tile + (<usize>(jj * 16 + r) << 2)), flags, scale);
        }
      }
    }
  }
}

/** tile[0..16) = Σ_p A[p, 0..16) · b0[p], tile[16..32) = Σ_p A[p, 0..16) · b1[p] (A rows lda bytes apart, b steps bps). */
function narrowPair(k: i32, pa: usize, lda: usize, pb0: usize, pb1: usize, bps: usize, tile: usize): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, d0 = c0, d1 = c0, d2 = c0, d3 = c0;
  for (let p = 0; p < k; p++) {
    const x0 = v128.load(pa), x1 = v128.load(pa, 16), x2 = v128.load(pa, 32), x3 = v128.load(pa, 48);
    const y0 = v128.load32_splat(pb0), y1 = v128.load32_splat(pb1);
    c0 = f32x4.add(c0, f32x4.mul(x0, y0)); d0 = f32x4.add(d0, f32x4.mul(x0, y1));
    c1 = f32x4.add(c1, f32x4.mul(x1, y0)); d1 = f32x4.add(d1, f32x4.mul(x1, y1));
    c2 = f32x4.add(c2, f32x4.mul(x2, y0)); d2 = f32x4.add(d2, f32x4.mul(x2, y1));
    c3 = f32x4.add(c3, f32x4.mul(x3, y0)); d3 = f32x4.add(d3, f32x4.mul(x3, y1));
    pa += lda;
    pb0 += bps;
    pb1 += bps;
  }
  v128.store(tile, c0); v128.store(tile, c1, 16); v128.store(tile, c2, 32); v128.store(tile, c3, 48);
  v128.store(tile, d0, 64); v128.store(tile, d1, 80); v128.store(tile, d2, 96); v128.store(tile, d3, 112);
}

function narrowSingle(k: i32, pa: usize, lda: usize, pb: usize, bps: usize, tile: usize): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  for (let p = 0; p < k; p++) {
    const y = v128.load32_splat(pb);
    c0 = f32x4.add(c0, f32x4.mul(v128.load(pa), y));
    c1 = f32x4.add(c1, f32x4.mul(v128.load(pa, 16), y));
    c2 = f32x4.add(c2, f32x4.mul(v128.load(pa, 32), y));
    c3 = f32x4.add(c3, f32x4.mul(v128.load(pa, 48), y));
    pa += lda;
    pb += bps;
  }
  v128.store(tile, c0); v128.store(tile, c1, 16); v128.store(tile, c2, 32); v128.store(tile, c3, 48);
}
