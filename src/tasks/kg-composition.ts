/**
 * Two-hop composition over a random knowledge graph — Wang et al. (2024), "Grokked transformers are implicit
 * reasoners", §3 (setup as in the authors' released data generator):
 * - atomic facts (h, r, t): every entity h has `out_degree` distinct outgoing relations, each to a uniformly random
 *   tail t (self-loops allowed), so (h, r) determines t;
 * - a random `ood_fraction` of the atomic facts is out of distribution (OOD), the rest in distribution (ID);
 *   every atomic fact, ID or OOD, is trained on;
 * - inferred facts (h, r1, r2, t) for every (h, r1, b) and (b, r2, t): those with both hops ID are the ID pool, those
 *   with both hops OOD the OOD test; those mixing an ID and an OOD hop are left out, as in the paper;
 * - from the ID pool, `test_size` facts are held out as the ID test and round(φ · #ID atomic) others are trained on:
 *   φ is the paper's inferred/atomic ratio (its knob: larger φ, faster generalization). The OOD test holds at most
 *   `test_size` facts (a random sample when there are more).
 * Result to reproduce: composition groks on the ID test but stays near chance on the OOD test.
 *
 * Tokens: entity e → e, relation r → E + r, pad → E + R (vocab E + R + 1). Every input has 3 positions:
 * inferred [h, r1, r2], atomic [h, r, pad] (the query entity and relation at the positions of the first hop).
 * The label is the tail entity (E classes). Train = all atomic rows (first `meta.train_atomic` rows, atomic index
 * order) followed by the inferred training rows.
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
  phiBound,
} from "./knowledge-graph.js";
import { checkInt, taskError } from "./validate.js";
import { defineTask } from "./task.js";

export const COMPOSITION_SEQ_LEN = 3;
export const MAX_RELATIONS = 10_000;
/** Most two-hop facts (entities · out_degree²): the builder lists them all to sort them into ID, OOD and mixed. */
export const MAX_TWO_HOP = 10_000_000;

/** Builder options: the task config without its name; omitted values come from COMPOSITION_DEFAULTS. */
export type CompositionOptions = Omit<CompositionTaskConfig, "name">;

/**
 * A CPU-size graph (the paper: 2,000 entities, 200 relations, out-degree 20, 5% OOD, φ from 3.6 to 18): 900 atomic
 * facts, ≈ 10,900 ID two-hop facts, 9,720 of them trained on at φ = 12. A 2-layer transformer (d_model 64, AdamW
 * lr 1e-2, weight decay 1, batch 512) reached ≈ 0.78 ID test accuracy in 3,000 steps with OOD at chance (≈ 0.02) in
 * a reference run; 10% OOD atomic facts so that the OOD test has ≈ 100 facts at this size.
 */
export const COMPOSITION_DEFAULTS = {
  entities: 60,
  relations: 20,
  out_degree: 15,
  phi: 12,
  ood_fraction: 0.1,
  test_size: 500,
} as const;

// ---- zod schema (strict; the bound on φ depends on the sampled graph and is checked when building) ----
const fraction01 = z.number().gt(0, "must be in (0, 1)").lt(1, "must be in (0, 1)");
const int = (min: number, max: number) => z.number().int("must be an integer").min(min).max(max);

export const CompositionTaskSchema = z
  .strictObject({
    name: z.literal("composition"),
    entities: int(2, KG_MAX_ENTITIES).default(COMPOSITION_DEFAULTS.entities),
    relations: int(1, MAX_RELATIONS).default(COMPOSITION_DEFAULTS.relations),
    out_degree: int(1, MAX_RELATIONS).default(COMPOSITION_DEFAULTS.out_degree),
    phi: z.number().gt(0, "must be > 0").finite().default(COMPOSITION_DEFAULTS.phi),
    ood_fraction: fraction01.default(COMPOSITION_DEFAULTS.ood_fraction),
    test_size: int(1, KG_MAX_TEST_SIZE).default(COMPOSITION_DEFAULTS.test_size),
  })
  .refine((c) => c.out_degree <= c.relations, {
    path: ["out_degree"],
    message: "must not exceed relations (each entity has out_degree distinct outgoing relations)",
  });

/** A composition config as written in a spec (omitted keys take COMPOSITION_DEFAULTS). */
export type CompositionTaskConfig = Readonly<z.input<typeof CompositionTaskSchema>>;

export const compositionTask = defineTask({
  describe: "two-hop composition (h, r1, r2) → t on a random knowledge graph, with ID and OOD tests (Wang et al. 2024)",
  schema: CompositionTaskSchema,
  build: (c, key) => compositionDataset(c, key),
});

/** The atomic facts: fact a = h · outDegree + j is (h, rel[a], tail[a]); ood[a] = 1 for the OOD facts. */
export interface CompositionGraph {
  readonly entities: number;
  readonly relations: number;
  readonly outDegree: number;
  readonly rel: Int32Array; // [E · outDegree]
  readonly tail: Int32Array; // [E · outDegree]
  readonly ood: Uint8Array; // [E · outDegree]
  readonly oodCount: number;
}

/** Sample the graph and its ID/OOD split of atomic facts (sizes already validated). */
export function compositionGraph(
  entities: number,
  relations: number,
  outDegree: number,
  oodFraction: number,
  key: Key,
): CompositionGraph {
  const nAtomic = entities * outDegree;
  const rel = new Int32Array(nAtomic);
  const tail = new Int32Array(nAtomic);
  const relKey = fold(key, "relations");
  const tailKey = fold(key, "tails");
  for (let h = 0; h < entities; h++) {
    const chosen = permutation(fold(relKey, h), relations); // the first outDegree are h's relations
    for (let j = 0; j < outDegree; j++) {
      rel[h * outDegree + j] = chosen[j];
      tail[h * outDegree + j] = randint(tailKey, h * outDegree + j, entities);
    }
  }
  const oodCount = Math.round(oodFraction * nAtomic);
  const ood = new Uint8Array(nAtomic);
  const order = permutation(fold(key, "ood"), nAtomic);
  for (let i = 0; i < oodCount; i++) ood[order[i]] = 1;
  return { entities, relations, outDegree, rel, tail, ood, oodCount };
}

export function compositionDataset(options: CompositionOptions, key: Key): TokenDataset {
  const d = COMPOSITION_DEFAULTS;
  const E = checkInt("entities", options.entities ?? d.entities, 2, KG_MAX_ENTITIES);
  const R = checkInt("relations", options.relations ?? d.relations, 1, MAX_RELATIONS);
  const deg = checkInt("out_degree", options.out_degree ?? d.out_degree, 1, R);
  const phi = checkPhi(options.phi ?? d.phi);
  const oodFraction = checkOpenFraction("ood_fraction", options.ood_fraction ?? d.ood_fraction);
  const testSize = checkInt("test_size", options.test_size ?? d.test_size, 1, KG_MAX_TEST_SIZE);
  const nAtomic = E * deg;
  const nTwoHop = nAtomic * deg;
  if (nTwoHop > MAX_TWO_HOP) {
    throw taskError("out_degree", `entities · out_degree² = ${nTwoHop} two-hop facts exceeds the limit ${MAX_TWO_HOP}`);
  }

  const g = compositionGraph(E, R, deg, oodFraction, fold(key, "graph"));
  if (g.oodCount < 1 || g.oodCount >= nAtomic) {
    throw taskError("ood_fraction", `${oodFraction} of ${nAtomic} atomic facts gives ${g.oodCount} OOD facts; need 1 to ${nAtomic - 1}`);
  }
  const nIdAtomic = nAtomic - g.oodCount;

  // Two-hop fact f = a · deg + j2 composes atomic a = (h, r1, b) with atomic b · deg + j2 = (b, r2, t).
  const { idPool, oodPool } = twoHopPools(g);
  if (oodPool.length === 0) {
    throw taskError("ood_fraction", `no two-hop fact has both hops among the ${g.oodCount} OOD atomic facts; raise ood_fraction or out_degree`);
  }
  if (idPool.length <= testSize) {
    throw taskError("test_size", `must be below the ${idPool.length} ID two-hop facts of this graph, got ${testSize}`);
  }
  const nTrain = Math.round(phi * nIdAtomic);
  const available = idPool.length - testSize;
  if (nTrain < 1 || nTrain > available) {
    throw taskError(
      "phi",
      `must give 1 to ${available} inferred training facts, i.e. φ ≤ ${phiBound(available, nIdAtomic)} for this graph ` +
        `(${idPool.length} ID two-hop facts, ${testSize} held out for the ID test, ${nIdAtomic} ID atomic facts); got ${phi}`,
    );
  }

  // One permutation of the ID pool: the first test_size facts are the ID test, the next nTrain are trained on.
  const order = permutation(fold(key, "inferred"), idPool.length);
  const pick = (pool: Int32Array, idx: Int32Array) => Array.from(idx, (i) => pool[i]);
  const testFacts = pick(idPool, order.subarray(0, testSize));
  const trainFacts = pick(idPool, order.subarray(testSize, testSize + nTrain));
  const oodOrder = permutation(fold(key, "ood_test"), oodPool.length);
  const oodFacts = pick(oodPool, oodOrder.subarray(0, Math.min(testSize, oodPool.length)));

  const pad = E + R;
  const atomic = atomicRows(g, pad);
  return {
    kind: "tokens",
    name: "composition",
    vocab: E + R + 1,
    seqLen: COMPOSITION_SEQ_LEN,
    nClasses: E,
    train: concatSplits(atomic, inferredRows(g, trainFacts)),
    test: inferredRows(g, testFacts),
    evalSplits: { ood: inferredRows(g, oodFacts) },
    meta: {
      entities: E,
      relations: R,
      out_degree: deg,
      pad_token: pad,
      atomic: nAtomic,
      id_atomic: nIdAtomic,
      ood_atomic: g.oodCount,
      id_inferred: idPool.length,
      ood_inferred: oodPool.length,
      train_atomic: nAtomic,
      train_inferred: nTrain,
      phi: nTrain / nIdAtomic,
      test: testSize,
      ood: oodFacts.length,
    },
  };
}

/** The two-hop facts f = a · deg + j2 with both hops ID and with both hops OOD, ascending (mixed ones are left out). */
function twoHopPools(g: CompositionGraph): { idPool: Int32Array; oodPool: Int32Array } {
  const deg = g.outDegree;
  const n = g.rel.length * deg;
  const kind = new Uint8Array(n); // 1: both ID, 2: both OOD, 0: mixed
  let nId = 0, nOod = 0;
  for (let f = 0; f < n; f++) {
    const a = Math.floor(f / deg);
    const a2 = g.tail[a] * deg + (f % deg);
    if (g.ood[a] === g.ood[a2]) {
      kind[f] = g.ood[a] ? 2 : 1;
      if (g.ood[a]) nOod++;
      else nId++;
    }
  }
  const idPool = new Int32Array(nId); // [nId]
  const oodPool = new Int32Array(nOod); // [nOod]
  for (let f = 0, i = 0, o = 0; f < n; f++) {
    if (kind[f] === 1) idPool[i++] = f;
    else if (kind[f] === 2) oodPool[o++] = f;
  }
  return { idPool, oodPool };
}

/** Every atomic fact as [h, E + r, pad] → t, in atomic index order. */
function atomicRows(g: CompositionGraph, pad: number): TokenSplit {
  const n = g.rel.length;
  const x = new Int32Array(n * COMPOSITION_SEQ_LEN); // [n, 3]
  for (let a = 0; a < n; a++) {
    x[3 * a] = Math.floor(a / g.outDegree);
    x[3 * a + 1] = g.entities + g.rel[a];
    x[3 * a + 2] = pad;
  }
  return { n, x, y: g.tail.slice() };
}

/** Two-hop facts f = a · deg + j2 as [h, E + r1, E + r2] → t. */
function inferredRows(g: CompositionGraph, facts: readonly number[]): TokenSplit {
  const n = facts.length;
  const deg = g.outDegree;
  const x = new Int32Array(n * COMPOSITION_SEQ_LEN); // [n, 3]
  const y = new Int32Array(n); // [n]
  for (let i = 0; i < n; i++) {
    const a = Math.floor(facts[i] / deg);
    const a2 = g.tail[a] * deg + (facts[i] % deg);
    x[3 * i] = Math.floor(a / deg);
    x[3 * i + 1] = g.entities + g.rel[a];
    x[3 * i + 2] = g.entities + g.rel[a2];
    y[i] = g.tail[a2];
  }
  return { n, x, y };
}

