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

/**
 * dTA[ia[i],:] += dH[i,:] and dTB[ib[i],:] += dH[i,:] for all i in order (the backward of a gather).
 * Threads split the columns (in groups of 4), never the rows, so every element sums in the same order for any nth.
 */
export function scatterAdd2(n: i32, d: i32, dH: usize, ia: usize, dTA: usize, ib: usize, dTB: usize, tid: i32, nth: i32): void {
  const groups = (d + 3) >> 2;
  const j0 = partStart(groups, tid, nth) << 2;
  let j1 = partStart(groups, tid + 1, nth) << 2;
  if (j1 > d) j1 = d;
  if (j0 >= j1) return;
  const rowBytes = <usize>d << 2;
  const oStart = <usize>j0 << 2;
  const oVec = <usize>(j0 + ((j1 - j0) & ~3)) << 2;
  const oEnd = <usize>j1 << 2;
  for (let i = 0; i < n; i++) {
    const pa = dTA + <usize>load<i32>(ia + (<usize>i << 2)) * rowBytes;
    const pb = dTB + <usize>load<i32>(ib + (<usize>i << 2)) * rowBytes;
    const ph = dH + <usize>i * rowBytes;
    let o = oStart;
    for (; o < oVec; o += 16) {
      const h = v128.load(ph + o);
      v128.store(pa + o, f32x4.add(v128.load(pa + o), h));
      v128.store(pb + o, f32x4.add(v128.load(pb + o), h));
    }
    for (; o < oEnd; o += 4) {
      const h = load<f32>(ph + o);
      store<f32>(pa + o, load<f32>(pa + o) + h);
      store<f32>(pb + o, load<f32>(pb + o) + h);
    }
  }
}
