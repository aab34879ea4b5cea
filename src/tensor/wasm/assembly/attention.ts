// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// Causal multi-head attention after the projections, with the arithmetic of the TypeScript reference
// (src/tensor/kernels/attention.ts) operation for operation: float32 inputs read into float64 sums in the same
// order, fdlibm's exp (what V8 computes for Math.exp), one rounding to float32 per stored value. Results are
// therefore bit-identical to the reference on every thread count.
// Threads take chunks of examples: everything an example writes (its rows of z, pattern, dq and dkv) depends on
// that example alone. Within an example, every value receives its terms in the reference's order (dkv's rows
// receive one term per query, queries ascending), so the loops may visit heads and queries in any nesting.
// Shapes: q, z [n·P, H·e]; kv [n·T, 2·H·e] (k, then v); pattern [n, H, P, T]; qPos [P] (int32).
import { fdlibmExp } from "./exact-math";
import { claim, imin } from "./util";

/** Examples per chunk. */
const CHUNK: i32 = 32;

@inline function f32At(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + (<usize>i << 2));
}

@inline function addr(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Two float32 at p as float64x2 (exact). */
@inline function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** float64x2 rounded to two float32 at p (as storing each lane into a Float32Array). */
@inline function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/**
 * out[h·T + t] = Σ_k a[h·e + k] · b[t·rowB + h·e + k] in float64, k ascending (the reference's order), for every
 * head h < H and position t ≤ last. Each sum is a chain of dependent adds, so four are interleaved at a time:
 * the same operations in the same order per sum, four times the throughput.
 */
function headDots(H: i32, e: i32, T: i32, last: i32, a: usize, b: usize, rowB: i32, out: usize): void {
  const L = last + 1, total = H * L;
  let c = 0;
  for (; c + 4 <= total; c += 4) {
    const h0 = c / L, t0 = c % L, h1 = (c + 1) / L, t1 = (c + 1) % L, h2 = (c + 2) / L, t2 = (c + 2) % L, h3 = (c + 3) / L, t3 = (c + 3) % L;
    const a0 = addr(a, h0 * e), a1 = addr(a, h1 * e), a2 = addr(a, h2 * e), a3 = addr(a, h3 * e);
    const b0 = addr(b, t0 * rowB + h0 * e), b1 = addr(b, t1 * rowB + h1 * e), b2 = addr(b, t2 * rowB + h2 * e), b3 = addr(b, t3 * rowB + h3 * e);
    let d0: f64 = 0, d1: f64 = 0, d2: f64 = 0, d3: f64 = 0;
    // The products are exact in float64 (24-bit by 24-bit significands), so they are formed two at a time;
    // the sums stay one term at a time, k ascending.
    const end = <usize>e << 2, end2 = <usize>(e & ~1) << 2;
    let k: usize = 0;
    for (; k < end2; k += 8) {
      const p0 = f64x2.mul(load2(a0 + k), load2(b0 + k)), p1 = f64x2.mul(load2(a1 + k), load2(b1 + k));
      const p2 = f64x2.mul(load2(a2 + k), load2(b2 + k)), p3 = f64x2.mul(load2(a3 + k), load2(b3 + k));
      d0 += f64x2.extract_lane(p0, 0); d1 += f64x2.extract_lane(p1, 0); d2 += f64x2.extract_lane(p2, 0); d3 += f64x2.extract_lane(p3, 0);
      d0 += f64x2.extract_lane(p0, 1); d1 += f64x2.extract_lane(p1, 1); d2 += f64x2.extract_lane(p2, 1); d3 += f64x2.extract_lane(p3, 1);
    }
    for (; k < end; k += 4) {
      d0 += <f64>load<f32>(a0 + k) * <f64>load<f32>(b0 + k);
      d1 += <f64>load<f32>(a1 + k) * <f64>load<f32>(b1 + k);
      d2 += <f64>load<f32>(a2 + k) * <f64>load<f32>(b2 + k);
      d3 += <f64>load<f32>(a3 + k) * <f64>load<f32>(b3 + k);
    }
    store<f64>(out + (<usize>(h0 * T + t0) << 3), d0);
    store<f64>(out + (<usize>(h1 * T + t1) << 3), d1);
    store<f64>(out + (<usize>(h2 * T + t2) << 3), d2);
    store<f64>(out + (<usize>(h3 * T + t3) << 3), d3);
  }
  for (; c < total; c++) {
    const h = c / L, t = c % L;
    const a0 = addr(a, h * e), b0 = addr(b, t * rowB + h * e);
    let d: f64 = 0;
    for (let k: usize = 0, end = <usize>e << 2; k < end; k += 4) d += <f64>load<f32>(a0 + k) * <f64>load<f32>(b0 + k);
    store<f64>(out + (<usize>(h * T + t) << 3), d);
  }
}

/** out[k] = Σ_t w[t]·x[t·rowX + k] (t ≤ last, ascending; w float64 at stride 8 bytes), for k < e, rounded to float32. */
function weightedRows(e: i32, last: i32, w: usize, x: usize, rowX: i32, out: usize): void {
  const rowBytes = <usize>rowX << 2;
  let k: usize = 0;
  const end = <usize>e << 2, end2 = <usize>(e & ~1) << 2;
  for (; k < end2; k += 8) {
    let acc = f64x2.splat(0);
    let px = x + k;
    for (let t = 0; t <= last; t++, px += rowBytes) acc = f64x2.add(acc, f64x2.mul(f64x2.splat(load<f64>(w + (<usize>t << 3))), load2(px)));
    store2(out + k, acc);
  }
  for (; k < end; k += 4) {
    let acc: f64 = 0;
    let px = x + k;
    for (let t = 0; t <= last; t++, px += rowBytes) acc += load<f64>(w + (<usize>t << 3)) * <f64>load<f32>(px);
    store<f32>(out + k, <f32>acc);
  }
}

/** y[k] += c·x[k] for k < e, in float64, rounded to float32 (as `y[k] += c * x[k]` on Float32Arrays). */
function addScaled(e: i32, c: f64, x: usize, y: usize): void {
  const cv = f64x2.splat(c);
  let k: usize = 0;
  const end = <usize>e << 2, end2 = <usize>(e & ~1) << 2;
  for (; k < end2; k += 8) store2(y + k, f64x2.add(load2(y + k), f64x2.mul(cv, load2(x + k))));
  for (; k < end; k += 4) store<f32>(y + k, <f32>(<f64>load<f32>(y + k) + c * <f64>load<f32>(x + k)));
}

/** Bytes of scratch per thread: H·T float64 (scores), and T float64 (a head's pattern row). */
export function attentionScratchBytes(H: i32, T: i32): i32 {
  return (H + 1) * T * 8;
}

/** Forward: pattern and z for the examples of each claimed chunk. `scores`: this thread's scratch of H·T float64. */
export function attentionForward(n: i32, T: i32, H: i32, e: i32, P: i32, qPos: usize, q: usize, kv: usize, pattern: usize, z: usize, scores: usize, counter: usize): void {
  const scale: f64 = 1 / Math.sqrt(<f64>e);
  const He = H * e, KV = 2 * He;
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const i0 = c * CHUNK, i1 = imin(i0 + CHUNK, n);
    memory.fill(pattern + ((<usize>i0 * <usize>(H * P * T)) << 2), 0, (<usize>(i1 - i0) * <usize>(H * P * T)) << 2);
    for (let i = i0; i < i1; i++) {
      for (let j = 0; j < P; j++) {
        const last = load<i32>(qPos + (<usize>j << 2));
        headDots(H, e, T, last, addr(q, (i * P + j) * He), addr(kv, i * T * KV), KV, scores);
        for (let h = 0; h < H; h++) {
          const qo = (i * P + j) * He + h * e;
          const sh = scores + (<usize>(h * T) << 3);
          let max: f64 = -Infinity;
          for (let t = 0; t <= last; t++) {
            const s = load<f64>(sh + (<usize>t << 3)) * scale;
            store<f64>(sh + (<usize>t << 3), s);
            if (s > max) max = s;
          }
          let sum: f64 = 0;
          for (let t = 0; t <= last; t++) {
            const x = fdlibmExp(load<f64>(sh + (<usize>t << 3)) - max);
            store<f64>(sh + (<usize>t << 3), x);
            sum += x;
          }
          const po = ((i * H + h) * P + j) * T;
          // z reads the pattern as stored (float32), as the reference does
          const pRow = scores + (<usize>(H * T) << 3);
          for (let t = 0; t <= last; t++) {
            const pt = <f32>(load<f64>(sh + (<usize>t << 3)) / sum);
            store<f32>(addr(pattern, po + t), pt);
            store<f64>(pRow + (<usize>t << 3), <f64>pt);
          }
          weightedRows(e, last, pRow, addr(kv, i * T * KV + He + h * e), KV, addr(z, qo));
        }
      }
    }
  }
}

/** Backward given dz: dq and dkv (overwritten) for the examples of each claimed chunk. `dScore`: H·T float64 of scratch. */
export function attentionBackward(n: i32, T: i32, H: i32, e: i32, P: i32, qPos: usize, q: usize, kv: usize, pattern: usize, dz: usize, dq: usize, dkv: usize, dScore: usize, counter: usize): void {
  const scale: f64 = 1 / Math.sqrt(<f64>e);
  const He = H * e, KV = 2 * He;
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const i0 = c * CHUNK, i1 = imin(i0 + CHUNK, n);
    memory.fill(dkv + ((<usize>i0 * <usize>(T * KV)) << 2), 0, (<usize>(i1 - i0) * <usize>(T * KV)) << 2);
    for (let i = i0; i < i1; i++) {
      for (let j = 0; j < P; j++) {
        const last = load<i32>(qPos + (<usize>j << 2));
        // dpattern_t = dz_h · v_t for every head and position
        headDots(H, e, T, last, addr(dz, (i * P + j) * He), addr(kv, i * T * KV + He), KV, dScore);
        for (let h = 0; h < H; h++) {
          const qo = (i * P + j) * He + h * e;
          const po = ((i * H + h) * P + j) * T;
          const dh = dScore + (<usize>(h * T) << 3);
          let weighted: f64 = 0;
          for (let t = 0; t <= last; t++) {
            const p = f32At(pattern, po + t);
            addScaled(e, p, addr(dz, qo), addr(dkv, (i * T + t) * KV + He + h * e));
            weighted += p * load<f64>(dh + (<usize>t << 3));
          }
          for (let t = 0; t <= last; t++) {
            const a = dh + (<usize>t << 3);
            store<f64>(a, f32At(pattern, po + t) * (load<f64>(a) - weighted) * scale);
          }
          weightedRows(e, last, dh, addr(kv, i * T * KV + h * e), KV, addr(dq, qo));
          for (let t = 0; t <= last; t++) addScaled(e, load<f64>(dh + (<usize>t << 3)), addr(q, qo), addr(dkv, (i * T + t) * KV + h * e));
        }
      }
    }
  }
}
