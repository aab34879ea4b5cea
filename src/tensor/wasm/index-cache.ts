import type { WasmHeap } from "./heap.js";

/**
 * Copies of int32 index arrays (a dataset's fixed token columns) in wasm memory, found again by the array's
 * identity, so each is copied once. The copies live in a ring: when it is full the oldest copies are dropped (and
 * made again if their array comes back), so a run that makes fresh index arrays every step (minibatches) reuses
 * the same memory instead of growing without bound. Index arrays must not be modified after first use.
 */
interface Entry {
  ptr: number; // -1 once its bytes were reused
  readonly start: number; // offset in the ring
  readonly end: number;
  readonly n: number;
  readonly min: number;
  readonly max: number;
}

/** Smallest and largest of the first n indices (min 0, max −1 when n = 0), to bounds-check a gather once. */
export function indexRange(idx: Int32Array, n: number): { min: number; max: number } {
  let min = 0, max = -1;
  if (n > 0) min = max = idx[0];
  for (let i = 1; i < n; i++) {
    const v = idx[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

export interface IndexCopy {
  readonly ptr: number;
  readonly min: number;
  readonly max: number;
}

const MIN_RING_BYTES = 1 << 20;

export class IndexCache {
  private readonly entries = new WeakMap<Int32Array, Entry>();
  private readonly order: Entry[] = []; // live entries, oldest first
  private ringPtr = 0;
  private ringBytes = 0;
  private head = 0;

  constructor(private readonly heap: WasmHeap) {}

  /**
   * The copy of idx[0..n) and its value range. `keep` is the number of bytes this call still needs to stay valid
   * after this one is placed (the other index arrays of the same call), so the ring is made large enough.
   */
  get(idx: Int32Array, n: number, callBytes: number): IndexCopy {
    const e = this.entries.get(idx);
    if (e && e.ptr >= 0 && e.n === n) return e;
    const bytes = Math.ceil((n * 4) / 64) * 64;
    if (this.ringBytes < 4 * callBytes || this.ringBytes === 0) this.newRing(Math.max(MIN_RING_BYTES, 8 * callBytes));
    if (this.head + bytes > this.ringBytes) this.head = 0;
    const start = this.head, end = start + bytes;
    // Drop the oldest copies that overlap the bytes about to be written.
    while (this.order.length > 0 && this.order[0].start < end && this.order[0].end > start) this.order.shift()!.ptr = -1;
    this.head = end;
    const ptr = this.ringPtr + start;
    this.heap.i32(ptr, n).set(n === idx.length ? idx : idx.subarray(0, n));
    const entry: Entry = { ptr, start, end, n, ...indexRange(idx, n) };
    this.entries.set(idx, entry);
    this.order.push(entry);
    return entry;
  }

  private newRing(bytes: number): void {
    for (const e of this.order) e.ptr = -1;
    this.order.length = 0;
    this.ringBytes = bytes;
    this.ringPtr = this.heap.reserve(bytes);
    this.head = 0;
  }
}
