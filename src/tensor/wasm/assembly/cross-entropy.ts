// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// The rows of softmax cross-entropy, operation for operation as the TypeScript reference
// (src/tensor/kernels/cross-entropy.ts): float64 arithmetic, fdlibm's exp and log1p (what V8 computes for Math.exp
// and Math.log1p), d holding e_j rounded to float32 until it is scaled, a gradient below 2^-100 stored as +0. Rows are independent; threads take chunks.
// Z, d: [n, C] f32; y: [n] i32; per: [n] f64; hit: [n] i32 (1 where the argmax is the label).
import { EXP_PAIR_ABS_MAX, fdlibmExp, fdlibmExpPair, fdlibmLog1p } from "./exact-math";
import { claim, imin } from "./util";

const ROWS: i32 = 64;

/** 2^-100: gradient entries below it are stored as +0 (src/tensor/kernels/cross-entropy.ts says why). */
export const FLUSH_BELOW: f32 = 7.888609052210118e-31;

@inline export function flushTiny(v: f32): f32 {
  return abs<f32>(v) < FLUSH_BELOW ? 0 : v;
}

/** Index of the row's largest entry (first one on ties; NaN never wins), as src/tensor/kernels/cross-entropy.ts's argmaxRow. */
export function rowArgmax(z: usize, C: i32): i32 {
  let arg = 0;
  let best = load<f32>(z);
  for (let j = 1; j < C; j++) {
    const v = load<f32>(z + (<usize>j << 2));
    if (v > best || (best != best && v == v)) { arg = j; best = v; }
  }
  return arg;
}

export function softmaxCrossEntropyRows(n: i32, C: i32, Z: usize, y: usize, scale: f64, d: usize, per: usize, hit: usize, counter: usize): void {
  const chunks = (n + ROWS - 1) / ROWS;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    for (let i = c * ROWS, i1 = imin(i + ROWS, n); i < i1; i++) {
      const z = Z + ((<usize>i * <usize>C) << 2);
      const yi = load<i32>(y + (<usize>i << 2));
      const arg = rowArgmax(z, C);
      store<i32>(hit + (<usize>i << 2), arg == yi ? 1 : 0);
      const m = <f64>load<f32>(z + (<usize>arg << 2));
      let notArg: f64 = 0;
      if (d != 0) {
        const dr = d + ((<usize>i * <usize>C) << 2);
        notArg = expRow(C, z, m, arg, dr);
        store<f64>(per + (<usize>i << 3), (m - <f64>load<f32>(z + (<usize>yi << 2)) + fdlibmLog1p(notArg)) * scale);
        const notY = yi == arg ? notArg : 1 + notArg - <f64>load<f32>(dr + (<usize>yi << 2));
        const inv = scale / ((1 + notArg) * <f64>n);
        scaleRow(C, dr, inv);
        store<f32>(dr + (<usize>yi << 2), flushTiny(<f32>(-notY * inv)));
      } else {
        notArg = expRow(C, z, m, arg, 0);
        store<f64>(per + (<usize>i << 3), (m - <f64>load<f32>(z + (<usize>yi << 2)) + fdlibmLog1p(notArg)) * scale);
      }
    }
  }
}

/**
 * Σ_{j ≠ arg} e_j in j order, e_j = exp(z_j − m) (fdlibm, two at a time by fdlibmExpPair, a pair with a value out of
 * its range one at a time), and, when dr ≠ 0, dr[j] = e_j rounded to float32 with dr[arg] = 1 (e_arg is exp(0) = 1).
 */
function expRow(C: i32, z: usize, m: f64, arg: i32, dr: usize): f64 {
  let sum: f64 = 0;
  const vm = f64x2.splat(m), limit = f64x2.splat(EXP_PAIR_ABS_MAX);
  let j = 0;
  for (; j + 2 <= C; j += 2) {
    const x = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(z + (<usize>j << 2))), vm);
    const ax = f64x2.abs(x);
    let e0: f64, e1: f64;
    if (i64x2.all_true(f64x2.lt(ax, limit))) {
      const e = fdlibmExpPair(x, ax);
      e0 = f64x2.extract_lane(e, 0);
      e1 = f64x2.extract_lane(e, 1);
    } else {
      e0 = fdlibmExp(f64x2.extract_lane(x, 0));
      e1 = fdlibmExp(f64x2.extract_lane(x, 1));
    }
    if (dr != 0) {
      store<f32>(dr + (<usize>j << 2), j == arg ? 1 : <f32>e0);
      store<f32>(dr + (<usize>j << 2), j + 1 == arg ? 1 : <f32>e1, 4);
    }
    if (j != arg) sum += e0;
    if (j + 1 != arg) sum += e1;
  }
  if (j < C) {
    const e = fdlibmExp(<f64>load<f32>(z + (<usize>j << 2)) - m);
    if (dr != 0) store<f32>(dr + (<usize>j << 2), j == arg ? 1 : <f32>e);
    if (j != arg) sum += e;
  }
  return sum;
}

/** dr[j] = flushTiny(dr[j] · inv) in float64, rounded once, two at a time (a NaN is kept, as flushTiny keeps it). */
function scaleRow(C: i32, dr: usize, inv: f64): void {
  const vinv = f64x2.splat(inv), flush = f32x4.splat(FLUSH_BELOW);
  let j = 0;
  for (; j + 2 <= C; j += 2) {
    const o = dr + (<usize>j << 2);
    const v = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(o)), vinv));
    v128.store64_lane(o, v128.andnot(v, f32x4.lt(f32x4.abs(v), flush)), 0);
  }
  if (j < C) store<f32>(dr + (<usize>j << 2), flushTiny(<f32>(<f64>load<f32>(dr + (<usize>j << 2)) * inv)));
}
