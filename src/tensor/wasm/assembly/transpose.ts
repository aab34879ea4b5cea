// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
import { claim, imin } from "./util";

/** Rows of src per chunk a thread claims. */
const BAND: i32 = 16;

/**
 * dst [cols, rows] = srcᵀ for src [rows, cols] (dst ≠ src), threads taking bands of BAND rows (transposeRows). Values
 * are moved, never computed on, so the result is the same bits whatever the path.
 */
export function transpose(rows: i32, cols: i32, src: usize, dst: usize, counter: usize): void {
  const bands = (rows + BAND - 1) / BAND;
  for (let c = claim(counter); c < bands; c = claim(counter)) transposeRows(rows, cols, src, dst, c * BAND, imin(c * BAND + BAND, rows));
}

/**
 * Rows r0 .. r1 of transpose, on the calling thread: 4 × 4 blocks read as four row vectors and written as four column
 * vectors, edges one value at a time.
 */
export function transposeRows(rows: i32, cols: i32, src: usize, dst: usize, r0: i32, r1: i32): void {
  const rowBytes = <usize>cols << 2, colBytes = <usize>rows << 2;
  let r = r0;
  for (; r + 4 <= r1; r += 4) {
    const s = src + <usize>r * rowBytes, d = dst + (<usize>r << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const a = v128.load(s + o), b = v128.load(s + rowBytes + o), e = v128.load(s + 2 * rowBytes + o), f = v128.load(s + 3 * rowBytes + o);
      const ab01 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), ab23 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
      const ef01 = v128.shuffle<f32>(e, f, 0, 4, 1, 5), ef23 = v128.shuffle<f32>(e, f, 2, 6, 3, 7);
      const q = d + <usize>j * colBytes;
      v128.store(q, v128.shuffle<f32>(ab01, ef01, 0, 1, 4, 5));
      v128.store(q + colBytes, v128.shuffle<f32>(ab01, ef01, 2, 3, 6, 7));
      v128.store(q + 2 * colBytes, v128.shuffle<f32>(ab23, ef23, 0, 1, 4, 5));
      v128.store(q + 3 * colBytes, v128.shuffle<f32>(ab23, ef23, 2, 3, 6, 7));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2, q = d + <usize>j * colBytes;
      store<f32>(q, load<f32>(s + o));
      store<f32>(q, load<f32>(s + rowBytes + o), 4);
      store<f32>(q, load<f32>(s + 2 * rowBytes + o), 8);
      store<f32>(q, load<f32>(s + 3 * rowBytes + o), 12);
    }
  }
  for (; r < r1; r++) {
    const s = src + <usize>r * rowBytes, d = dst + (<usize>r << 2);
    for (let j = 0; j < cols; j++) store<f32>(d + <usize>j * colBytes, load<f32>(s + (<usize>j << 2)));
  }
}
