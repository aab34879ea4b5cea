// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.

/** 1 when x[0..len) holds no NaN or ±∞ (x · 0 is ±0 for finite x, NaN otherwise). */
export function allFinite(x: usize, len: i32): i32 {
  let s = f32x4.splat(0);
  const vecEnd = x + (<usize>(len & ~3) << 2), end = x + (<usize>len << 2);
  const z = f32x4.splat(0);
  let p = x;
  for (; p < vecEnd; p += 16) s = f32x4.add(s, f32x4.mul(v128.load(p), z));
  let t: f32 = 0;
  for (; p < end; p += 4) t += load<f32>(p) * 0;
  return !v128.any_true(f32x4.ne(s, s)) && t == t ? 1 : 0;
}
