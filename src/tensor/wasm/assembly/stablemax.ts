// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// The rows of StableMax cross-entropy, operation for operation as the TypeScript reference
// (src/tensor/kernels/stablemax.ts): float64 arithmetic, fdlibm's log1p. s(x) = x + 1 for x ≥ 0, 1/(1 − x) below, both
// computed and one selected (the sign of a logit is data: a branch on it mispredicts). Rows go two at a time, one
// per float64 lane, so each lane's sum R = Σ_{j ≠ y} s(z_j) runs in j order while the other's adds overlap it.
// Z, d: [n, C] f32; y: [n] i32; per: [n] f64; hit: [n] i32 (1 where the argmax is the label). Threads take chunks.
import { fdlibmLog1p } from "./exact-math";
import { rowArgmax } from "./cross-entropy";
import { claim, imin } from "./util";

const ROWS: i32 = 64;

/** s(x) of both lanes (x ≥ 0: x + 1; else, and for NaN, 1/(1 − x)). */
@inline function sLanes(x: v128): v128 {
  const one = f64x2.splat(1);
  return v128.bitselect(f64x2.add(x, one), f64x2.div(one, f64x2.sub(one, x)), f64x2.ge(x, f64x2.splat(0)));
}

/** s′(x) of both lanes (x ≥ 0: 1; else r² with r = 1/(1 − x)). */
@inline function sPrimeLanes(x: v128): v128 {
  const one = f64x2.splat(1);
  const r = f64x2.div(one, f64x2.sub(one, x));
  return v128.bitselect(one, f64x2.mul(r, r), f64x2.ge(x, f64x2.splat(0)));
}

@inline function sOf(x: f64): f64 {
  return f64x2.extract_lane(sLanes(f64x2.splat(x)), 0);
}

@inline function sPrimeOf(x: f64): f64 {
  return f64x2.extract_lane(sPrimeLanes(f64x2.splat(x)), 0);
}

export function stableMaxCrossEntropyRows(n: i32, C: i32, Z: usize, y: usize, d: usize, per: usize, hit: usize, counter: usize): void {
  const chunks = (n + ROWS - 1) / ROWS;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const i1 = imin(c * ROWS + ROWS, n);
    for (let i = c * ROWS; i < i1; i += 2) {
      const b = i + 1 < i1 ? i + 1 : i; // an odd last row goes in both lanes, its second copy discarded
      const za = Z + ((<usize>i * <usize>C) << 2), zb = Z + ((<usize>b * <usize>C) << 2);
      const ya = load<i32>(y + (<usize>i << 2)), yb = load<i32>(y + (<usize>b << 2));
      const labels = i64x2.replace_lane(i64x2.splat(<i64>ya), 1, <i64>yb);
      let R = f64x2.splat(0);
      for (let j = 0; j < C; j++) {
        const x = f64x2.replace_lane(f64x2.splat(<f64>load<f32>(za + (<usize>j << 2))), 1, <f64>load<f32>(zb + (<usize>j << 2)));
        // R += s(z_j) for j ≠ y; at j = y, + 0, which leaves R as it is (R ≥ +0, or NaN)
        R = f64x2.add(R, v128.andnot(sLanes(x), i64x2.eq(labels, i64x2.splat(<i64>j))));
      }
      finishRow(i, C, za, ya, f64x2.extract_lane(R, 0), n, d, per, hit);
      if (b != i) finishRow(b, C, zb, yb, f64x2.extract_lane(R, 1), n, d, per, hit);
    }
  }
}

/** Row i's loss log1p(R / s(z_y)), its argmax hit and, when d ≠ 0, its gradient (the reference's expressions). */
function finishRow(i: i32, C: i32, z: usize, yi: i32, R: f64, n: i32, d: usize, per: usize, hit: usize): void {
  store<i32>(hit + (<usize>i << 2), rowArgmax(z, C) == yi ? 1 : 0);
  const zy = <f64>load<f32>(z + (<usize>yi << 2)), sy = sOf(zy), S = R + sy;
  store<f64>(per + (<usize>i << 3), fdlibmLog1p(R / sy));
  if (d == 0) return;
  const dr = d + ((<usize>i * <usize>C) << 2);
  const inv = f64x2.splat(1 / (S * <f64>n));
  let j = 0;
  for (; j + 2 <= C; j += 2) {
    const x = f64x2.promote_low_f32x4(v128.load64_zero(z + (<usize>j << 2)));
    v128.store64_lane(dr + (<usize>j << 2), f32x4.demote_f64x2_zero(f64x2.mul(sPrimeLanes(x), inv)), 0);
  }
  if (j < C) store<f32>(dr + (<usize>j << 2), <f32>(sPrimeOf(<f64>load<f32>(z + (<usize>j << 2))) * f64x2.extract_lane(inv, 0)));
  store<f32>(dr + (<usize>yi << 2), <f32>((-sPrimeOf(zy) * R) / (S * sy * <f64>n)));
}
