/**
 * Deterministic train/test splits of a finite table of examples, as in Power et al. (2022): shuffle all valid
 * (x, y) pairs with a seeded permutation, train on the first floor(fraction · N), test on the rest.
 */
import type { TokenSplit } from "./dataset.js";
import { permutation, type Key } from "../tensor/rng.js";
import { fractionCount, taskError } from "./validate.js";

/** Rows `rows` of a [N, seqLen] token table and its [N] labels, in that order. */
export function gatherTokenRows(x: Int32Array, y: Int32Array, seqLen: number, rows: Int32Array): TokenSplit {
  const n = rows.length;
  const xs = new Int32Array(n * seqLen); // [n, seqLen]
  const ys = new Int32Array(n); // [n]
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    for (let j = 0; j < seqLen; j++) xs[i * seqLen + j] = x[r * seqLen + j];
    ys[i] = y[r];
  }
  return { n, x: xs, y: ys };
}

/**
 * Split a full table x [N, seqLen], y [N] by a permutation drawn from `key`: the first floor(fraction · N) permuted
 * rows are the training set, the remaining rows the test set, both in permuted order.
 * With fraction = 1 there is nothing left to test on: the test split is then the training split itself (the same
 * rows, with the clean labels if label noise is applied later), so test metrics equal train metrics.
 */
export function splitTable(
  x: Int32Array,
  y: Int32Array,
  seqLen: number,
  fraction: number,
  key: Key,
): { train: TokenSplit; test: TokenSplit } {
  const total = y.length;
  const nTrain = fractionCount(fraction, total);
  if (nTrain < 1) throw taskError("train_fraction", `${fraction} of ${total} examples leaves no training example`);
  const order = permutation(key, total);
  const train = gatherTokenRows(x, y, seqLen, order.subarray(0, nTrain));
  if (nTrain === total) return { train, test: train };
  return { train, test: gatherTokenRows(x, y, seqLen, order.subarray(nTrain)) };
}
