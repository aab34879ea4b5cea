// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
import { partStart } from "./util";

/**
 * H[i,:] = TA[ia[i],:] + TB[ib[i],:] and S = H ∘ H, for this thread's share of the rows i (rows are independent).
 * TA, TB: [rows, d]; ia, ib: int32 [n]; H, S: [n, d]. The one-hot input layer of the quadratic net, as a gather.
 */
export function gatherSumSquare(n: i32, d: i32, TA: usize, ia: usize, TB: usize, ib: usize, H: usize, S: usize, tid: i32, nth: i32): void {
  const i0 = partStart(n, tid, nth);
  const i1 = partStart(n, tid + 1, nth);
  const rowBytes = <usize>d << 2;
  const vecBytes = <usize>(d & ~3) << 2;
  for (let i = i0; i < i1; i++) {
    const pa = TA + <usize>load<i32>(ia + (<usize>i << 2)) * rowBytes;
    const pb = TB + <usize>load<i32>(ib + (<usize>i << 2)) * rowBytes;
    const ph = H + <usize>i * rowBytes;
    const ps = S + <usize>i * rowBytes;
    let o: usize = 0;
    for (; o < vecBytes; o += 16) {
      const h = f32x4.add(v128.load(pa + o), v128.load(pb + o));
      v128.store(ph + o, h);
      v128.store(ps + o, f32x4.mul(h, h));
    }
    for (; o < rowBytes; o += 4) {
      const h = load<f32>(pa + o) + load<f32>(pb + o);
      store<f32>(ph + o, h);
      store<f32>(ps + o, h * h);
    }
  }
}

@inline function addRow(dst: usize, src: usize, rowBytes: usize, vecBytes: usize): void {
  let o: usize = 0;
  for (; o < vecBytes; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  for (; o < rowBytes; o += 4) store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
}

/**
 * dTA[ia[i],:] += dH[i,:] and dTB[ib[i],:] += dH[i,:] for i = 0, 1, … in order (the backward of a gather).
 * dTA is [rowsA, d], dTB [rowsB, d]. Threads split the table rows: each scans all i and adds only into the rows it
 * owns, so every row receives its terms in the same order for any nth (and no two threads write one cache line,
 * except at the single boundary row).
 */
export function scatterAdd2(n: i32, d: i32, dH: usize, ia: usize, dTA: usize, rowsA: i32, ib: usize, dTB: usize, rowsB: i32, tid: i32, nth: i32): void {
  const a0 = partStart(rowsA, tid, nth), a1 = partStart(rowsA, tid + 1, nth);
  const r0 = partStart(rowsB, tid, nth), r1 = partStart(rowsB, tid + 1, nth);
  const rowBytes = <usize>d << 2;
  const vecBytes = <usize>(d & ~3) << 2;
  for (let i = 0; i < n; i++) {
    const src = dH + <usize>i * rowBytes;
    const ra = load<i32>(ia + (<usize>i << 2));
    if (ra >= a0 && ra < a1) addRow(dTA + <usize>ra * rowBytes, src, rowBytes, vecBytes);
    const rb = load<i32>(ib + (<usize>i << 2));
    if (rb >= r0 && rb < r1) addRow(dTB + <usize>rb * rowBytes, src, rowBytes, vecBytes);
  }
}
