/**
 * Attribute comparison — Wang et al. (2024), "Grokked transformers are implicit reasoners", §4 (setup as in the
 * authors' released data generator):
 * - atomic facts (e, a) → v: every entity has a value drawn uniformly from 0..V−1 for every attribute;
 * - per attribute, a random `ood_fraction` of the entities is OOD, the rest ID (drawn independently per attribute);
 *   every atomic fact, ID or OOD, is trained on;
 * - inferred facts (a, e1, e2) → <, = or > comparing the two entities' values of attribute a, for e1 ≠ e2: pairs of
 *   two ID entities are the ID pool, pairs of two OOD entities the OOD test, mixed pairs are left out;
 * - the ID test is floor(test_size / 2) unordered ID pairs, each in both orders; the inferred training facts are
 *   round(φ · #ID atomic) ordered facts drawn from the other ID pairs (φ the paper's inferred/atomic ratio);
 *   the OOD test is at most test_size ordered OOD facts (a random sample when there are more).
 * Result to reproduce: comparison groks on the ID test and, unlike composition, on the OOD test too.
 *
 * Tokens: entity e → e, attribute a → E + a, pad → E + A (vocab E + A + 1). Every input has 3 positions:
 * inferred [a, e1, e2], atomic [a, e, pad]. Classes: value v → v, then <, =, > → V, V + 1, V + 2 (V + 3 classes).
 * Train = all atomic rows (first `meta.train_atomic` rows, entity-major) followed by the inferred training rows.
 * Index spaces (A · m² pairs at m ID entities per attribute) are sampled lazily, never listed.
 */
import { z } from "zod";
import type { TokenDataset, TokenSplit } from "./dataset.js";
import { fold, permutation, randint, type Key } from "../tensor/rng.js";
import {
  KG_MAX_ENTITIES,
  KG_MAX_TEST_SIZE,
  checkOpenFraction,
  checkPhi,
  concatSplits,
  lazyPermutation,
  phiBound,
} from "./knowledge-graph.js";
import { checkInt, taskError } from "./validate.js";
import { defineTask } from "./task.js";

export const COMPARISON_SEQ_LEN = 3;
export const MAX_ATTRIBUTES = 10_000;
export const MAX_VALUES = 100_000;
/** Most atomic facts (entities · attributes) and most inferred training facts. */
export const MAX_COMPARISON_ATOMIC = 10_000_000;
export const MAX_TRAIN_INFERRED = 20_000_000;

/** Builder options: the task config without its name; omitted values come from COMPARISON_DEFAULTS. */
export type ComparisonOptions = Omit<ComparisonTaskConfig, "name">;

/**
 * A CPU-size version of the paper's setup (1,000 entities, 20 attributes, 20 values, 10% OOD entities, φ from 3.6 to
 * 12.6): 500 atomic facts, 3,200 inferred training facts at φ = 8, 10 OOD entities per attribute (900 OOD facts, 500
 * tested). A 2-layer transformer (d_model 64, AdamW lr 3e-3, weight decay 1, batch 512) reached ≈ 0.93 ID and
 * ≈ 0.9 OOD test accuracy in 2,000 steps in a reference run.
 */
export const COMPARISON_DEFAULTS = {
  entities: 50,
  attributes: 10,
  values: 10,
  phi: 8,
  ood_fraction: 0.2,
  test_size: 500,
} as const;

const fraction01 = z.number().gt(0, "must be in (0, 1)").lt(1, "must be in (0, 1)");
const int = (min: number, max: number) => z.number().int("must be an integer").min(min).max(max);

export const ComparisonTaskSchema = z.strictObject({
  name: z.literal("comparison"),
  entities: int(3, KG_MAX_ENTITIES).default(COMPARISON_DEFAULTS.entities),
  attributes: int(1, MAX_ATTRIBUTES).default(COMPARISON_DEFAULTS.attributes),
  values: int(2, MAX_VALUES).default(COMPARISON_DEFAULTS.values),
  phi: z.number().gt(0, "must be > 0").finite().default(COMPARISON_DEFAULTS.phi),
  ood_fraction: fraction01.default(COMPARISON_DEFAULTS.ood_fraction),
  test_size: int(2, KG_MAX_TEST_SIZE).default(COMPARISON_DEFAULTS.test_size),
});

/** A comparison config as written in a spec (omitted keys take COMPARISON_DEFAULTS). */
export type ComparisonTaskConfig = Readonly<z.input<typeof ComparisonTaskSchema>>;

export const comparisonTask = defineTask({
  describe: "attribute comparison (a, e1, e2) → <, =, > from atomic facts (a, e) → value, with ID and OOD tests (Wang et al. 2024)",
  schema: ComparisonTaskSchema,
  build: (c, key) => comparisonDataset(c, key),
});

export const LESS = 0;
export const EQUAL = 1;
export const GREATER = 2;

export function comparisonDataset(options: ComparisonOptions, key: Key): TokenDataset {
  const d = COMPARISON_DEFAULTS;
  const E = checkInt("entities", options.entities ?? d.entities, 3, KG_MAX_ENTITIES);
  const A = checkInt("attributes", options.attributes ?? d.attributes, 1, MAX_ATTRIBUTES);
  const V = checkInt("values", options.values ?? d.values, 2, MAX_VALUES);
  const phi = checkPhi(options.phi ?? d.phi);
  const oodFraction = checkOpenFraction("ood_fraction", options.ood_fraction ?? d.ood_fraction);
  const testSize = checkInt("test_size", options.test_size ?? d.test_size, 2, KG_MAX_TEST_SIZE);
  if (E * A > MAX_COMPARISON_ATOMIC) throw taskError("attributes", `entities · attributes = ${E * A} atomic facts exceeds the limit ${MAX_COMPARISON_ATOMIC}`);
  const k = Math.round(oodFraction * E); // OOD entities per attribute
  const m = E - k; // ID entities per attribute
  if (k < 2 || m < 2) {
    throw taskError("ood_fraction", `${oodFraction} of ${E} entities gives ${k} OOD and ${m} ID entities per attribute; need at least 2 of each`);
  }

  const { value, idEntities, oodEntities } = comparisonKnowledge(E, A, V, k, fold(key, "knowledge"));
  const nIdAtomic = A * m;

  // ID unordered pairs: u = a · P_a + t, t the index of {i < j} among the attribute's m ID entities.
  const pairsPerAttr = (m * (m - 1)) / 2;
  const nPairs = A * pairsPerAttr;
  const nTestPairs = Math.floor(testSize / 2);
  if (nTestPairs >= nPairs) {
    throw taskError("test_size", `must leave training pairs: ${nPairs} unordered ID pairs, test_size ${testSize} holds out ${nTestPairs}`);
  }
  const available = 2 * (nPairs - nTestPairs); // ordered ID facts outside the test pairs
  const nTrain = Math.round(phi * nIdAtomic);
  if (nTrain < 1 || nTrain > Math.min(available, MAX_TRAIN_INFERRED)) {
    throw taskError(
      "phi",
      `must give 1 to ${Math.min(available, MAX_TRAIN_INFERRED)} inferred training facts, i.e. φ ≤ ` +
        `${phiBound(Math.min(available, MAX_TRAIN_INFERRED), nIdAtomic)} here (${available} ordered ID pairs outside the ` +
        `ID test, ${nIdAtomic} ID atomic facts); got ${phi}`,
    );
  }

  const pairDraw = lazyPermutation(fold(key, "id_test"), nPairs);
  const testPairs = new Set<number>();
  for (let i = 0; i < nTestPairs; i++) testPairs.add(pairDraw());
  const idFact = (o: number) => pairFact(o, pairsPerAttr, m, idEntities);
  const test: number[][] = [];
  for (const u of testPairs) test.push(idFact(2 * u), idFact(2 * u + 1));
  const trainDraw = lazyPermutation(fold(key, "train"), 2 * nPairs); // ordered fact o = 2u + (reversed ? 1 : 0)
  const train: number[][] = [];
  while (train.length < nTrain) {
    const o = trainDraw();
    if (!testPairs.has(Math.floor(o / 2))) train.push(idFact(o));
  }
  // OOD: ordered facts o = a · k(k − 1) + i · (k − 1) + j' over the attribute's k OOD entities, j' skipping i.
  const nOod = A * k * (k - 1);
  const oodDraw = lazyPermutation(fold(key, "ood_test"), nOod);
  const ood = Array.from({ length: Math.min(testSize, nOod) }, () => orderedFact(oodDraw(), k, oodEntities));

  const pad = E + A;
  const rows = (facts: number[][]) => inferredRows(facts, E, V, A, value);
  return {
    kind: "tokens",
    name: "comparison",
    vocab: E + A + 1,
    seqLen: COMPARISON_SEQ_LEN,
    nClasses: V + 3,
    train: concatSplits(atomicRows(E, A, pad, value), rows(train)),
    test: rows(test),
    evalSplits: { ood: rows(ood) },
    meta: {
      entities: E,
      attributes: A,
      values: V,
      pad_token: pad,
      atomic: E * A,
      id_atomic: nIdAtomic,
      ood_atomic: A * k,
      id_inferred: 2 * nPairs,
      ood_inferred: nOod,
      train_atomic: E * A,
      train_inferred: nTrain,
      phi: nTrain / nIdAtomic,
      test: test.length,
      ood: ood.length,
    },
  };
}

/** The atomic facts and each attribute's ID/OOD split of the entities. */
export interface ComparisonKnowledge {
  readonly value: Int32Array; // [E · A]: value[e · A + a] is entity e's value of attribute a
  readonly idEntities: Int32Array; // [A, m], each row sorted
  readonly oodEntities: Int32Array; // [A, k], each row sorted
}

/** Sample the values and, per attribute, which k of the E entities are OOD (sizes already validated). */
export function comparisonKnowledge(E: number, A: number, V: number, k: number, key: Key): ComparisonKnowledge {
  const valueKey = fold(key, "values");
  const value = new Int32Array(E * A);
  for (let i = 0; i < E * A; i++) value[i] = randint(valueKey, i, V);
  // Per attribute, the first k entities of a permutation are OOD.
  const m = E - k;
  const idEntities = new Int32Array(A * m);
  const oodEntities = new Int32Array(A * k);
  for (let a = 0; a < A; a++) {
    const order = permutation(fold(fold(key, "ood"), a), E);
    oodEntities.set(order.slice(0, k).sort(), a * k);
    idEntities.set(order.slice(k).sort(), a * m);
  }
  return { value, idEntities, oodEntities };
}

/** Ordered ID fact o = 2u + s → [a, e1, e2]: unordered pair u = {i < j} of attribute a, reversed when s = 1. */
function pairFact(o: number, pairsPerAttr: number, m: number, idEntities: Int32Array): number[] {
  const u = Math.floor(o / 2);
  const a = Math.floor(u / pairsPerAttr);
  const [i, j] = unrankPair(u - a * pairsPerAttr, m);
  const e1 = idEntities[a * m + i];
  const e2 = idEntities[a * m + j];
  return o % 2 === 0 ? [a, e1, e2] : [a, e2, e1];
}

/** Ordered fact o over k entities per attribute, e1 ≠ e2 → [a, e1, e2]. */
function orderedFact(o: number, k: number, entities: Int32Array): number[] {
  const perAttr = k * (k - 1);
  const a = Math.floor(o / perAttr);
  const r = o - a * perAttr;
  const i = Math.floor(r / (k - 1));
  const jr = r - i * (k - 1);
  const j = jr >= i ? jr + 1 : jr;
  return [a, entities[a * k + i], entities[a * k + j]];
}

/**
 * The t-th pair {i < j} of 0..m−1 in the order (0,1), (0,2), …, (0,m−1), (1,2), …: row i starts at
 * off(i) = i·m − i(i+1)/2; i from the quadratic formula, corrected for floating-point error.
 */
export function unrankPair(t: number, m: number): [number, number] {
  const off = (i: number) => i * m - (i * (i + 1)) / 2;
  let i = Math.floor((2 * m - 1 - Math.sqrt((2 * m - 1) ** 2 - 8 * t)) / 2);
  i = Math.max(0, Math.min(m - 2, i));
  while (i > 0 && off(i) > t) i--;
  while (i < m - 2 && off(i + 1) <= t) i++;
  return [i, i + 1 + (t - off(i))];
}

/** Every atomic fact as [E + a, e, pad] → value, entity-major (row e · A + a). */
function atomicRows(E: number, A: number, pad: number, value: Int32Array): TokenSplit {
  const n = E * A;
  const x = new Int32Array(n * COMPARISON_SEQ_LEN); // [n, 3]
  for (let e = 0; e < E; e++) {
    for (let a = 0; a < A; a++) {
      const r = e * A + a;
      x[3 * r] = E + a;
      x[3 * r + 1] = e;
      x[3 * r + 2] = pad;
    }
  }
  return { n, x, y: value.slice() };
}

/** Facts [a, e1, e2] as rows [E + a, e1, e2] → V + (<: 0, =: 1, >: 2). */
function inferredRows(facts: readonly number[][], E: number, V: number, A: number, value: Int32Array): TokenSplit {
  const n = facts.length;
  const x = new Int32Array(n * COMPARISON_SEQ_LEN); // [n, 3]
  const y = new Int32Array(n); // [n]
  for (let i = 0; i < n; i++) {
    const [a, e1, e2] = facts[i];
    x[3 * i] = E + a;
    x[3 * i + 1] = e1;
    x[3 * i + 2] = e2;
    const v1 = value[e1 * A + a];
    const v2 = value[e2 * A + a];
    y[i] = V + (v1 < v2 ? LESS : v1 === v2 ? EQUAL : GREATER);
  }
  return { n, x, y };
}
