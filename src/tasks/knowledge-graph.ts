/**
 * The knowledge-graph reasoning tasks of Wang et al. (2024), "Grokked transformers are implicit reasoners: a
 * mechanistic journey to the edge of generalization": two-hop composition (kg-composition.ts) and attribute
 * comparison (kg-comparison.ts). Both train on every atomic fact plus a sample of the in-distribution (ID) inferred
 * facts whose size is set by φ = (#inferred training facts) / (#ID atomic facts), test on held-out ID inferred facts
 * (`test`) and on inferred facts built only from out-of-distribution atomic facts (`evalSplits.ood`).
 * This file holds what both share: sampling from index spaces too large to list, and rows → splits; the tasks'
 * schemas, defaults and builders are exported by their own files.
 */
import type { TokenSplit } from "./dataset.js";
import { randint, type Key } from "../tensor/rng.js";
import { taskError } from "./validate.js";

/**
 * Successive elements of a uniformly random permutation of 0..n−1 drawn from `key` (forward Fisher–Yates whose
 * displaced entries live in a Map), so the first k cost O(k) time and memory however large n is (n < 2^53).
 * The first k draws are a uniform sample of k distinct indices in uniform random order.
 */
export function lazyPermutation(key: Key, n: number): () => number {
  const moved = new Map<number, number>(); // position → value, for positions whose value is not the identity
  let i = 0;
  return () => {
    if (i >= n) throw new Error(`lazyPermutation: all ${n} elements already drawn`);
    const j = i + randint(key, i, n - i);
    const vj = moved.get(j) ?? j;
    if (j !== i) moved.set(j, moved.get(i) ?? i);
    moved.delete(i);
    i++;
    return vj;
  };
}

/** Most entities and most rows per test split, for both tasks. */
export const KG_MAX_ENTITIES = 100_000;
export const KG_MAX_TEST_SIZE = 1_000_000;

/** Concatenate splits with the same seqLen, rows in argument order. */
export function concatSplits(...splits: TokenSplit[]): TokenSplit {
  let n = 0;
  for (const s of splits) n += s.n;
  const seqLen = splits.length > 0 && splits[0].n > 0 ? splits[0].x.length / splits[0].n : 0;
  const x = new Int32Array(n * seqLen); // [n, seqLen]
  const y = new Int32Array(n); // [n]
  let at = 0;
  for (const s of splits) {
    x.set(s.x, at * seqLen);
    y.set(s.y, at);
    at += s.n;
  }
  return { n, x, y };
}

/** Largest φ accepted, floored to 3 decimals so that the printed bound itself is accepted. */
export function phiBound(available: number, atomic: number): number {
  return Math.floor((available / atomic) * 1000) / 1000;
}


/** φ: a finite number > 0 (its upper bound depends on the sampled graph and is checked by the builder). */
export function checkPhi(value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw taskError("phi", `must be a number > 0, got ${String(value)}`);
  }
  return value;
}

/** A fraction in the open interval (0, 1). */
export function checkOpenFraction(key: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value >= 1) {
    throw taskError(key, `must be a number in (0, 1), got ${String(value)}`);
  }
  return value;
}
