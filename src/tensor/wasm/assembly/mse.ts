// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// The rows of MSE to one-hot targets, operation for operation as the TypeScript reference (src/tensor/kernels/mse.ts):
// each row's sum of squares in float64 in column order, then the label's correction 1 − 2 z_y; d = scale · (z − Y)
// rounded to float32. Rows are independent; threads take chunks.
// Z, d: [n, C] f32; y: [n] i32; row: [n] f64; hit: [n] i32 (1 where the argmax is the label).
import { claim, imin } from "./util";

const ROWS: i32 = 64;

export function mseRows(n: i32, C: i32, Z: usize, y: usize, scale: f64, d: usize, row: usize, hit: usize, counter: usize): void {
  const chunks = (n + ROWS - 1) / ROWS;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    for (let i = c * ROWS, i1 = imin(i + ROWS, n); i < i1; i++) {
      const z = Z + ((<usize>i * <usize>C) << 2);
      const yi = load<i32>(y + (<usize>i << 2));
      let sum: f64 = 0;
      let arg = 0;
      let best = load<f32>(z);
      const dr = d + ((<usize>i * <usize>C) << 2);
      for (let j = 0; j < C; j++) {
        const v = load<f32>(z + (<usize>j << 2));
        const w = <f64>v;
        sum += w * w;
        if (d != 0) store<f32>(dr + (<usize>j << 2), <f32>(scale * w));
        if (v > best || (best != best && v == v)) { arg = j; best = v; }
      }
      if (d != 0) store<f32>(dr + (<usize>yi << 2), <f32>(scale * (<f64>load<f32>(z + (<usize>yi << 2)) - 1)));
      sum += 1 - 2 * <f64>load<f32>(z + (<usize>yi << 2));
      store<f64>(row + (<usize>i << 3), sum);
      store<i32>(hit + (<usize>i << 2), arg == yi ? 1 : 0);
    }
  }
}
