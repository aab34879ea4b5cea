// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// Fused kernels for training one small model per call: an MLP with one ReLU hidden layer on 0/1 inputs (sparse
// parity, R3), logits = relu(x W0 + b0) W_out + b_out with x [n, d] ∈ {0, 1}, W0 [d, H], W_out [H, C]: C = 2, or
// C = 1, a single logit z whose logits are (0, z) (autograd's binaryLogits; PAIR's model, R9). The logits Z and
// their gradient dZ are [n, 2] either way; with C = 1 the backward reads dZ's second column (binaryLogits' VJP).
// binary-mlp-task.ts runs them as one task per model and step; batched training (src/sweeps/batched) runs many
// models side by side.
//
// Every output element is computed with the float32 operations, in the order, that the general kernels use for the
// same product (gemm.ts, gemm-thin.ts, elementwise.ts; the shapes select these paths when H ≥ 5 and C ≤ 4), so a
// model trained here is bit-identical to one trained through the backend's gemm calls:
//  - hidden layer (gemm outer or small-k path): pre[i, j] = 0 + Σ_p x[i, p] W0[p, j] summed in p order. A term with
//    x = 0 is ±0 and never changes a sum that started at +0 (round-to-nearest gives +0 for x − x), so only the
//    inputs equal to 1 are added — a gather over the row's active inputs (CSR), about half the work and no multiply;
//    rows that share their first active inputs share those partial sums (see Forward).
//  - bias and ReLU (biasRelu): v = pre + b, post = v > 0 ? v : 0.
//  - logits (dot path, n = C ≤ 4): four lane sums over j ≡ lane (mod 4) in j order, (l0 + l1) + (l2 + l3), then
//    the tail j ≥ 4⌊H/4⌋ in order; then + b_out (addRowVector).
//  - dW_out = postᵀ dZ (narrow-T or small-k path): 0 + Σ_i post[i, h] dZ[i, c] in i order.
//  - db_out, db0 (columnSums, reluBackward): float64 sums in row order, rounded once.
//  - single logit: z is the logits' computation for one column (the dot path again), stored beside a 0.
//  - dPre = dZ W_outᵀ (small-k path): (0 + dZ[i, 0] W_out[h, 0]) + dZ[i, 1] W_out[h, 1] + …, then masked by
//    pre > 0 (equivalently post > 0) to +0 (reluBackward).
//  - dW0 = xᵀ dPre (outer path): 0 + Σ_i over the rows where x[i, p] = 1, in i order (the zero terms again drop out).
// Non-finite values are the exception: 0 · ∞ is NaN in a gemm but skipped here. Training stops at the first
// non-finite loss or gradient either way.
import { imin } from "./util";
import { allFinite } from "./finite";

/**
 * The sums over a row's active inputs (forward) and over a column's rows (dW0) take a row's H units as ⌈H/4⌉ vectors,
 * in blocks of up to BLOCK vectors summed side by side: each accumulator is a chain of dependent adds (the sums must
 * run in order), so fewer than 6 chains leave the adder waiting on latency, and with 8 V8 spills one to the stack. A
 * block costs about the same whatever its size, so the vectors go in ⌈H/24⌉ blocks, of 6 but the last (7 vectors
 * left go as 5 + 2). The last vector starts at unit H − 4: when 4 ∤ H it shares lanes with the vector before it, in
 * the same block, and those lanes get the same operations on the same values twice and store one value — no scalar
 * tail, whose chains of one float each would cost as much as a block.
 */
const BLOCK: i32 = 6;

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** dst [C, H] = W_outᵀ for W_out [H, C]. */
function transposeOut(H: i32, C: i32, Wout: usize, dst: usize): void {
  for (let c = 0; c < C; c++) for (let j = 0; j < H; j++) store<f32>(at(dst, c * H + j), load<f32>(at(Wout, j * C + c)));
}

// ---------------------------------------------------------------------------------------------------------------
// Forward.
//
// Rows that begin with the same active inputs begin their sums with the same partial sums, which are exact
// intermediate values of each row's own sum: so the rows are visited in the lexicographic order of their active lists
// (`order`), and a row starts from the partial sum of the prefix it shares with the row before (`lcp`), kept on a
// stack of partial sums (row r leaves the levels that row r + 1 will start from). On random bits this skips about a
// third of the additions (the shared prefix of sorted neighbours is about log2 n bits).

/**
 * post[i, :] = relu(Σ_{p active in row i} W0[p, :] + b0) and Z[i, :] = post[i, :] W_out + b_out for i < n.
 * Rows are visited in sorted order (so is their CSR stored, and read straight through): sorted row r is row order[r]
 * (int32), its active inputs are cols[rowStart[r] .. rowStart[r + 1]) (uint16, ascending), and it shares its first
 * lcp[r] of them with sorted row r − 1 (uint16, lcp[0] = lcp[n] = 0). b0 = 0 / bout = 0: no bias. post = 0: the
 * hidden rows are not kept (an evaluation).
 * `scratch`: forwardScratchBytes(d, H, C).
 */
export function binaryMlpForward(n: i32, H: i32, C: i32, rowStart: usize, cols: usize, order: usize, lcp: usize, W0: usize, b0: usize, Wout: usize, bout: usize, post: usize, Z: usize, scratch: usize): void {
  const Wt = scratch;
  transposeOut(H, C, Wout, Wt);
  const rowBytes = <usize>H << 2;
  const ring = Wt + (<usize>(C * H) << 2); // four hidden rows when post = 0
  const stack = ring + 4 * rowBytes; // partial sums: level t at stack + t·rowBytes
  const zBytes: usize = 8; // two logits per row
  for (let r0 = 0; r0 < n; r0 += 4) {
    const rows = imin(4, n - r0);
    let h0: usize = 0, h1: usize = 0, h2: usize = 0, h3: usize = 0;
    for (let q = 0; q < rows; q++) {
      const r = r0 + q;
      const i = load<i32>(at(order, r));
      const a0 = load<i32>(at(rowStart, r));
      const h = post == 0 ? ring + <usize>q * rowBytes : post + <usize>i * rowBytes;
      hiddenRow(H, cols + (<usize>a0 << 1), <i32>load<u16>(lcp + (<usize>r << 1)), <i32>load<u16>(lcp + (<usize>(r + 1) << 1)), load<i32>(at(rowStart, r + 1)) - a0, W0, rowBytes, stack, b0, h);
      if (q == 0) h0 = h;
      else if (q == 1) h1 = h;
      else if (q == 2) h2 = h;
      else h3 = h;
    }
    const z0 = Z + <usize>load<i32>(at(order, r0)) * zBytes;
    if (rows == 4) {
      const z1 = Z + <usize>load<i32>(at(order, r0 + 1)) * zBytes, z2 = Z + <usize>load<i32>(at(order, r0 + 2)) * zBytes, z3 = Z + <usize>load<i32>(at(order, r0 + 3)) * zBytes;
      if (C == 1) logitSingle4(H, h0, h1, h2, h3, Wt, bout, z0, z1, z2, z3);
      else logits4(H, h0, h1, h2, h3, Wt, bout, z0, z1, z2, z3);
    } else if (C == 1) {
      logitSingle(H, h0, Wt, bout, z0);
      if (rows > 1) logitSingle(H, h1, Wt, bout, Z + <usize>load<i32>(at(order, r0 + 1)) * zBytes);
      if (rows > 2) logitSingle(H, h2, Wt, bout, Z + <usize>load<i32>(at(order, r0 + 2)) * zBytes);
    } else {
      logits1(H, C, h0, Wt, bout, z0);
      if (rows > 1) logits1(H, C, h1, Wt, bout, Z + <usize>load<i32>(at(order, r0 + 1)) * zBytes);
      if (rows > 2) logits1(H, C, h2, Wt, bout, Z + <usize>load<i32>(at(order, r0 + 2)) * zBytes);
    }
  }
}

/**
 * One hidden row: its active inputs list[0 .. len) (uint16); it starts from the partial sum of its first L inputs
 * (stack level L; +0 when L = 0) and leaves levels L + 1 .. K for the next row. Then + b and ReLU into out.
 * The units go in blocks (see BLOCK).
 */
function hiddenRow(H: i32, list: usize, L: i32, K: i32, len: i32, W0: usize, rowBytes: usize, stack: usize, b0: usize, out: usize): void {
  const T = (H + 3) >> 2;
  let v = 0;
  for (; T - v > BLOCK + 1; v += BLOCK) {
    const o = <usize>v << 4;
    gather(6, list, L, K, len, W0 + o, rowBytes, stack + o, b0 == 0 ? 0 : b0 + o, out + o, 80);
  }
  if (T - v == BLOCK + 1) {
    const o = <usize>v << 4;
    gather(5, list, L, K, len, W0 + o, rowBytes, stack + o, b0 == 0 ? 0 : b0 + o, out + o, 64);
    v += 5;
  }
  const o = <usize>v << 4, last = (<usize>(H - 4) << 2) - o, b = b0 == 0 ? 0 : b0 + o;
  const N = T - v;
  if (N == 6) gather(6, list, L, K, len, W0 + o, rowBytes, stack + o, b, out + o, last);
  else if (N == 5) gather(5, list, L, K, len, W0 + o, rowBytes, stack + o, b, out + o, last);
  else if (N == 4) gather(4, list, L, K, len, W0 + o, rowBytes, stack + o, b, out + o, last);
  else if (N == 3) gather(3, list, L, K, len, W0 + o, rowBytes, stack + o, b, out + o, last);
  else gather(2, list, L, K, len, W0 + o, rowBytes, stack + o, b, out + o, last);
}

/**
 * A block of N (2 to BLOCK, a constant once inlined) vectors of a hidden row (W, S, b, out at the block's first unit):
 * N − 1 consecutive vectors, then one `last` bytes from the first.
 */
@inline function gather(N: i32, list: usize, L: i32, K: i32, len: i32, W: usize, rowBytes: usize, S: usize, b: usize, out: usize, last: usize): void {
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, z = s0;
  if (L > 0) {
    const p = S + <usize>L * rowBytes;
    s0 = v128.load(p);
    if (N > 2) s1 = v128.load(p, 16);
    if (N > 3) s2 = v128.load(p, 32);
    if (N > 4) s3 = v128.load(p, 48);
    if (N > 5) s4 = v128.load(p, 64);
    z = v128.load(p + last);
  }
  let t = L;
  for (; t < K; t++) {
    const p = W + <usize>load<u16>(list + (<usize>t << 1)) * rowBytes;
    s0 = f32x4.add(s0, v128.load(p));
    if (N > 2) s1 = f32x4.add(s1, v128.load(p, 16));
    if (N > 3) s2 = f32x4.add(s2, v128.load(p, 32));
    if (N > 4) s3 = f32x4.add(s3, v128.load(p, 48));
    if (N > 5) s4 = f32x4.add(s4, v128.load(p, 64));
    z = f32x4.add(z, v128.load(p + last));
    const q = S + <usize>(t + 1) * rowBytes;
    v128.store(q, s0);
    if (N > 2) v128.store(q, s1, 16);
    if (N > 3) v128.store(q, s2, 32);
    if (N > 4) v128.store(q, s3, 48);
    if (N > 5) v128.store(q, s4, 64);
    v128.store(q + last, z);
  }
  for (; t < len; t++) {
    const p = W + <usize>load<u16>(list + (<usize>t << 1)) * rowBytes;
    s0 = f32x4.add(s0, v128.load(p));
    if (N > 2) s1 = f32x4.add(s1, v128.load(p, 16));
    if (N > 3) s2 = f32x4.add(s2, v128.load(p, 32));
    if (N > 4) s3 = f32x4.add(s3, v128.load(p, 48));
    if (N > 5) s4 = f32x4.add(s4, v128.load(p, 64));
    z = f32x4.add(z, v128.load(p + last));
  }
  if (b != 0) {
    s0 = f32x4.add(s0, v128.load(b));
    if (N > 2) s1 = f32x4.add(s1, v128.load(b, 16));
    if (N > 3) s2 = f32x4.add(s2, v128.load(b, 32));
    if (N > 4) s3 = f32x4.add(s3, v128.load(b, 48));
    if (N > 5) s4 = f32x4.add(s4, v128.load(b, 64));
    z = f32x4.add(z, v128.load(b + last));
  }
  const zero = f32x4.splat(0);
  v128.store(out, f32x4.pmax(zero, s0));
  if (N > 2) v128.store(out, f32x4.pmax(zero, s1), 16);
  if (N > 3) v128.store(out, f32x4.pmax(zero, s2), 32);
  if (N > 4) v128.store(out, f32x4.pmax(zero, s3), 48);
  if (N > 5) v128.store(out, f32x4.pmax(zero, s4), 64);
  v128.store(out + last, f32x4.pmax(zero, z));
}

/**
 * Z rows z0..z3 from hidden rows h0..h3 and Wt [C, H], C = 2 or 1 (a constant once inlined): each row's sum per column
 * is one chain of vector adds in unit order (the dot path's lane sums), four rows side by side so four chains are in
 * flight, both columns in one pass; a single logit's rows are (0, z).
 */
@inline function logits4Of(C: i32, H: i32, h0: usize, h1: usize, h2: usize, h3: usize, Wt: usize, bout: usize, z0: usize, z1: usize, z2: usize, z3: usize): void {
  const vecBytes = <usize>(H & ~3) << 2;
  const W1 = Wt + (<usize>H << 2);
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
  for (let o: usize = 0; o < vecBytes; o += 16) {
    const x = v128.load(Wt + o);
    const a0 = v128.load(h0 + o), a1 = v128.load(h1 + o), a2 = v128.load(h2 + o), a3 = v128.load(h3 + o);
    s0 = f32x4.add(s0, f32x4.mul(a0, x)); s1 = f32x4.add(s1, f32x4.mul(a1, x));
    s2 = f32x4.add(s2, f32x4.mul(a2, x)); s3 = f32x4.add(s3, f32x4.mul(a3, x));
    if (C == 2) {
      const y = v128.load(W1 + o);
      u0 = f32x4.add(u0, f32x4.mul(a0, y)); u1 = f32x4.add(u1, f32x4.mul(a1, y));
      u2 = f32x4.add(u2, f32x4.mul(a2, y)); u3 = f32x4.add(u3, f32x4.mul(a3, y));
    }
  }
  let t0 = hsum(s0), t1 = hsum(s1), t2 = hsum(s2), t3 = hsum(s3);
  let v0 = hsum(u0), v1 = hsum(u1), v2 = hsum(u2), v3 = hsum(u3);
  for (let o = vecBytes; o < <usize>H << 2; o += 4) {
    const x = load<f32>(Wt + o);
    const a0 = load<f32>(h0 + o), a1 = load<f32>(h1 + o), a2 = load<f32>(h2 + o), a3 = load<f32>(h3 + o);
    t0 += a0 * x; t1 += a1 * x; t2 += a2 * x; t3 += a3 * x;
    if (C == 2) {
      const y = load<f32>(W1 + o);
      v0 += a0 * y; v1 += a1 * y; v2 += a2 * y; v3 += a3 * y;
    }
  }
  if (bout != 0) {
    const b = load<f32>(bout);
    t0 = t0 + b; t1 = t1 + b; t2 = t2 + b; t3 = t3 + b;
    if (C == 2) {
      const c = load<f32>(bout, 4);
      v0 = v0 + c; v1 = v1 + c; v2 = v2 + c; v3 = v3 + c;
    }
  }
  if (C == 1) {
    store<f32>(z0, 0); store<f32>(z0, t0, 4);
    store<f32>(z1, 0); store<f32>(z1, t1, 4);
    store<f32>(z2, 0); store<f32>(z2, t2, 4);
    store<f32>(z3, 0); store<f32>(z3, t3, 4);
  } else {
    store<f32>(z0, t0); store<f32>(z0, v0, 4);
    store<f32>(z1, t1); store<f32>(z1, v1, 4);
    store<f32>(z2, t2); store<f32>(z2, v2, 4);
    store<f32>(z3, t3); store<f32>(z3, v3, 4);
  }
}

// One function per C, as dPreRow's.
function logits4(H: i32, h0: usize, h1: usize, h2: usize, h3: usize, Wt: usize, bout: usize, z0: usize, z1: usize, z2: usize, z3: usize): void {
  logits4Of(2, H, h0, h1, h2, h3, Wt, bout, z0, z1, z2, z3);
}
function logitSingle4(H: i32, h0: usize, h1: usize, h2: usize, h3: usize, Wt: usize, bout: usize, z0: usize, z1: usize, z2: usize, z3: usize): void {
  logits4Of(1, H, h0, h1, h2, h3, Wt, bout, z0, z1, z2, z3);
}

/** A single-logit row: z [2] = (0, h · w + b) with w = Wt [H] (logits1's sums for one output). */
function logitSingle(H: i32, h: usize, Wt: usize, bout: usize, z: usize): void {
  store<f32>(z, 0);
  logits1(H, 1, h, Wt, bout, z + 4);
}

function logits1(H: i32, C: i32, h: usize, Wt: usize, bout: usize, z: usize): void {
  const vecBytes = <usize>(H & ~3) << 2;
  for (let c = 0; c < C; c++) {
    const w = Wt + <usize>c * (<usize>H << 2);
    let s = f32x4.splat(0);
    for (let o: usize = 0; o < vecBytes; o += 16) s = f32x4.add(s, f32x4.mul(v128.load(h + o), v128.load(w + o)));
    let t = hsum(s);
    for (let o = vecBytes; o < <usize>H << 2; o += 4) t += load<f32>(h + o) * load<f32>(w + o);
    if (bout != 0) t = t + load<f32>(at(bout, c));
    store<f32>(at(z, c), t);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Backward.

/** Rows per chunk of the backward (uint8 row offsets): the chunk's dPre rows stay in L2, a block's slice of them in L1. */
const CHUNK: i32 = 64;

/** CHUNK, for the host that builds the chunked column lists. */
export function binaryMlpChunkRows(): i32 {
  return CHUNK;
}

/** Bytes of scratch binaryMlpForward needs: W_outᵀ [C, H], four hidden rows and d + 1 levels of partial sums. */
export function forwardScratchBytes(d: i32, H: i32, C: i32): i32 {
  return ((C * H) << 2) + (H << 4) + (((d + 1) * H) << 2);
}

/** Bytes of scratch binaryMlpBackward needs: W_outᵀ and dW_out sums [C, H] f32, db0 sums [H] f64, db_out sums [4] f64, dPre rows [CHUNK, H]. */
export function backwardScratchBytes(H: i32, C: i32): i32 {
  return ((C * H) << 3) + (H << 3) + 32 + ((CHUNK * H) << 2);
}

/**
 * Gradients of the mean loss from dZ = d loss/d logits [n, C]: gW0 [d, H], gb0 [H] (b0 = 0: no bias), gWout [H, C],
 * gbout [C] (0: no bias), all overwritten. post [n, H] is the forward's. The rows go in chunks of CHUNK: the chunk's
 * masked dPre rows are computed into scratch, row by row with their terms of dW_out and db0, then dW0's sums run over
 * them a block of units at a time, for every column, with the block's accumulators in registers and its slice of the
 * rows in L1 (every sum still runs over i in order). x's ones by chunk and column: rows cscRows[cscStart[c·d + p] ..
 * cscStart[c·d + p + 1]) (uint8 offsets within chunk c) have x[c·CHUNK + r, p] = 1. Returns 1 when every
 * gradient is finite.
 */
export function binaryMlpBackward(n: i32, d: i32, H: i32, C: i32, cscStart: usize, cscRows: usize, Wout: usize, post: usize, dZ: usize, gW0: usize, gb0: usize, gWout: usize, gbout: usize, scratch: usize): i32 {
  const dz = C == 1 ? dZ + 4 : dZ; // a single logit's gradient: dZ's second column
  const Wt = scratch;
  const accW = Wt + (<usize>(C * H) << 2); // [C, H] f32
  const accB = accW + (<usize>(C * H) << 2); // [H] f64
  const accBo = accB + (<usize>H << 3); // [4] f64
  const buf = accBo + 32; // [CHUNK, H] f32
  transposeOut(H, C, Wout, Wt);
  memory.fill(accW, 0, (<usize>(C * H) << 2) + (<usize>H << 3) + 32);
  memory.fill(gW0, 0, <usize>(d * H) << 2);
  const rowBytes = <usize>H << 2;
  for (let i0 = 0, c = 0; i0 < n; i0 += CHUNK, c++) {
    const rows = imin(CHUNK, n - i0);
    const h0 = post + <usize>i0 * rowBytes;
    const z0 = at(dz, i0 * 2);
    if (gb0 == 0) {
      if (C == 1) for (let r = 0; r < rows; r++) dPreRowSingleNoBias(H, at(z0, r * 2), h0 + <usize>r * rowBytes, Wt, buf + <usize>r * rowBytes, accW);
      else for (let r = 0; r < rows; r++) dPreRowNoBias(H, at(z0, r * 2), h0 + <usize>r * rowBytes, Wt, buf + <usize>r * rowBytes, accW);
    } else if (C == 1) for (let r = 0; r < rows; r++) dPreRowSingle(H, at(z0, r * 2), h0 + <usize>r * rowBytes, Wt, buf + <usize>r * rowBytes, accW, accB);
    else for (let r = 0; r < rows; r++) dPreRow(H, at(z0, r * 2), h0 + <usize>r * rowBytes, Wt, buf + <usize>r * rowBytes, accW, accB);
    for (let k = 0; k < C; k++) {
      let s = load<f64>(accBo + (<usize>k << 3));
      for (let r = 0; r < rows; r++) s += <f64>load<f32>(at(z0, r * 2 + k));
      store<f64>(accBo + (<usize>k << 3), s);
    }
    sumColumns(H, d, at(cscStart, c * d), cscRows, buf, gW0);
  }
  for (let k = 0; k < C; k++) {
    for (let j = 0; j < H; j++) store<f32>(at(gWout, j * C + k), load<f32>(at(accW, k * H + j)));
  }
  if (gbout != 0) for (let k = 0; k < C; k++) store<f32>(at(gbout, k), <f32>load<f64>(accBo + (<usize>k << 3)));
  if (gb0 != 0) for (let j = 0; j < H; j++) store<f32>(at(gb0, j), <f32>load<f64>(accB + (<usize>j << 3)));
  let ok = allFinite(gW0, d * H) & allFinite(gWout, H * C);
  if (gb0 != 0) ok &= allFinite(gb0, H);
  if (gbout != 0) ok &= allFinite(gbout, C);
  return ok;
}

/**
 * One row of the backward, for C = 2 or C = 1 (a constant once inlined): out [H] = ((0 + dz[0] · Wt[0, :]) + dz[1] ·
 * Wt[1, :]) — for C = 1 just (0 + dz[0] · Wt[0, :]) — masked to +0 where post ≤ 0 (the small-k gemm, then reluBackward's
 * mask); and the row's terms of two sums over the rows, which run in row order as the row passes go: accW [C, H] +=
 * h · dz[c] (dW_out's columns, the narrow-T gemm) and, when `bias` (a constant too), accB [H] (f64) += out (db0,
 * reluBackward's column sums). A model without biases has no db0: its rows skip those float64 sums, a third of a
 * row's instructions.
 * The vector loop drops the small-k gemm's leading 0 + (which only turns a −0 product into +0): a dPre entry is read
 * only by sums that start at +0 (dW0's and db0's), and a sum that starts at +0 never becomes −0 (x + (−x) is +0), so
 * adding −0 or +0 to it gives the same bits.
 */
@inline function dPreRowOf(C: i32, bias: bool, H: i32, dz: usize, h: usize, Wt: usize, out: usize, accW: usize, accB: usize): void {
  const wb = <usize>H << 2;
  const vecBytes = <usize>(H & ~3) << 2;
  const zero = f32x4.splat(0);
  const y0 = v128.load32_splat(dz), y1 = C == 2 ? v128.load32_splat(dz + 4) : zero;
  const W1 = Wt + wb, A1 = accW + wb;
  let o: usize = 0;
  for (; o < vecBytes; o += 16) {
    const hv = v128.load(h + o);
    let s = f32x4.mul(y0, v128.load(Wt + o)); // the gemm's 0 + is left out: see above
    if (C == 2) s = f32x4.add(s, f32x4.mul(y1, v128.load(W1 + o)));
    const g = v128.and(s, f32x4.gt(hv, zero));
    v128.store(out + o, g);
    v128.store(accW + o, f32x4.add(v128.load(accW + o), f32x4.mul(hv, y0)));
    if (C == 2) v128.store(A1 + o, f32x4.add(v128.load(A1 + o), f32x4.mul(hv, y1)));
    if (bias) {
      const b = accB + (o << 1);
      v128.store(b, f64x2.add(v128.load(b), f64x2.promote_low_f32x4(g)));
      v128.store(b, f64x2.add(v128.load(b, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(g, g, 2, 3, 2, 3))), 16);
    }
  }
  const d0 = load<f32>(dz), d1: f32 = C == 2 ? load<f32>(dz, 4) : 0;
  for (; o < wb; o += 4) {
    const hj = load<f32>(h + o);
    let g: f32 = 0;
    if (hj > 0) {
      g = <f32>0 + d0 * load<f32>(Wt + o);
      if (C == 2) g = g + d1 * load<f32>(W1 + o);
    }
    store<f32>(out + o, g);
    store<f32>(accW + o, load<f32>(accW + o) + hj * d0);
    if (C == 2) store<f32>(A1 + o, load<f32>(A1 + o) + hj * d1);
    if (bias) store<f64>(accB + (o << 1), load<f64>(accB + (o << 1)) + <f64>g);
  }
}

// One function per (C, bias) (binaryen would otherwise merge the inlined copies back into one with run-time tests).
function dPreRow(H: i32, dz: usize, h: usize, Wt: usize, out: usize, accW: usize, accB: usize): void {
  dPreRowOf(2, true, H, dz, h, Wt, out, accW, accB);
}
function dPreRowSingle(H: i32, dz: usize, h: usize, Wt: usize, out: usize, accW: usize, accB: usize): void {
  dPreRowOf(1, true, H, dz, h, Wt, out, accW, accB);
}
function dPreRowNoBias(H: i32, dz: usize, h: usize, Wt: usize, out: usize, accW: usize): void {
  dPreRowOf(2, false, H, dz, h, Wt, out, accW, 0);
}
function dPreRowSingleNoBias(H: i32, dz: usize, h: usize, Wt: usize, out: usize, accW: usize): void {
  dPreRowOf(1, false, H, dz, h, Wt, out, accW, 0);
}

/**
 * gW0[p, j] += Σ buf[r, j] over the rows r of column p, for p < d: rows rowList[lists[p] .. lists[p + 1]) (uint8,
 * ascending), in that order. The units go in blocks as hiddenRow's, each block over every column before the next
 * (the block's slice of buf stays in L1).
 */
function sumColumns(H: i32, d: i32, lists: usize, rowList: usize, buf: usize, gW0: usize): void {
  const rowBytes = <usize>H << 2;
  const T = (H + 3) >> 2;
  let v = 0;
  for (; T - v > BLOCK + 1; v += BLOCK) {
    const o = <usize>v << 4;
    for (let p = 0; p < d; p++) sums(6, rowList, load<i32>(at(lists, p)), load<i32>(at(lists, p + 1)), buf + o, rowBytes, gW0 + <usize>p * rowBytes + o, 80);
  }
  if (T - v == BLOCK + 1) {
    const o = <usize>v << 4;
    for (let p = 0; p < d; p++) sums(5, rowList, load<i32>(at(lists, p)), load<i32>(at(lists, p + 1)), buf + o, rowBytes, gW0 + <usize>p * rowBytes + o, 64);
    v += 5;
  }
  const o = <usize>v << 4, last = (<usize>(H - 4) << 2) - o;
  const N = T - v;
  for (let p = 0; p < d; p++) {
    const a0 = load<i32>(at(lists, p)), a1 = load<i32>(at(lists, p + 1)), out = gW0 + <usize>p * rowBytes + o;
    if (N == 6) sums(6, rowList, a0, a1, buf + o, rowBytes, out, last);
    else if (N == 5) sums(5, rowList, a0, a1, buf + o, rowBytes, out, last);
    else if (N == 4) sums(4, rowList, a0, a1, buf + o, rowBytes, out, last);
    else if (N == 3) sums(3, rowList, a0, a1, buf + o, rowBytes, out, last);
    else sums(2, rowList, a0, a1, buf + o, rowBytes, out, last);
  }
}

/**
 * A block of N vectors of sumColumns, laid out as gather's: every vector is loaded before any is stored, so lanes
 * that two vectors share get the same sums from the same start and are stored twice with one value.
 */
@inline function sums(N: i32, rowList: usize, a0: i32, a1: i32, buf: usize, rowBytes: usize, out: usize, last: usize): void {
  let s0 = v128.load(out), s1 = s0, s2 = s0, s3 = s0, s4 = s0;
  if (N > 2) s1 = v128.load(out, 16);
  if (N > 3) s2 = v128.load(out, 32);
  if (N > 4) s3 = v128.load(out, 48);
  if (N > 5) s4 = v128.load(out, 64);
  let z = v128.load(out + last);
  for (let a = a0; a < a1; a++) {
    const p = buf + <usize>load<u8>(rowList + <usize>a) * rowBytes;
    s0 = f32x4.add(s0, v128.load(p));
    if (N > 2) s1 = f32x4.add(s1, v128.load(p, 16));
    if (N > 3) s2 = f32x4.add(s2, v128.load(p, 32));
    if (N > 4) s3 = f32x4.add(s3, v128.load(p, 48));
    if (N > 5) s4 = f32x4.add(s4, v128.load(p, 64));
    z = f32x4.add(z, v128.load(p + last));
  }
  v128.store(out, s0);
  if (N > 2) v128.store(out, s1, 16);
  if (N > 3) v128.store(out, s2, 32);
  if (N > 4) v128.store(out, s3, 48);
  if (N > 5) v128.store(out, s4, 64);
  v128.store(out + last, z);
}

