// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
import { claim, imin } from "./util";
import { hash3, hash3x4 } from "./hash";

/** Elements per chunk a thread claims. */
const CHUNK: i32 = 4096;

/** One mask value from the first draw's hash h (of counter 2i): 0 when uniform(key, i) < p, else keep. */
@inline function maskValue(h: u32, k0: u32, k1: u32, i: i32, p: f64, keep: f32): f32 {
  // × 2^-27 and × 2^-53 are exact, as rng.ts's divisions by 2^27 and 2^53 are
  const hi = <f64>(h >>> 5);
  const below = (hi + 1) * 7.450580596923828e-9 <= p; // the whole interval [hi, hi + 1) / 2^27 lies below p
  // p inside the interval (one value in 2^27): the second draw decides. Otherwise no branch: which way a value goes
  // is random, and a mispredicted branch per value costs more than the hashing.
  if ((<i32>(hi * 7.450580596923828e-9 < p) & <i32>!below) != 0) {
    return (hi * 67108864 + <f64>(hash3(k0, k1, (<u32>i << 1) + 1) >>> 6)) * 1.1102230246251565e-16 < p ? 0 : keep;
  }
  return keep * <f32>(<i32>!below); // +0 or keep (V8 compiles a float select to a branch)
}

/**
 * mask[i] = 0 where uniform(key, i) < p (rng.ts: 53 bits from draws 2i and 2i + 1), else `keep`, for i < n. The first
 * draw's 27 bits decide unless p lies inside their interval, as rng.ts's uniformBelow decides; four first draws are
 * hashed side by side.
 */
export function dropoutMask(n: i32, k0: u32, k1: u32, p: f64, keep: f32, mask: usize, counter: usize): void {
  const chunks = (n + CHUNK - 1) / CHUNK;
  const vk0 = i32x4.splat(k0), vk1 = i32x4.splat(k1);
  const steps = i32x4(0, 2, 4, 6);
  const one = f64x2.splat(1), s27 = f64x2.splat(7.450580596923828e-9), vp = f64x2.splat(p), vkeep = f32x4.splat(keep);
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const i1 = imin(c * CHUNK + CHUNK, n);
    let i = c * CHUNK;
    for (; i + 4 <= i1; i += 4) {
      const ctr = i32x4.add(i32x4.splat(i << 1), steps);
      const hi = i32x4.shr_u(hash3x4(vk0, vk1, ctr), 5);
      // the decisions of maskValue, two lanes at a time in float64, combined into one 32-bit mask per value
      const hi01 = f64x2.convert_low_i32x4_u(hi), hi23 = f64x2.convert_low_i32x4_u(v128.shuffle<i32>(hi, hi, 2, 3, 2, 3));
      const below01 = f64x2.le(f64x2.mul(f64x2.add(hi01, one), s27), vp), below23 = f64x2.le(f64x2.mul(f64x2.add(hi23, one), s27), vp);
      const open01 = v128.andnot(f64x2.lt(f64x2.mul(hi01, s27), vp), below01), open23 = v128.andnot(f64x2.lt(f64x2.mul(hi23, s27), vp), below23);
      const o = mask + (<usize>i << 2);
      if (v128.any_true(v128.or(open01, open23))) {
        for (let j = 0; j < 4; j++) store<f32>(o + (<usize>j << 2), maskValue(hash3(k0, k1, <u32>(i + j) << 1), k0, k1, i + j, p, keep));
      } else {
        v128.store(o, v128.andnot(vkeep, v128.shuffle<i32>(below01, below23, 0, 2, 4, 6)));
      }
    }
    for (; i < i1; i++) store<f32>(mask + (<usize>i << 2), maskValue(hash3(k0, k1, <u32>i << 1), k0, k1, i, p, keep));
  }
}
