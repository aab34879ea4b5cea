// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// Optimizer steps with the float64 arithmetic of src/tensor/kernels/adam.ts and src/train/optimizers.ts term for term
// (moments stored in float32 and read back rounded, as there): used per tensor by the backend's adamUpdate (threads
// take chunks of elements; each element's arithmetic is independent of the others) and per model by batched training.
import { claim, imin } from "./util";

@inline function sign(x: f64): f64 {
  return x > 0 ? 1 : x < 0 ? -1 : x;
}

/**
 * Adam / AdamW over len floats: gi = g + l2·p + l1·sign p; m ← b1 m + (1 − b1) gi; v ← b2 v + (1 − b2) gi gi;
 * p ← p · decay − (stepSize · m) / (sqrt(v) / bc2Sqrt + eps), then 0 where |p| < flushBelow (0: never; NaN kept).
 * oneMinusB1 = 1 − b1 and oneMinusB2 = 1 − b2 as computed in float64.
 */
export function adamUpdate(len: i32, p: usize, g: usize, m: usize, v: usize, decay: f64, l2: f64, l1: f64, b1: f64, b2: f64, oneMinusB1: f64, oneMinusB2: f64, stepSize: f64, bc2Sqrt: f64, eps: f64, flushBelow: f64): void {
  // two elements at a time in float64 lanes: the same IEEE operations per lane (division and sqrt included)
  const vDecay = f64x2.splat(decay), vL2 = f64x2.splat(l2), vL1 = f64x2.splat(l1), vB1 = f64x2.splat(b1), vB2 = f64x2.splat(b2);
  const vOne1 = f64x2.splat(oneMinusB1), vOne2 = f64x2.splat(oneMinusB2), vStep = f64x2.splat(stepSize), vBc2 = f64x2.splat(bc2Sqrt), vEps = f64x2.splat(eps);
  const zero = f64x2.splat(0), one = f64x2.splat(1), minusOne = f64x2.splat(-1), vFlush = f64x2.splat(flushBelow);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 2;
    const pi = f64x2.promote_low_f32x4(v128.load64_zero(p + o));
    const sg = v128.bitselect(one, v128.bitselect(minusOne, pi, f64x2.lt(pi, zero)), f64x2.gt(pi, zero));
    const gi = f64x2.add(f64x2.add(f64x2.promote_low_f32x4(v128.load64_zero(g + o)), f64x2.mul(vL2, pi)), f64x2.mul(vL1, sg));
    const mi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(vB1, f64x2.promote_low_f32x4(v128.load64_zero(m + o))), f64x2.mul(vOne1, gi)));
    const vi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(vB2, f64x2.promote_low_f32x4(v128.load64_zero(v + o))), f64x2.mul(f64x2.mul(vOne2, gi), gi)));
    v128.store64_lane(m + o, mi, 0);
    v128.store64_lane(v + o, vi, 0);
    const den = f64x2.add(f64x2.div(f64x2.sqrt(f64x2.promote_low_f32x4(vi)), vBc2), vEps);
    const pn = f64x2.sub(f64x2.mul(pi, vDecay), f64x2.div(f64x2.mul(vStep, f64x2.promote_low_f32x4(mi)), den));
    v128.store64_lane(p + o, f32x4.demote_f64x2_zero(v128.andnot(pn, f64x2.lt(f64x2.abs(pn), vFlush))), 0);
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    const pi = <f64>load<f32>(p + o);
    const gi = <f64>load<f32>(g + o) + l2 * pi + l1 * sign(pi);
    const mi = <f32>(b1 * <f64>load<f32>(m + o) + oneMinusB1 * gi);
    const vi = <f32>(b2 * <f64>load<f32>(v + o) + oneMinusB2 * gi * gi);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const pn = pi * decay - (stepSize * <f64>mi) / (Math.sqrt(<f64>vi) / bc2Sqrt + eps);
    store<f32>(p + o, <f32>(Math.abs(pn) < flushBelow ? 0 : pn));
  }
}

/** SGD: gi = g + wd·p + l1·sign p; with momentum (buf ≠ 0) buf ← mu·buf + gi, gi = buf; p ← p − lr·gi. */
export function sgdUpdate(len: i32, p: usize, g: usize, buf: usize, lr: f64, wd: f64, l1: f64, mu: f64): void {
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 2;
    const pi = <f64>load<f32>(p + o);
    let gi = <f64>load<f32>(g + o) + wd * pi + l1 * sign(pi);
    if (buf != 0) {
      const b = <f32>(mu * <f64>load<f32>(buf + o) + gi);
      store<f32>(buf + o, b);
      gi = <f64>b;
    }
    store<f32>(p + o, <f32>(pi - lr * gi));
  }
}

/** Elements per chunk of the threaded adamUpdate (even, so every chunk but the last runs whole f64x2 pairs). */
const ADAM_CHUNK: i32 = 8192;

/**
 * adamUpdate over len floats with threads taking chunks; `coef` points at 11 float64 values: decay, l2, l1, b1, b2,
 * 1 − b1, 1 − b2, stepSize, bc2Sqrt, eps, flushBelow.
 */
export function adamUpdateChunks(len: i32, p: usize, g: usize, m: usize, v: usize, coef: usize, counter: usize): void {
  const chunks = (len + ADAM_CHUNK - 1) / ADAM_CHUNK;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const i0 = c * ADAM_CHUNK, o = <usize>i0 << 2;
    adamUpdate(imin(ADAM_CHUNK, len - i0), p + o, g + o, m + o, v + o, load<f64>(coef), load<f64>(coef, 8), load<f64>(coef, 16), load<f64>(coef, 24), load<f64>(coef, 32), load<f64>(coef, 40), load<f64>(coef, 48), load<f64>(coef, 56), load<f64>(coef, 64), load<f64>(coef, 72), load<f64>(coef, 80));
  }
}
