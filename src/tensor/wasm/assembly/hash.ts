// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// src/tensor/rng.ts's counter hash, in wrapping 32-bit arithmetic (what its Math.imul, ^ and >>> compute in
// JavaScript): draw c of key (k0, k1) is hash3(k0, k1, c) for c < 2^32.

@inline export function mix32(x: u32): u32 {
  x ^= x >>> 16;
  x *= 0x21f0aaad;
  x ^= x >>> 15;
  x *= 0x735a2d97;
  x ^= x >>> 15;
  return x;
}

@inline export function hash3(k0: u32, k1: u32, c: u32): u32 {
  return mix32(k0 ^ mix32((k1 ^ mix32(c ^ 0x9e3779b9)) + 0x85ebca6b));
}

@inline function mix32x4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(0x21f0aaad));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(0x735a2d97));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  return x;
}

/** hash3 of four counters side by side; vk0, vk1: the key's words splatted. */
@inline export function hash3x4(vk0: v128, vk1: v128, ctr: v128): v128 {
  return mix32x4(v128.xor(vk0, mix32x4(i32x4.add(v128.xor(vk1, mix32x4(v128.xor(ctr, i32x4.splat(0x9e3779b9)))), i32x4.splat(0x85ebca6b)))));
}
