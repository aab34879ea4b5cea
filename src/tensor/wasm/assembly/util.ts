// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.

/** Start of the share of `count` work items that thread `tid` of `nth` takes: contiguous, independent of data. */
@inline export function partStart(count: i32, tid: i32, nth: i32): i32 {
  return <i32>((<i64>count * <i64>tid) / <i64>nth);
}

@inline export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}
