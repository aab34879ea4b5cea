// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// The rows of softmax cross-entropy, operation for operation as the TypeScript reference
// (src/tensor/kernels/cross-entropy.ts): float64 arithmetic, fdlibm's exp and log1p (what V8 computes for Math.exp
// and Math.log1p), d holding e_j rounded to float32 until it is scaled, a gradient below 2^-100 stored as +0. Rows are independent; threads take chunks.
// Z, d: [n, C] f32; y: [n] i32; per: [n] f64; hit: [n] i32 (1 where the argmax is the label).
import { fdlibmExp, fdlibmLog1p } from "./exact-math";
import { claim, imin } from "./util";

const ROWS: i32 = 64;

/** 2^-100: gradient entries below it are stored as +0 (src/tensor/kernels/cross-entropy.ts says why). */
export const FLUSH_BELOW: f32 = 7.888609052210118e-31;

@inline export function flushTiny(v: f32): f32 {
  return abs<f32>(v) < FLUSH_BELOW ? 0 : v;
}

export function softmaxCrossEntropyRows(n: i32, C: i32, Z: usize, y: usize, scale: f64, d: usize, per: usize, hit: usize, counter: usize): void {
  const chunks = (n + ROWS - 1) / ROWS;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    for (let i = c * ROWS, i1 = imin(i + ROWS, n); i < i1; i++) {
      const z = Z + ((<usize>i * <usize>C) << 2);
      const yi = load<i32>(y + (<usize>i << 2));
      let arg = 0;
      let best = load<f32>(z);
      for (let j = 1; j < C; j++) {
        const v = load<f32>(z + (<usize>j << 2));
        if (v > best || (best != best && v == v)) { arg = j; best = v; }
      }
      store<i32>(hit + (<usize>i << 2), arg == yi ? 1 : 0);
      const m = <f64>load<f32>(z + (<usize>arg << 2));
      let notArg: f64 = 0;
      if (d != 0) {
        const dr = d + ((<usize>i * <usize>C) << 2);
        for (let j = 0; j < C; j++) {
          if (j == arg) { store<f32>(dr + (<usize>j << 2), 1); continue; }
          const e = fdlibmExp(<f64>load<f32>(z + (<usize>j << 2)) - m);
          store<f32>(dr + (<usize>j << 2), <f32>e);
          notArg += e;
        }
        store<f64>(per + (<usize>i << 3), (m - <f64>load<f32>(z + (<usize>yi << 2)) + fdlibmLog1p(notArg)) * scale);
        const notY = yi == arg ? notArg : 1 + notArg - <f64>load<f32>(dr + (<usize>yi << 2));
        const inv = scale / ((1 + notArg) * <f64>n);
        for (let j = 0; j < C; j++) store<f32>(dr + (<usize>j << 2), flushTiny(<f32>(<f64>load<f32>(dr + (<usize>j << 2)) * inv)));
        store<f32>(dr + (<usize>yi << 2), flushTiny(<f32>(-notY * inv)));
      } else {
        for (let j = 0; j < C; j++) if (j != arg) notArg += fdlibmExp(<f64>load<f32>(z + (<usize>j << 2)) - m);
        store<f64>(per + (<usize>i << 3), (m - <f64>load<f32>(z + (<usize>yi << 2)) + fdlibmLog1p(notArg)) * scale);
      }
    }
  }
}
