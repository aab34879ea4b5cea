import type { TokenDataset } from "../../src/tasks/dataset.js";
import { keyFromSeed, randint } from "../../src/tensor/rng.js";

/** n random pairs (a, b) over [0, p) labelled (a + b) mod nClasses; train and test are the same split. */
export function tinyPairs(p: number, n: number, seed: number, nClasses = p): TokenDataset {
  const key = keyFromSeed(seed);
  const x = new Int32Array(2 * n), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = randint(key, 2 * i, p);
    x[2 * i + 1] = randint(key, 2 * i + 1, p);
    y[i] = (x[2 * i] + x[2 * i + 1]) % nClasses;
  }
  const split = { n, x, y };
  return { kind: "tokens", name: "tiny", vocab: p, seqLen: 2, nClasses, train: split, test: split, meta: { p } };
}
