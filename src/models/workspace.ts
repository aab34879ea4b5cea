import type { Backend } from "../tensor/backend.js";
import type { Split } from "../tasks/dataset.js";

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
