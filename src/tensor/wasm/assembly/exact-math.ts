// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// exp, log1p and log with the arithmetic of fdlibm (Sun Microsystems 1993, e_exp.c, s_log1p.c and e_log.c; "Permission
// to use, copy, modify, and distribute this software is freely granted, provided that this notice is preserved."),
// which is what V8 computes for Math.exp (with one special case, exp(1)), Math.log1p and Math.log. Every step is a float64 operation in the same order, so results are
// bit-identical to those Math functions: the batched kernels' losses must equal the JavaScript loss's bit for bit.
// (AssemblyScript's own Math.exp is a different algorithm that differs in the last bit on some inputs.)
// test/sweeps/batched-kernels.test.ts compares both with Math.exp / Math.log1p over a million inputs.

@inline export function highWord(x: f64): i32 {
  return <i32>(reinterpret<u64>(x) >> 32);
}

@inline export function lowWord(x: f64): u32 {
  return <u32>reinterpret<u64>(x);
}

@inline export function fromWords(hi: i32, lo: u32): f64 {
  return reinterpret<f64>((<u64><u32>hi << 32) | <u64>lo);
}

@inline export function withHighWord(x: f64, hi: i32): f64 {
  return fromWords(hi, lowWord(x));
}

export const LN2_HI: f64 = 6.93147180369123816490e-01;
export const LN2_LO: f64 = 1.90821492927058770002e-10;
export const INV_LN2: f64 = 1.44269504088896338700e+00;
// Remez polynomial of (x (e^x + 1) / (e^x − 1)) on [0, 0.347]
export const P1: f64 = 1.66666666666666019037e-01;
export const P2: f64 = -2.77777777770155933842e-03;
export const P3: f64 = 6.61375632143793436117e-05;
export const P4: f64 = -1.65339022054652515390e-06;
export const P5: f64 = 4.13813679705723846039e-08;
const HUGE: f64 = 1.0e+300;
const TWO_M1000: f64 = 9.33263618503218878990e-302;
const O_THRESHOLD: f64 = 7.09782712893383973096e+02;
const U_THRESHOLD: f64 = -7.45133219101941108420e+02;

/**
 * e^x: reduce x = k ln2 + r with |r| ≤ ln2 / 2 (ln2 split into a high part exact in k·LN2_HI and a low part), then
 * e^r = 1 + r + r·c / (2 − c) with c = r − r²(P1 + r²(P2 + …)), then scale by 2^k.
 */
@inline export function fdlibmExp(x: f64): f64 {
  let hx = highWord(x);
  const xsb = (hx >>> 31) & 1;
  hx &= 0x7fffffff;
  let hi: f64 = 0, lo: f64 = 0;
  let k: i32 = 0;
  if (hx >= 0x40862e42) { // |x| ≥ 709.78
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | <i32>lowWord(x)) != 0) return x + x; // NaN
      return xsb == 0 ? x : 0; // e^+∞ = +∞, e^−∞ = 0
    }
    if (x > O_THRESHOLD) return HUGE * HUGE;
    if (x < U_THRESHOLD) return TWO_M1000 * TWO_M1000;
  }
  if (hx > 0x3fd62e42) { // |x| > ln2 / 2
    if (hx < 0x3ff0a2b2) { // |x| < 1.5 ln2
      if (x == 1.0) return 2.718281828459045; // V8 returns e correctly rounded here (fdlibm is one ulp above)
      hi = xsb == 0 ? x - LN2_HI : x + LN2_HI;
      lo = xsb == 0 ? LN2_LO : -LN2_LO;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(INV_LN2 * x + (xsb == 0 ? 0.5 : -0.5));
      const t = <f64>k;
      hi = x - t * LN2_HI;
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) { // |x| < 2^-28
    return 1 + x;
  }
  const t = x * x;
  const twopk = k >= -1021 ? fromWords(0x3ff00000 + (k << 20), 0) : fromWords(0x3ff00000 + ((k + 1000) << 20), 0);
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * 8.98846567431158e307;
    return y * twopk;
  }
  return y * twopk * TWO_M1000;
}

// fdlibmExp's regions, as bounds on |x|: below 2^-28 e^x is 1 + x; below K1_FROM (high word
// 0x3fd62e43) k = 0; below K2_FROM (0x3ff0a2b2) k = −1 with x + ln2 as its hi part; above, k = (int)(x/ln2 − 0.5).
const TINY_BELOW: f64 = 3.725290298461914e-9; // 2^-28
const K1_FROM: f64 = reinterpret<f64>(<u64>0x3fd62e43 << 32);
const K2_FROM: f64 = reinterpret<f64>(<u64>0x3ff0a2b2 << 32);
// Past this |x| the scalar path takes over: fdlibm's overflow and underflow cases start at 709.78, and 2^k needs
// another scaling once k < −1021 (|x| above ~707.7).
export const EXP_PAIR_ABS_MAX: f64 = 707;

/**
 * fdlibmExp of two values x ≤ 0 with |x| < EXP_PAIR_ABS_MAX (ax = |x|; the caller checks, NaN and ±∞ fail it), bit
 * for bit, without a branch on the data: exp's three regions are computed as its general case with (hi, lo, k) chosen
 * per lane — for k = 0, hi = x and lo = 0 give fdlibm's k = 0 formula exactly, since 0 − (x c)/(2 − c) =
 * (x c)/(c − 2) — and the tiny region's 1 + x is selected after.
 */
@inline export function fdlibmExpPair(x: v128, ax: v128): v128 {
  const zero = f64x2.splat(0), one = f64x2.splat(1);
  const kc = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(f64x2.splat(INV_LN2), x), f64x2.splat(-0.5)));
  const tk = f64x2.convert_low_i32x4_s(kc);
  let hi = f64x2.sub(x, f64x2.mul(tk, f64x2.splat(LN2_HI)));
  let lo = f64x2.mul(tk, f64x2.splat(LN2_LO));
  let k = i64x2.extend_low_i32x4_s(kc);
  const kMinus1 = f64x2.lt(ax, f64x2.splat(K2_FROM));
  hi = v128.bitselect(f64x2.add(x, f64x2.splat(LN2_HI)), hi, kMinus1);
  lo = v128.bitselect(f64x2.splat(-LN2_LO), lo, kMinus1);
  k = v128.bitselect(i64x2.splat(-1), k, kMinus1);
  const k0 = f64x2.lt(ax, f64x2.splat(K1_FROM));
  hi = v128.bitselect(x, hi, k0);
  lo = v128.bitselect(zero, lo, k0);
  k = v128.bitselect(zero, k, k0);
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  const poly = f64x2.add(f64x2.splat(P1), f64x2.mul(t, f64x2.add(f64x2.splat(P2), f64x2.mul(t, f64x2.add(f64x2.splat(P3), f64x2.mul(t, f64x2.add(f64x2.splat(P4), f64x2.mul(t, f64x2.splat(P5)))))))));
  const c = f64x2.sub(r, f64x2.mul(t, poly));
  const ye = f64x2.sub(one, f64x2.sub(f64x2.sub(lo, f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2), c))), hi));
  const twopk = i64x2.shl(i64x2.add(k, i64x2.splat(1023)), 52);
  return v128.bitselect(f64x2.add(one, x), f64x2.mul(ye, twopk), f64x2.lt(ax, f64x2.splat(TINY_BELOW)));
}

// Remez polynomial of (log(1 + s) − log(1 − s) − 2s) / s on [0, 0.1716] (log's Lg1–Lg7 are the same numbers)
export const LP1: f64 = 6.666666666666735130e-01;
export const LP2: f64 = 3.999999999940941908e-01;
export const LP3: f64 = 2.857142874366239149e-01;
export const LP4: f64 = 2.222219843214978396e-01;
export const LP5: f64 = 1.818357216161805012e-01;
export const LP6: f64 = 1.531383769920937332e-01;
export const LP7: f64 = 1.479819860511658591e-01;
const TWO54: f64 = 1.80143985094819840000e+16;

/**
 * log(1 + x): 1 + x = 2^k (1 + f) with √2/2 < 1 + f < √2 (plus a correction c for the rounding of 1 + x), then
 * log(1 + f) = f − f²/2 + s (f²/2 + R(s²)) with s = f / (2 + f).
 */
@inline export function fdlibmLog1p(x: f64): f64 {
  const hx = highWord(x);
  const ax = hx & 0x7fffffff;
  let k: i32 = 1, hu: i32 = 0;
  let f: f64 = 0, c: f64 = 0;
  if (hx < 0x3fda827a) { // 1 + x < √2
    if (ax >= 0x3ff00000) { // x ≤ −1
      if (x == -1.0) return -Infinity;
      return NaN;
    }
    if (ax < 0x3e200000) { // |x| < 2^-29
      if (TWO54 + x > 0 && ax < 0x3c900000) return x; // |x| < 2^-54
      return x - x * x * 0.5;
    }
    if (hx > 0 || hx <= <i32>0xbfd2bec4) { // √2/2 ≤ 1 + x < √2
      k = 0;
      f = x;
      hu = 1;
    }
  }
  if (hx >= 0x7ff00000) return x + x;
  if (k != 0) {
    let u: f64;
    if (hx < 0x43400000) {
      u = 1.0 + x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
      c /= u;
    } else {
      u = x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = 0;
    }
    hu &= 0x000fffff;
    if (hu < 0x6a09e) {
      u = withHighWord(u, hu | 0x3ff00000); // u ~< √2
    } else {
      k += 1;
      u = withHighWord(u, hu | 0x3fe00000); // u / 2
      hu = (0x00100000 - hu) >> 2;
    }
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  if (hu == 0) { // |f| < 2^-20
    if (f == 0) {
      if (k == 0) return 0;
      c += <f64>k * LN2_LO;
      return <f64>k * LN2_HI + c;
    }
    const R = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k == 0) return f - R;
    return <f64>k * LN2_HI - ((R - (<f64>k * LN2_LO + c)) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const R = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
  if (k == 0) return f - (hfsq - s * (hfsq + R));
  return <f64>k * LN2_HI - ((hfsq - (s * (hfsq + R) + (<f64>k * LN2_LO + c))) - f);
}

/**
 * log(x): x = 2^k (1 + f) with √2/2 < 1 + f < √2, then log(1 + f) = f − f²/2 + s (f²/2 + R(s²)) with s = f / (2 + f)
 * (or f − s (f − R) where f is small enough), R the log1p polynomial; |f| < 2^-20 takes a shorter series.
 */
@inline export function fdlibmLog(x: f64): f64 {
  let hx = highWord(x);
  let k: i32 = 0;
  if (hx < 0x00100000) { // x < 2^-1022
    if (((hx & 0x7fffffff) | <i32>lowWord(x)) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54; // subnormal: scale up
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, hx | (i ^ 0x3ff00000)); // x or x / 2, in [√2/2, √2)
  k += i >> 20;
  const f = x - 1.0;
  const dk = <f64>k;
  if ((0x000fffff & (2 + hx)) < 3) { // |f| < 2^-20
    if (f == 0) return k == 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    return dk * LN2_HI - ((R - dk * LN2_LO) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LP2 + w * (LP4 + w * LP6));
  const t2 = z * (LP1 + w * (LP3 + w * (LP5 + w * LP7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

/** fdlibmExp, fdlibmLog1p and fdlibmLog as exports (the host checks them against Math.exp, Math.log1p and Math.log). */
export function exactExp(x: f64): f64 {
  return fdlibmExp(x);
}

export function exactLog1p(x: f64): f64 {
  return fdlibmLog1p(x);
}

export function exactLog(x: f64): f64 {
  return fdlibmLog(x);
}
