/**
 * A bump allocator over one shared WebAssembly.Memory. Growing shared memory never detaches old views, so a
 * Float32Array handed out once stays valid and its byteOffset is its pointer. Nothing is freed one by one; the
 * whole memory goes with the backend. Every block is 64-byte aligned and followed by 64 bytes of padding, so the
 * kernels may read a few floats past the end of an array (values they then discard) without leaving the memory.
 */
export const PAGE_BYTES = 65536;
const ALIGN = 64;
const PAD = 64;

export class WasmHeap {
  private top: number;
  /** Every ArrayBuffer object the memory has presented (a new one after each grow). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(readonly memory: WebAssembly.Memory, start: number, private readonly maxBytes: number) {
    this.top = start;
    this.buffers.add(memory.buffer);
  }

  get bytesUsed(): number {
    return this.top;
  }

  /** Reserves `bytes` bytes (zero-filled: fresh memory is never reused) and returns the pointer. */
  reserve(bytes: number): number {
    const ptr = Math.ceil(this.top / ALIGN) * ALIGN;
    const end = ptr + bytes + PAD;
    if (end > this.maxBytes) {
      throw new Error(`wasm backend: out of memory: need ${end} bytes, the limit is ${this.maxBytes} (raise maxMemoryMB)`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least a quarter (and 1 MiB), so many small allocations do not each grow the memory.
      const need = Math.ceil((end - have) / PAGE_BYTES);
      const room = Math.floor((this.maxBytes - have) / PAGE_BYTES);
      this.memory.grow(Math.min(room, Math.max(need, 16, Math.ceil(have / PAGE_BYTES / 4))));
      this.buffers.add(this.memory.buffer);
    }
    this.top = end;
    return ptr;
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  /** The pointer of a view into this memory, or -1 for any other array. */
  ptrOf(a: ArrayBufferView): number {
    if (this.buffers.has(a.buffer)) return a.byteOffset;
    if (a.buffer === this.memory.buffer) {
      this.buffers.add(a.buffer);
      return a.byteOffset;
    }
    return -1;
  }
}
