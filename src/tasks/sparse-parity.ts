/**
 * Sparse parity (Barak et al. 2022, "Hidden progress in deep learning"; PAIR's "Do machine learning models memorize
 * or generalize?"): inputs are n random bits, the label is the parity (XOR) of the first k of them; the other n − k
 * bits are distractors. Bits are the floats 0 and 1; with `bias` a constant 1 is appended as input n (dim = n + 1).
 * Train and test examples are drawn independently and uniformly from {0, 1}^n (a repeat between them is possible but
 * has probability about n_train · n_test / 2^n, 5e-3 at the defaults).
 */
import { z } from "zod";
import type { DenseDataset, DenseSplit } from "./dataset.js";
import { bits, fold, type Key } from "../tensor/rng.js";
import { withLabelNoise } from "./label-noise.js";
import { checkBool, checkInt, checkLabelNoise } from "./validate.js";
import { count, defineTask, labelNoise } from "./task.js";

export interface SparseParityOptions {
  /** Number of input bits n (default 30). */
  readonly nBits?: number;
  /** Number of relevant bits k: the label is the parity of bits 0..k−1 (default 3). */
  readonly kRelevant?: number;
  /** Training examples (default 1,000). */
  readonly nTrain?: number;
  /** Test examples (default 5,000). */
  readonly nTest?: number;
  /** Append a constant input 1 (default false). */
  readonly bias?: boolean;
  /** Share of training labels flipped, in [0, 1). */
  readonly labelNoise?: number;
}

export const SPARSE_PARITY_DEFAULTS = { nBits: 30, kRelevant: 3, nTrain: 1000, nTest: 5000, bias: false, labelNoise: 0 } as const;

/** Largest n accepted (beyond this the dense inputs stop being a small-model task). */
export const MAX_BITS = 4096;
/** Largest example count per split. */
export const MAX_EXAMPLES = 10_000_000;

/** n examples: x [n, dim] with x[i, j] ∈ {0, 1} for j < nBits (and 1 at j = nBits when bias), y [n] = ⊕_{j<k} x[i, j]. */
export function sparseParitySplit(n: number, nBits: number, k: number, bias: boolean, key: Key): DenseSplit {
  const dim = nBits + (bias ? 1 : 0);
  const x = new Float32Array(n * dim); // [n, dim]
  const y = new Int32Array(n); // [n]
  for (let i = 0; i < n; i++) {
    let parity = 0;
    for (let j = 0; j < nBits; j++) {
      const bit = bits(key, i * nBits + j) >>> 31; // top bit of the hash: a fair coin
      x[i * dim + j] = bit;
      if (j < k) parity ^= bit;
    }
    if (bias) x[i * dim + nBits] = 1;
    y[i] = parity;
  }
  return { n, x, y };
}

export function sparseParityDataset(options: SparseParityOptions, key: Key): DenseDataset {
  const o = { ...SPARSE_PARITY_DEFAULTS, ...stripUndefined(options) };
  const nBits = checkInt("n_bits", o.nBits, 1, MAX_BITS);
  const k = checkInt("k_relevant", o.kRelevant, 1, nBits); // at most n_bits
  const nTrain = checkInt("n_train", o.nTrain, 1, MAX_EXAMPLES);
  const nTest = checkInt("n_test", o.nTest, 1, MAX_EXAMPLES);
  const bias = checkBool("bias", o.bias);
  const noise = checkLabelNoise(o.labelNoise);
  const train = sparseParitySplit(nTrain, nBits, k, bias, fold(key, "train"));
  const test = sparseParitySplit(nTest, nBits, k, bias, fold(key, "test"));
  return {
    kind: "dense",
    name: "sparse_parity",
    dim: nBits + (bias ? 1 : 0),
    nClasses: 2,
    train: withLabelNoise(train, noise, 2, fold(key, "label_noise")),
    test,
    meta: { n: nBits, k, bias },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---- registry entry ----
// n = 30, k = 3, 1,000 train / 5,000 test: PAIR's sparse-parity setup.
export const SparseParityTaskSchema = z
  .strictObject({
    name: z.literal("sparse_parity"),
    n_bits: count(MAX_BITS).default(SPARSE_PARITY_DEFAULTS.nBits),
    k_relevant: count(MAX_BITS).default(SPARSE_PARITY_DEFAULTS.kRelevant),
    n_train: count(MAX_EXAMPLES).default(SPARSE_PARITY_DEFAULTS.nTrain),
    n_test: count(MAX_EXAMPLES).default(SPARSE_PARITY_DEFAULTS.nTest),
    bias: z.boolean().default(SPARSE_PARITY_DEFAULTS.bias),
    label_noise: labelNoise.default(SPARSE_PARITY_DEFAULTS.labelNoise),
  })
  .refine((c) => c.k_relevant <= c.n_bits, { path: ["k_relevant"], message: "must not exceed n_bits" });

export const sparseParityTask = defineTask({
  describe: "parity of the first k of n random bits (Barak et al. 2022; PAIR), fixed train and test samples",
  schema: SparseParityTaskSchema,
  build: (c, key) =>
    sparseParityDataset(
      { nBits: c.n_bits, kRelevant: c.k_relevant, nTrain: c.n_train, nTest: c.n_test, bias: c.bias, labelNoise: c.label_noise },
      key,
    ),
});
