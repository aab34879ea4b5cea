// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.

/** Start of share s of `count` work items cut into `shares` contiguous shares (independent of data). */
@inline export function partStart(count: i32, s: i32, shares: i32): i32 {
  return <i32>((<i64>count * <i64>s) / <i64>shares);
}

/**
 * The next chunk of work for the calling thread: a shared int32 counter (zero before the call) hands out chunk
 * numbers 0, 1, 2, … to whichever thread asks first; a thread stops once the number reaches the chunk count.
 * Any thread may do any chunk, so the result never depends on which thread did what.
 */
@inline export function claim(counter: usize): i32 {
  return atomic.add<i32>(counter, 1);
}

@inline export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}
