// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
import { claim, imin, partStart } from "./util";

const GATHER_CHUNK: i32 = 64;

/**
 * H[i,:] = TA[ia[i],:] + TB[ib[i],:] and S = H ∘ H (rows are independent).
 * TA, TB: [rows, d]; ia, ib: int32 [n]; H, S: [n, d]. The one-hot input layer of the quadratic net, as a gather.
 * Threads take chunks of GATHER_CHUNK rows from the shared `counter`.
 */
export function gatherSumSquare(n: i32, d: i32, TA: usize, ia: usize, TB: usize, ib: usize, H: usize, S: usize, counter: usize): void {
  const chunks = (n + GATHER_CHUNK - 1) / GATHER_CHUNK;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    gatherRows(d, TA, ia, TB, ib, H, S, c * GATHER_CHUNK, imin(c * GATHER_CHUNK + GATHER_CHUNK, n));
  }
}

function gatherRows(d: i32, TA: usize, ia: usize, TB: usize, ib: usize, H: usize, S: usize, i0: i32, i1: i32): void {
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
 * dTA is [rowsA, d], dTB [rowsB, d]. The work is cut into `shares` ranges of table rows: a share scans all i and
 * adds only into its rows, so every row receives its terms in the same order for any split (and no two threads
 * write one cache line, except at a boundary row).
 */
export function scatterAdd2(n: i32, d: i32, dH: usize, ia: usize, dTA: usize, rowsA: i32, ib: usize, dTB: usize, rowsB: i32, counter: usize, shares: i32): void {
  for (let s = claim(counter); s < shares; s = claim(counter)) {
    scatterShare(n, d, dH, ia, dTA, partStart(rowsA, s, shares), partStart(rowsA, s + 1, shares), ib, dTB, partStart(rowsB, s, shares), partStart(rowsB, s + 1, shares));
  }
}

function scatterShare(n: i32, d: i32, dH: usize, ia: usize, dTA: usize, a0: i32, a1: i32, ib: usize, dTB: usize, r0: i32, r1: i32): void {
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

/**
 * out[i,:] = Σ_j T[x[i·seqLen + j] + j·stride, :] for token ids x [n, seqLen], summed in j order (row i: the first
 * picked row copied, the others added), as kernels/gather.ts. T: [rows, d]; out: [n, d]. Chunks of rows per thread.
 */
export function gatherRowsSum(n: i32, seqLen: i32, d: i32, T: usize, x: usize, stride: i32, out: usize, counter: usize): void {
  const rowBytes = <usize>d << 2;
  const vecBytes = <usize>(d & ~3) << 2;
  const chunks = (n + GATHER_CHUNK - 1) / GATHER_CHUNK;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    for (let i = c * GATHER_CHUNK, i1 = imin(i + GATHER_CHUNK, n); i < i1; i++) {
      const dst = out + <usize>i * rowBytes;
      const ids = x + ((<usize>i * <usize>seqLen) << 2);
      memory.copy(dst, T + <usize>load<i32>(ids) * rowBytes, rowBytes);
      for (let j = 1; j < seqLen; j++) addRow(dst, T + <usize>(load<i32>(ids + (<usize>j << 2)) + j * stride) * rowBytes, rowBytes, vecBytes);
    }
  }
}

/**
 * dT[x[i·seqLen + j] + j·stride, :] += dOut[i, :] for i, then j, ascending (the backward of gatherRowsSum; dT
 * [rows, d] is not zeroed). Cut into `shares` ranges of table rows, as scatterAdd2: each row gets its terms in order.
 */
export function scatterRowsAdd(n: i32, seqLen: i32, d: i32, dOut: usize, x: usize, stride: i32, dT: usize, rows: i32, counter: usize, shares: i32): void {
  const rowBytes = <usize>d << 2;
  const vecBytes = <usize>(d & ~3) << 2;
  for (let s = claim(counter); s < shares; s = claim(counter)) {
    const r0 = partStart(rows, s, shares), r1 = partStart(rows, s + 1, shares);
    for (let i = 0; i < n; i++) {
      const src = dOut + <usize>i * rowBytes;
      const ids = x + ((<usize>i * <usize>seqLen) << 2);
      for (let j = 0; j < seqLen; j++) {
        const r = load<i32>(ids + (<usize>j << 2)) + j * stride;
        if (r >= r0 && r < r1) addRow(dT + <usize>r * rowBytes, src, rowBytes, vecBytes);
      }
    }
  }
}
