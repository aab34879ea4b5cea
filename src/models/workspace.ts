import type { Backend } from "../tensor/backend.js";
import type { Split, TokenSplit } from "../tasks/dataset.js";

/**
 * Scratch buffers allocated once from the backend and reused every step, keyed by (name, number of examples):
 * train, test and every minibatch of one size share them, so a run allocates a fixed amount whatever its length.
 * A forward result's cache is therefore valid until the next forward over as many examples.
 */
export class Workspace {
  private readonly buffers = new Map<string, Float32Array>();
  constructor(private readonly backend: Backend) {}

  get(split: Split, name: string, length: number): Float32Array {
    const key = `${name}/${split.n}`;
    let buf = this.buffers.get(key);
    if (!buf || buf.length !== length) this.buffers.set(key, (buf = this.backend.alloc(length)));
    return buf;
  }
}

const columnCache = new WeakMap<Int32Array, Int32Array[]>();

/** Column j of token inputs x [n, seqLen], cached (datasets are immutable). */
export function tokenColumn(split: TokenSplit, seqLen: number, j: number): Int32Array {
  let cols = columnCache.get(split.x);
  if (!cols) {
    cols = [];
    for (let c = 0; c < seqLen; c++) {
      const col = new Int32Array(split.n);
      for (let i = 0; i < split.n; i++) col[i] = split.x[i * seqLen + c];
      cols.push(col);
    }
    columnCache.set(split.x, cols);
  }
  return cols[j];
}

/** out[c, r] = x[r, c] for x [rows, cols]. */
export function transposeInto(x: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[o + c];
  }
  return out;
}
