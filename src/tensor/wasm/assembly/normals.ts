// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
import { claim, imin } from "./util";
import { hash3x4 } from "./hash";
import { LN2_HI, LN2_LO, LP1, LP2, LP3, LP4, LP5, LP6, LP7, fdlibmLog } from "./exact-math";
import { C1, C2, C3, C4, C5, C6, INV_PIO2, PIO2_1, PIO2_1T, S1, S2, S3, S4, S5, S6, fdlibmCos, fdlibmSin } from "./exact-trig";

/** Pairs of values per chunk a thread claims (even: the vector loop takes two pairs at a time). */
const CHUNK: i32 = 2048;

/**
 * out[i] = rng.ts's normals(key, n, std)[i] for i < n, bit for bit: Box–Muller on uniforms 2q and 2q + 1 for the pair
 * q = ⌊i/2⌋ (each uniform is 53 bits from two draws, so a pair's four draws 4q … 4q + 3 are hashed side by side):
 *   r = √(−2 log(1 − u_2q)) · std,  out[2q] = r cos(2π u_2q+1),  out[2q + 1] = r sin(2π u_2q+1)
 * in float64 with fdlibm's log, cos and sin (what V8's Math functions compute), rounded once to float32. Two pairs
 * go through `pairsOf2` in float64 lanes, fdlibm's data-dependent branches turned into selects (a mispredicted
 * branch costs more than computing both sides); the inputs where fdlibm may take a branch the selects do not cover
 * (a few pairs in a million) and the tail go through `onePair`, fdlibm as written.
 */
export function normals(n: i32, k0: u32, k1: u32, std: f64, out: usize, counter: usize): void {
  const pairs = (n + 1) >> 1;
  const full = n >> 1; // pairs with both values inside out
  const chunks = (pairs + CHUNK - 1) / CHUNK;
  const vk0 = i32x4.splat(k0), vk1 = i32x4.splat(k1);
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const q1 = imin(c * CHUNK + CHUNK, pairs);
    let q = c * CHUNK;
    for (; q + 2 <= imin(q1, full); q += 2) {
      if (!pairsOf2(q, vk0, vk1, std, out)) {
        onePair(q, vk0, vk1, std, n, out);
        onePair(q + 1, vk0, vk1, std, n, out);
      }
    }
    for (; q < q1; q++) onePair(q, vk0, vk1, std, n, out);
  }
}

/** Pair q's two uniforms (a, b) in lanes 0 and 1: (hi · 2^26 + lo) / 2^53 (× 2^-53 is exact). */
@inline function uniformsOf(h: v128): v128 {
  const hi = i32x4.shr_u(h, 5), lo = i32x4.shr_u(h, 6);
  const top = f64x2.convert_low_i32x4_u(v128.shuffle<i32>(hi, hi, 0, 2, 0, 2));
  const bottom = f64x2.convert_low_i32x4_u(v128.shuffle<i32>(lo, lo, 1, 3, 1, 3));
  return f64x2.mul(f64x2.add(f64x2.mul(top, f64x2.splat(67108864)), bottom), f64x2.splat(1.1102230246251565e-16));
}

/** Pair q by fdlibm's scalar functions. */
function onePair(q: i32, vk0: v128, vk1: v128, std: f64, n: i32, out: usize): void {
  const u = uniformsOf(hash3x4(vk0, vk1, i32x4.add(i32x4.splat(q << 2), i32x4(0, 1, 2, 3))));
  const r = Math.sqrt(-2 * fdlibmLog(1 - f64x2.extract_lane(u, 0))) * std;
  const angle = 6.283185307179586 * f64x2.extract_lane(u, 1); // rng.ts's 2 * Math.PI * u, left to right
  const o = out + (<usize>q << 3);
  store<f32>(o, <f32>(r * fdlibmCos(angle)));
  if ((q << 1) + 1 < n) store<f32>(o, <f32>(r * fdlibmSin(angle)), 4);
}

@inline function splat64(x: i64): v128 {
  return i64x2.splat(x);
}

/** c + x·rest, a Horner step. */
@inline function poly(x: v128, c: f64, rest: v128): v128 {
  return f64x2.add(f64x2.splat(c), f64x2.mul(x, rest));
}

/** Each lane's high word (sign-extended into the lane). */
@inline function highWords(x: v128): v128 {
  return i64x2.shr_s(x, 32);
}

/** Lanes 0 and 1 of i64 lanes holding small integers, as float64. */
@inline function toF64(k: v128): v128 {
  return f64x2.convert_low_i32x4_s(v128.shuffle<i32>(k, k, 0, 2, 0, 2));
}

// What the lane functions leave beside their result (wasm globals: one per instance, so one per thread).
let logRare: v128 = i64x2.splat(0); // lanes of logLanes that need fdlibm's branches (all ones)
let trigRare: v128 = i64x2.splat(0); // lanes of cosSinLanes that need them
let sinOut: v128 = i64x2.splat(0); // cosSinLanes' sines

/**
 * fdlibm's log (e_log.c) of two values in [2^-1022, ∞), finite, with selects for its branches: x = 2^k (1 + f), then
 * the two formulas its test on f picks between (its k = 0 formulas are these with k = 0, bit for bit: 0 − (y − f) is
 * f − y, and + 0 or − 0 leave the other terms as they are). Lanes with |f| < 2^-20, where fdlibm takes a shorter
 * series, are marked in logRare.
 */
@inline function logLanes(x: v128): v128 {
  const one = f64x2.splat(1);
  let hx = highWords(x);
  let k = i64x2.sub(i64x2.shr_s(hx, 20), splat64(1023));
  hx = v128.and(hx, splat64(0x000fffff));
  const iw = v128.and(i64x2.add(hx, splat64(0x95f64)), splat64(0x100000));
  const xn = v128.or(v128.and(x, splat64(0xffffffff)), i64x2.shl(v128.or(hx, v128.xor(iw, splat64(0x3ff00000))), 32));
  k = i64x2.add(k, i64x2.shr_s(iw, 20));
  logRare = i64x2.lt_s(v128.and(i64x2.add(hx, splat64(2)), splat64(0x000fffff)), splat64(3));
  const f = f64x2.sub(xn, one);
  const s = f64x2.div(f, f64x2.add(f64x2.splat(2), f));
  const dk = toF64(k);
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, poly(w, LP2, poly(w, LP4, f64x2.splat(LP6))));
  const t2 = f64x2.mul(z, poly(w, LP1, poly(w, LP3, poly(w, LP5, f64x2.splat(LP7)))));
  const R = f64x2.add(t2, t1);
  const hfsq = f64x2.mul(f64x2.mul(f64x2.splat(0.5), f), f);
  const dkHi = f64x2.mul(dk, f64x2.splat(LN2_HI)), dkLo = f64x2.mul(dk, f64x2.splat(LN2_LO));
  const logA = f64x2.sub(dkHi, f64x2.sub(f64x2.sub(hfsq, f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), dkLo)), f));
  const logB = f64x2.sub(dkHi, f64x2.sub(f64x2.sub(f64x2.mul(s, f64x2.sub(f, R)), dkLo), f));
  return v128.bitselect(logA, logB, i64x2.gt_s(v128.or(i64x2.sub(hx, splat64(0x6147a)), i64x2.sub(splat64(0x6b851), hx)), splat64(0)));
}

/**
 * fdlibm's cos (returned) and sin (into sinOut) of two angles t in [0, 2π), with selects for its branches. The
 * reduction y0 + y1 = t − n·π/2 (e_rem_pio2.c's first round; below π/4 by high word, n = 0 and y = t, which the same
 * formula gives with n = 0); cos(y0 + y1) by k_cos.c (its qx = 0 below 0.3 gives the short formula exactly: 1 − 0 and
 * z/2 − 0 are exact); sin by k_sin.c, with the tail, or without it below π/4; then the quadrant. Lanes that need
 * fdlibm's branches are marked in trigRare: an angle whose high word is that of n·π/2 (fdlibm's table of them, and
 * its "near π/2" case, hold the high words of the doubles n·(π/2)), where it may take more reduction rounds, and a
 * reduced angle below 2^-27, where its kernels return early.
 */
@inline function cosSinLanes(t: v128): v128 {
  const zero = f64x2.splat(0), one = f64x2.splat(1);
  const ix = highWords(t);
  const small = i64x2.le_s(ix, splat64(0x3fe921fb));
  const nInt = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(t, f64x2.splat(INV_PIO2)), f64x2.splat(0.5)));
  const nq = v128.andnot(i64x2.extend_low_i32x4_s(nInt), small);
  const fn = v128.andnot(f64x2.convert_low_i32x4_s(nInt), small);
  const rr = f64x2.sub(t, f64x2.mul(fn, f64x2.splat(PIO2_1)));
  const ww = f64x2.mul(fn, f64x2.splat(PIO2_1T));
  const y0 = f64x2.sub(rr, ww);
  const y1 = f64x2.sub(f64x2.sub(rr, y0), ww);
  const iy = v128.and(highWords(y0), splat64(0x7fffffff));
  trigRare = v128.or(v128.andnot(i64x2.eq(ix, highWords(f64x2.mul(fn, f64x2.splat(1.5707963267948966)))), small), i64x2.lt_s(iy, splat64(0x3e400000)));
  const zz = f64x2.mul(y0, y0);
  const rc = f64x2.mul(zz, poly(zz, C1, poly(zz, C2, poly(zz, C3, poly(zz, C4, poly(zz, C5, f64x2.splat(C6)))))));
  let qx = v128.bitselect(f64x2.splat(0.28125), i64x2.shl(i64x2.sub(iy, splat64(0x00200000)), 32), i64x2.gt_s(iy, splat64(0x3fe90000)));
  qx = v128.andnot(qx, i64x2.lt_s(iy, splat64(0x3fd33333)));
  const xy = f64x2.sub(f64x2.mul(zz, rc), f64x2.mul(y0, y1));
  const kc = f64x2.sub(f64x2.sub(one, qx), f64x2.sub(f64x2.sub(f64x2.mul(f64x2.splat(0.5), zz), qx), xy));
  const v = f64x2.mul(zz, y0);
  const rs = poly(zz, S2, poly(zz, S3, poly(zz, S4, poly(zz, S5, f64x2.splat(S6)))));
  const ksTail = f64x2.sub(y0, f64x2.sub(f64x2.sub(f64x2.mul(zz, f64x2.sub(f64x2.mul(f64x2.splat(0.5), y1), f64x2.mul(v, rs))), y1), f64x2.mul(v, f64x2.splat(S1))));
  const ksNoTail = f64x2.add(y0, f64x2.mul(v, f64x2.add(f64x2.splat(S1), f64x2.mul(zz, rs))));
  const ks = v128.bitselect(ksNoTail, ksTail, small);
  // quadrant n mod 4: (cos, sin) = (C, S), (−S, C), (−C, −S), (S, −C)
  const swap = i64x2.ne(v128.and(nq, splat64(1)), zero);
  const sign = splat64(0x8000000000000000);
  sinOut = v128.xor(v128.bitselect(kc, ks, swap), v128.and(sign, i64x2.ne(v128.and(nq, splat64(2)), zero)));
  return v128.xor(v128.bitselect(ks, kc, swap), v128.and(sign, i64x2.ne(v128.and(i64x2.add(nq, splat64(1)), splat64(2)), zero)));
}

/** Pairs q and q + 1 into out[2q … 2q + 3]; false (nothing stored) when a lane needs one of fdlibm's branches. */
@inline function pairsOf2(q: i32, vk0: v128, vk1: v128, std: f64, out: usize): bool {
  const ctr = i32x4.add(i32x4.splat(q << 2), i32x4(0, 1, 2, 3));
  const u0 = uniformsOf(hash3x4(vk0, vk1, ctr)), u1 = uniformsOf(hash3x4(vk0, vk1, i32x4.add(ctr, i32x4.splat(4))));
  const a = v128.shuffle<f64>(u0, u1, 0, 2), b = v128.shuffle<f64>(u0, u1, 1, 3);
  const r = f64x2.mul(f64x2.sqrt(f64x2.mul(f64x2.splat(-2), logLanes(f64x2.sub(f64x2.splat(1), a)))), f64x2.splat(std));
  const cosT = cosSinLanes(f64x2.mul(f64x2.splat(6.283185307179586), b)); // rng.ts's 2 * Math.PI * u, left to right
  if (v128.any_true(v128.or(logRare, trigRare))) return false;
  const c32 = f32x4.demote_f64x2_zero(f64x2.mul(r, cosT)), s32 = f32x4.demote_f64x2_zero(f64x2.mul(r, sinOut));
  v128.store(out + (<usize>q << 3), v128.shuffle<f32>(c32, s32, 0, 4, 1, 5));
  return true;
}

/**
 * The lane functions for the host's tests, on the two float64 at p: logLanes' results at p + 16 and its marks at
 * p + 32; cosSinLanes' cosines at p + 48, sines at p + 64, marks at p + 80.
 */
export function normalsLanesAt(p: usize): void {
  const x = v128.load(p);
  v128.store(p, logLanes(x), 16);
  v128.store(p, logRare, 32);
  v128.store(p, cosSinLanes(x), 48);
  v128.store(p, sinOut, 64);
  v128.store(p, trigRare, 80);
}
