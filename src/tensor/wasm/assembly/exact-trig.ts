// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// sin and cos with the arithmetic of fdlibm (Sun Microsystems 1993, s_sin.c, s_cos.c, k_sin.c, k_cos.c and
// e_rem_pio2.c; "Permission to use, copy, modify, and distribute this software is freely granted, provided that this
// notice is preserved."), which is what V8 computes for Math.sin and Math.cos, for finite |x| ≤ 2^19·π/2 (fdlibm's
// "medium" arguments; larger ones need its multi-word reduction, which nothing here calls for). Every step is a
// float64 operation in the same order, so results equal those Math functions bit for bit (the host compares them).
import { fromWords, highWord } from "./exact-math";

// 2/π (53 bits), and π/2 in three 33-bit pieces, each with the tail after it
export const INV_PIO2: f64 = 6.36619772367581382433e-01;
export const PIO2_1: f64 = 1.57079632673412561417e+00;
export const PIO2_1T: f64 = 6.07710050650619224932e-11;
const PIO2_2: f64 = 6.07710050630396597660e-11;
const PIO2_2T: f64 = 2.02226624879595063154e-21;
const PIO2_3: f64 = 2.02226624871116645580e-21;
const PIO2_3T: f64 = 8.47842766036889956997e-32;
// cos on [−π/4, π/4]: 1 − x²/2 + C1 x⁴ + … + C6 x¹⁴
export const C1: f64 = 4.16666666666666019037e-02;
export const C2: f64 = -1.38888888888741095749e-03;
export const C3: f64 = 2.48015872894767294178e-05;
export const C4: f64 = -2.75573143513906633035e-07;
export const C5: f64 = 2.08757232129817482790e-09;
export const C6: f64 = -1.13596475577881948265e-11;
// sin on [−π/4, π/4]: x + S1 x³ + … + S6 x¹³
export const S1: f64 = -1.66666666666666324348e-01;
export const S2: f64 = 8.33333333332248946124e-03;
export const S3: f64 = -1.98412698298579493134e-04;
export const S4: f64 = 2.75573137070700676789e-06;
export const S5: f64 = -2.50507602534068634195e-08;
export const S6: f64 = 1.58969099521155010221e-10;

// The reduced argument y0 + y1 of the last remPio2 (wasm globals: one per instance, so one per thread).
let reducedHead: f64 = 0;
let reducedTail: f64 = 0;

/**
 * n and y0 + y1 = x − n·π/2 with |y| ≲ π/4 (into reducedHead/reducedTail): fdlibm's __ieee754_rem_pio2 for
 * |x| ≤ 2^19·π/2 — one to three rounds of the three-piece π/2 by how much the first round cancels.
 */
function remPio2(x: f64): i32 {
  const hx = highWord(x), ix = hx & 0x7fffffff;
  if (ix <= 0x3fe921fb) { // |x| ≲ π/4
    reducedHead = x;
    reducedTail = 0;
    return 0;
  }
  if (ix < 0x4002d97c) { // |x| < 3π/4: n = ±1
    let z: f64;
    if (hx > 0) {
      z = x - PIO2_1;
      if (ix != 0x3ff921fb) {
        reducedHead = z - PIO2_1T;
        reducedTail = (z - reducedHead) - PIO2_1T;
      } else { // near π/2: 33 + 33 + 53 bits of π/2
        z -= PIO2_2;
        reducedHead = z - PIO2_2T;
        reducedTail = (z - reducedHead) - PIO2_2T;
      }
      return 1;
    }
    z = x + PIO2_1;
    if (ix != 0x3ff921fb) {
      reducedHead = z + PIO2_1T;
      reducedTail = (z - reducedHead) + PIO2_1T;
    } else {
      z += PIO2_2;
      reducedHead = z + PIO2_2T;
      reducedTail = (z - reducedHead) + PIO2_2T;
    }
    return -1;
  }
  let t = abs(x);
  const n = <i32>(t * INV_PIO2 + 0.5);
  const fn = <f64>n;
  let r = t - fn * PIO2_1;
  let w = fn * PIO2_1T; // first round, good to 85 bits
  // fdlibm's table npio2_hw[n − 1] holds the high words of n·π/2 for n ≤ 32: those of the double n·(π/2) (all 32 equal)
  if (n < 32 && ix != highWord(fn * 1.5707963267948966)) {
    reducedHead = r - w; // no cancellation
  } else {
    const j = ix >> 20;
    reducedHead = r - w;
    let i = j - ((highWord(reducedHead) >> 20) & 0x7ff);
    if (i > 16) { // second round, good to 118 bits
      t = r;
      w = fn * PIO2_2;
      r = t - w;
      w = fn * PIO2_2T - ((t - r) - w);
      reducedHead = r - w;
      i = j - ((highWord(reducedHead) >> 20) & 0x7ff);
      if (i > 49) { // third round, 151 bits
        t = r;
        w = fn * PIO2_3;
        r = t - w;
        w = fn * PIO2_3T - ((t - r) - w);
        reducedHead = r - w;
      }
    }
  }
  reducedTail = (r - reducedHead) - w;
  if (hx < 0) {
    reducedHead = -reducedHead;
    reducedTail = -reducedTail;
    return -n;
  }
  return n;
}

/** cos(x + y) for |x| ≲ π/4, y the tail of x (fdlibm's __kernel_cos). */
@inline function kernelCos(x: f64, y: f64): f64 {
  const ix = highWord(x) & 0x7fffffff;
  if (ix < 0x3e400000) return 1; // |x| < 2^-27
  const z = x * x;
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3fd33333) return 1 - (0.5 * z - (z * r - x * y)); // |x| < 0.3
  const qx = ix > 0x3fe90000 ? 0.28125 : fromWords(ix - 0x00200000, 0); // x/4 with the low word cleared
  const iz = 0.5 * z - qx;
  const a = 1 - qx;
  return a - (iz - (z * r - x * y));
}

/** sin(x + y) for |x| ≲ π/4, y the tail of x; `tail` false when y = 0 (fdlibm's __kernel_sin with iy = 0). */
@inline function kernelSin(x: f64, y: f64, tail: bool): f64 {
  const ix = highWord(x) & 0x7fffffff;
  if (ix < 0x3e400000) return x; // |x| < 2^-27
  const z = x * x;
  const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  if (!tail) return x + v * (S1 + z * r);
  return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

/** Math.cos(x) for finite |x| ≤ 2^19·π/2. */
@inline export function fdlibmCos(x: f64): f64 {
  if ((highWord(x) & 0x7fffffff) <= 0x3fe921fb) return kernelCos(x, 0);
  const n = remPio2(x) & 3, y0 = reducedHead, y1 = reducedTail;
  if (n == 0) return kernelCos(y0, y1);
  if (n == 1) return -kernelSin(y0, y1, true);
  if (n == 2) return -kernelCos(y0, y1);
  return kernelSin(y0, y1, true);
}

/** Math.sin(x) for finite |x| ≤ 2^19·π/2. */
@inline export function fdlibmSin(x: f64): f64 {
  if ((highWord(x) & 0x7fffffff) <= 0x3fe921fb) return kernelSin(x, 0, false);
  const n = remPio2(x) & 3, y0 = reducedHead, y1 = reducedTail;
  if (n == 0) return kernelSin(y0, y1, true);
  if (n == 1) return kernelCos(y0, y1);
  if (n == 2) return -kernelSin(y0, y1, true);
  return -kernelCos(y0, y1);
}

/** fdlibmSin and fdlibmCos as exports (the host checks them against Math.sin and Math.cos). */
export function exactSin(x: f64): f64 {
  return fdlibmSin(x);
}

export function exactCos(x: f64): f64 {
  return fdlibmCos(x);
}
