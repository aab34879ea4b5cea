import type { Split } from "../tasks/dataset.js";
import { fold, permutation, type Key } from "../tensor/rng.js";

/**
 * The minibatch of update `step`: `size` distinct training examples drawn without replacement by a permutation
 * keyed on (key, step). A pure function of the step, so a resumed run sees the same batches.
 * Each call returns a fresh split object (models key their scratch buffers by the number of examples, not the object).
 */
export function batchSplit(train: Split, size: number, key: Key, step: number): Split {
  if (size >= train.n) return train;
  const idx = permutation(fold(key, step), train.n).subarray(0, size);
  const y = new Int32Array(size);
  for (let i = 0; i < size; i++) y[i] = train.y[idx[i]];
  if (train.x instanceof Int32Array) {
    const w = train.x.length / train.n, x = new Int32Array(size * w);
    for (let i = 0; i < size; i++) x.set(train.x.subarray(idx[i] * w, idx[i] * w + w), i * w);
    return { n: size, x, y };
  }
  const w = train.x.length / train.n, x = new Float32Array(size * w);
  for (let i = 0; i < size; i++) x.set(train.x.subarray(idx[i] * w, idx[i] * w + w), i * w);
  return { n: size, x, y };
}
