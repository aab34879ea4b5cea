/**
 * Label noise on a training split (as in Doshi et al. 2024, "To grok or not to grok: disentangling generalization and
 * memorization on corrupted algorithmic datasets"): exactly floor(fraction · n) rows, chosen by a seeded permutation,
 * get a label drawn uniformly from the other nClasses − 1 classes. The split records which rows were corrupted and
 * their clean labels, so accuracy on corrupted and clean rows can be reported separately.
 */
import type { DenseSplit, TokenSplit } from "./dataset.js";
import { fold, permutation, randint, type Key } from "../tensor/rng.js";
import { fractionCount, taskError } from "./validate.js";

export function withLabelNoise<S extends TokenSplit | DenseSplit>(split: S, fraction: number, nClasses: number, key: Key): S {
  if (fraction === 0) return split;
  if (nClasses < 2) throw taskError("label_noise", "needs at least 2 classes");
  const count = fractionCount(fraction, split.n);
  const rows = permutation(fold(key, "rows"), split.n).slice(0, count).sort(); // [count], ascending
  const classKey = fold(key, "classes");
  const y = split.y.slice();
  for (let i = 0; i < count; i++) {
    const r = rows[i];
    // y + s mod C with s uniform in 1..C−1 is uniform over the classes other than y.
    y[r] = (split.y[r] + 1 + randint(classKey, i, nClasses - 1)) % nClasses;
  }
  return { ...split, y, corrupted: rows, yClean: split.y };
}
