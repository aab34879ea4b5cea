import { test } from "node:test";
import assert from "node:assert/strict";
import type { TokenDataset, TokenSplit } from "../../src/tasks/dataset.js";
import { lazyPermutation } from "../../src/tasks/knowledge-graph.js";
import {
  COMPOSITION_DEFAULTS,
  CompositionTaskSchema,
  compositionDataset,
  compositionGraph,
  type CompositionOptions,
} from "../../src/tasks/kg-composition.js";
import {
  COMPARISON_DEFAULTS,
  ComparisonTaskSchema,
  comparisonDataset,
  comparisonKnowledge,
  unrankPair,
  type ComparisonOptions,
} from "../../src/tasks/kg-comparison.js";
import { fold, keyFromSeed } from "../../src/tensor/rng.js";

const row = (s: TokenSplit, i: number): number[] => Array.from(s.x.subarray(3 * i, 3 * i + 3));
const rowKey = (s: TokenSplit, i: number): string => row(s, i).join(",");
/** fn throws an error whose message matches re (anchored at the key, without the "Error: " prefix). */
const throwsMessage = (fn: () => unknown, re: RegExp, what: string) =>
  assert.throws(fn, (e: unknown) => e instanceof Error && re.test(e.message), what);
const splitsOf = (d: TokenDataset) => ({ train: d.train, test: d.test, ood: d.evalSplits!.ood });

// ---------------------------------------------------------------- composition

const SMALL: CompositionOptions = { entities: 60, relations: 20, out_degree: 10, phi: 6, ood_fraction: 0.1, test_size: 400 };

test("composition: every answer is the composition of the atomic facts rebuilt from the training rows", () => {
  const d = compositionDataset(SMALL, keyFromSeed(1));
  const E = 60, R = 20, deg = 10, pad = E + R;
  assert.deepEqual([d.vocab, d.seqLen, d.nClasses, d.meta.pad_token], [E + R + 1, 3, E, pad]);
  // The first train_atomic rows are the atomic facts [h, E + r, pad] → t: rebuild the table (h, r) → t.
  const nAtomic = d.meta.train_atomic as number;
  assert.equal(nAtomic, E * deg);
  const table = new Map<string, number>();
  const outRelations = new Map<number, Set<number>>();
  for (let i = 0; i < nAtomic; i++) {
    const [h, r, p] = row(d.train, i);
    assert.ok(h >= 0 && h < E && r >= E && r < E + R && p === pad, `atomic row ${i}: ${[h, r, p]}`);
    assert.ok(!table.has(`${h},${r}`), "(h, r) determines t: no repeated query");
    table.set(`${h},${r}`, d.train.y[i]);
    if (!outRelations.has(h)) outRelations.set(h, new Set());
    outRelations.get(h)!.add(r);
  }
  assert.equal(outRelations.size, E);
  for (const rels of outRelations.values()) assert.equal(rels.size, deg, "each entity has out_degree distinct relations");
  // Every inferred row [h, r1, r2] → t in train, test and OOD has t = table(table(h, r1), r2).
  let checked = 0;
  for (const [name, s] of Object.entries(splitsOf(d))) {
    for (let i = name === "train" ? nAtomic : 0; i < s.n; i++, checked++) {
      const [h, r1, r2] = row(s, i);
      const b = table.get(`${h},${r1}`);
      assert.ok(b !== undefined, `${name} row ${i}: first hop (${h}, ${r1}) is an atomic fact`);
      assert.equal(s.y[i], table.get(`${b},${r2}`), `${name} row ${i}: t = (h r1 r2) composed`);
    }
  }
  assert.equal(checked, (d.meta.train_inferred as number) + d.test.n + d.evalSplits!.ood.n);
});

test("composition: ID/OOD split of the atomic facts, disjoint splits, φ and counts as documented", () => {
  const key = keyFromSeed(2);
  const d = compositionDataset(SMALL, key);
  const E = 60, deg = 10;
  const g = compositionGraph(E, 20, deg, 0.1, fold(key, "graph"));
  // The dataset's atomic rows are this graph's facts, in atomic index order.
  for (let a = 0; a < E * deg; a++) {
    assert.deepEqual(row(d.train, a), [Math.floor(a / deg), E + g.rel[a], E + 20]);
    assert.equal(d.train.y[a], g.tail[a]);
  }
  assert.equal(g.oodCount, Math.round(0.1 * E * deg));
  assert.equal(g.ood.reduce((s, v) => s + v, 0), g.oodCount);
  const atomicIndex = new Map<string, number>();
  for (let a = 0; a < E * deg; a++) atomicIndex.set(`${Math.floor(a / deg)},${E + g.rel[a]}`, a);
  /** Both hops of an inferred row, as OOD flags. */
  const hops = (s: TokenSplit, i: number): [number, number] => {
    const [h, r1, r2] = row(s, i);
    const a1 = atomicIndex.get(`${h},${r1}`)!;
    const a2 = atomicIndex.get(`${g.tail[a1]},${r2}`)!;
    return [g.ood[a1], g.ood[a2]];
  };
  const nAtomic = E * deg;
  const seen = new Map<string, string>();
  for (const [name, s] of Object.entries(splitsOf(d))) {
    for (let i = name === "train" ? nAtomic : 0; i < s.n; i++) {
      const want = name === "ood" ? [1, 1] : [0, 0];
      assert.deepEqual(hops(s, i), want, `${name} row ${i}: both hops ${name === "ood" ? "OOD" : "ID"}`);
      const k = rowKey(s, i);
      assert.ok(!seen.has(k), `${name} row ${i} repeats a ${seen.get(k)} row`);
      seen.set(k, name);
    }
  }
  // Pools counted independently from the graph: every (a, j2) pair with both hops ID / both OOD.
  let id = 0, ood = 0;
  for (let a = 0; a < nAtomic; a++) {
    for (let j = 0; j < deg; j++) {
      const a2 = g.tail[a] * deg + j;
      if (!g.ood[a] && !g.ood[a2]) id++;
      if (g.ood[a] && g.ood[a2]) ood++;
    }
  }
  const m = d.meta;
  assert.deepEqual([m.id_inferred, m.ood_inferred, m.id_atomic, m.ood_atomic], [id, ood, nAtomic - g.oodCount, g.oodCount]);
  assert.equal(d.evalSplits!.ood.n, Math.min(400, ood));
  assert.equal(d.test.n, 400);
  // φ = #inferred train / #ID atomic, to within the rounding of one fact.
  assert.equal(m.train_inferred, Math.round(6 * (nAtomic - g.oodCount)));
  assert.equal(d.train.n, nAtomic + (m.train_inferred as number));
  assert.ok(Math.abs((m.phi as number) - 6) <= 0.5 / (m.id_atomic as number));
});

test("composition: the pools' sizes match E · deg² · (1 − f)² and E · deg² · f² at the paper's graph size", () => {
  // Wang et al.: 2,000 entities, 200 relations, 20 outgoing each, 5% OOD atomic facts, φ up to 18.
  const d = compositionDataset({ entities: 2000, relations: 200, out_degree: 20, phi: 18, ood_fraction: 0.05, test_size: 3000 }, keyFromSeed(3));
  const twoHop = 2000 * 20 * 20;
  assert.equal(d.meta.atomic, 40_000);
  assert.equal(d.meta.train_inferred, 18 * 38_000);
  // Both hops ID: each of the 800,000 two-hop pairs of distinct facts with probability ≈ 0.95² (tolerance 1%).
  assert.ok(Math.abs((d.meta.id_inferred as number) / (twoHop * 0.95 ** 2) - 1) < 0.01, String(d.meta.id_inferred));
  // Both OOD: ≈ 800,000 · 0.05² = 2,000 (tolerance 15%, ≈ 5 binomial sd).
  assert.ok(Math.abs((d.meta.ood_inferred as number) / (twoHop * 0.05 ** 2) - 1) < 0.15, String(d.meta.ood_inferred));
});

test("composition: same key → identical dataset; another key → another graph", () => {
  const a = compositionDataset(SMALL, keyFromSeed(4));
  const b = compositionDataset(SMALL, keyFromSeed(4));
  const c = compositionDataset(SMALL, keyFromSeed(5));
  for (const name of ["train", "test", "ood"] as const) {
    assert.deepEqual(splitsOf(a)[name].x, splitsOf(b)[name].x);
    assert.deepEqual(splitsOf(a)[name].y, splitsOf(b)[name].y);
  }
  assert.notDeepEqual(a.train.y, c.train.y);
  assert.deepEqual(a.meta, b.meta);
});

test("composition: defaults build the documented CPU-size graph", () => {
  const d = compositionDataset({}, keyFromSeed(6));
  const D = COMPOSITION_DEFAULTS;
  assert.equal(d.meta.atomic, D.entities * D.out_degree);
  assert.equal(d.meta.train_inferred, Math.round(D.phi * (d.meta.id_atomic as number)));
  assert.equal(d.test.n, D.test_size);
  assert.ok(d.evalSplits!.ood.n >= 50, `OOD test has ${d.evalSplits!.ood.n} rows`);
});

test("composition: bad options are rejected naming the key; φ's bound is stated and itself accepted", () => {
  const k = keyFromSeed(7);
  const cases: [CompositionOptions, RegExp][] = [
    [{ phi: 0 }, /^task\.phi: must be a number > 0/],
    [{ phi: -1 }, /^task\.phi/],
    [{ phi: 1000 }, /^task\.phi: .*φ ≤ \d+\.\d+ for this graph/],
    [{ entities: 1 }, /^task\.entities: must be in \[2, /],
    [{ entities: 2.5 }, /^task\.entities: must be an integer/],
    [{ relations: 0 }, /^task\.relations/],
    [{ relations: 5, out_degree: 6 }, /^task\.out_degree: must be in \[1, 5\]/],
    [{ ood_fraction: 0 }, /^task\.ood_fraction: must be a number in \(0, 1\)/],
    [{ ood_fraction: 1 }, /^task\.ood_fraction: must be a number in \(0, 1\)/],
    [{ ood_fraction: 1e-5 }, /^task\.ood_fraction: .* gives 0 OOD facts/],
    [{ test_size: 0 }, /^task\.test_size/],
    [{ test_size: 999_999 }, /^task\.test_size: must be below the \d+ ID two-hop facts/],
    [{ entities: 100_000, out_degree: 20 }, /^task\.out_degree: .* exceeds the limit/],
  ];
  for (const [o, re] of cases) throwsMessage(() => compositionDataset({ ...SMALL, ...o }, k), re, JSON.stringify(o));
  const msg = (() => {
    try {
      compositionDataset({ ...SMALL, phi: 1000 }, k);
    } catch (e) {
      return (e as Error).message;
    }
    return "";
  })();
  const max = Number(/φ ≤ (\d+\.\d+)/.exec(msg)![1]);
  const d = compositionDataset({ ...SMALL, phi: max }, k);
  assert.ok((d.meta.train_inferred as number) <= (d.meta.id_inferred as number) - 400);
  throwsMessage(() => compositionDataset({ ...SMALL, phi: max + 0.01 }, k), /^task\.phi/, "just above the bound");
});

test("composition: the zod schema is strict and checks ranges and out_degree ≤ relations", () => {
  const ok = CompositionTaskSchema.safeParse({ name: "composition", entities: 50, phi: 3.6 });
  assert.ok(ok.success);
  const bad: [unknown, string][] = [
    [{ name: "composition", phi: 0 }, "phi"],
    [{ name: "composition", ood_fraction: 1 }, "ood_fraction"],
    [{ name: "composition", relations: 10 }, "out_degree"], // default out_degree 20 > 10
    [{ name: "composition", entites: 50 }, ""],
  ];
  for (const [input, path] of bad) {
    const r = CompositionTaskSchema.safeParse(input);
    assert.ok(!r.success, JSON.stringify(input));
    assert.equal(r.error.issues[0].path.join("."), path, JSON.stringify(input));
  }
});

// ---------------------------------------------------------------- comparison

const CMP: ComparisonOptions = { entities: 40, attributes: 5, values: 6, phi: 8, ood_fraction: 0.2, test_size: 300 };

test("comparison: labels agree with the attribute values rebuilt from the atomic rows", () => {
  const d = comparisonDataset(CMP, keyFromSeed(11));
  const E = 40, A = 5, V = 6, pad = E + A;
  assert.deepEqual([d.vocab, d.seqLen, d.nClasses], [E + A + 1, 3, V + 3]);
  const nAtomic = d.meta.train_atomic as number;
  assert.equal(nAtomic, E * A);
  const value = new Map<string, number>();
  for (let i = 0; i < nAtomic; i++) {
    const [a, e, p] = row(d.train, i);
    assert.ok(a >= E && a < E + A && e >= 0 && e < E && p === pad);
    assert.ok(d.train.y[i] >= 0 && d.train.y[i] < V, "atomic labels are values");
    value.set(`${a},${e}`, d.train.y[i]);
  }
  assert.equal(value.size, E * A, "every (entity, attribute) once");
  const counts = [0, 0, 0];
  for (const [name, s] of Object.entries(splitsOf(d))) {
    for (let i = name === "train" ? nAtomic : 0; i < s.n; i++) {
      const [a, e1, e2] = row(s, i);
      assert.ok(a >= E && a < E + A && e1 !== e2 && e1 < E && e2 < E, `${name} row ${i}`);
      const v1 = value.get(`${a},${e1}`)!, v2 = value.get(`${a},${e2}`)!;
      const want = V + (v1 < v2 ? 0 : v1 === v2 ? 1 : 2);
      assert.equal(s.y[i], want, `${name} row ${i}: ${v1} vs ${v2}`);
      counts[s.y[i] - V]++;
    }
  }
  // Independent uniform values: P(=) = 1/V, P(<) = P(>) = (1 − 1/V)/2; each within 5 binomial sd.
  const n = counts[0] + counts[1] + counts[2];
  for (const [c, p] of [[counts[0], (1 - 1 / V) / 2], [counts[1], 1 / V], [counts[2], (1 - 1 / V) / 2]]) {
    assert.ok(Math.abs(c - n * p) <= 5 * Math.sqrt(n * p * (1 - p)), `${c} of ${n}, p ${p}`);
  }
});

test("comparison: ID pairs and OOD pairs per attribute, ID test pairs in both orders and never trained, φ", () => {
  const key = keyFromSeed(12);
  const d = comparisonDataset(CMP, key);
  const E = 40, A = 5, k = 8, m = 32;
  const kn = comparisonKnowledge(E, A, 6, k, fold(key, "knowledge"));
  for (let i = 0; i < E * A; i++) assert.equal(d.train.y[i], kn.value[i], "atomic rows are the sampled values, entity-major");
  const isOod = (a: number, e: number) => kn.oodEntities.subarray(a * k, a * k + k).includes(e);
  for (let a = 0; a < A; a++) {
    const all = [...kn.idEntities.subarray(a * m, a * m + m), ...kn.oodEntities.subarray(a * k, a * k + k)].sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: E }, (_, i) => i), `attribute ${a}: ID and OOD entities partition the entities`);
  }
  const unordered = (s: TokenSplit, i: number) => {
    const [a, e1, e2] = row(s, i);
    return `${a},${Math.min(e1, e2)},${Math.max(e1, e2)}`;
  };
  const testPairs = new Map<string, number>();
  for (let i = 0; i < d.test.n; i++) {
    const [a, e1, e2] = row(d.test, i);
    assert.ok(!isOod(a - E, e1) && !isOod(a - E, e2), "ID test: both entities ID");
    testPairs.set(unordered(d.test, i), (testPairs.get(unordered(d.test, i)) ?? 0) + 1);
  }
  assert.equal(d.test.n, 300);
  for (const c of testPairs.values()) assert.equal(c, 2, "each ID test pair appears in both orders");
  const trainSeen = new Set<string>();
  for (let i = E * A; i < d.train.n; i++) {
    const [a, e1, e2] = row(d.train, i);
    assert.ok(!isOod(a - E, e1) && !isOod(a - E, e2), "train: both entities ID");
    assert.ok(!testPairs.has(unordered(d.train, i)), "no training fact uses an ID test pair, in either order");
    assert.ok(!trainSeen.has(rowKey(d.train, i)), "no repeated training fact");
    trainSeen.add(rowKey(d.train, i));
  }
  const ood = d.evalSplits!.ood;
  const oodSeen = new Set<string>();
  for (let i = 0; i < ood.n; i++) {
    const [a, e1, e2] = row(ood, i);
    assert.ok(isOod(a - E, e1) && isOod(a - E, e2), "OOD test: both entities OOD for that attribute");
    oodSeen.add(rowKey(ood, i));
  }
  assert.equal(oodSeen.size, ood.n);
  assert.equal(ood.n, Math.min(300, A * k * (k - 1)));
  assert.equal(d.meta.train_inferred, Math.round(8 * A * m));
  assert.ok(Math.abs((d.meta.phi as number) - 8) <= 0.5 / (A * m));
  assert.deepEqual([d.meta.id_atomic, d.meta.ood_atomic, d.meta.id_inferred, d.meta.ood_inferred], [A * m, A * k, A * m * (m - 1), A * k * (k - 1)]);
});

test("comparison: deterministic for a key; the paper's size builds without listing its 16 M pairs", () => {
  const a = comparisonDataset(CMP, keyFromSeed(13));
  const b = comparisonDataset(CMP, keyFromSeed(13));
  const c = comparisonDataset(CMP, keyFromSeed(14));
  for (const name of ["train", "test", "ood"] as const) assert.deepEqual(splitsOf(a)[name].x, splitsOf(b)[name].x);
  assert.notDeepEqual(a.train.y, c.train.y);
  // Wang et al.: 1,000 entities, 20 attributes, 20 values, 10% OOD entities, φ up to 12.6.
  const p = comparisonDataset({ entities: 1000, attributes: 20, values: 20, phi: 12.6, ood_fraction: 0.1, test_size: 3000 }, keyFromSeed(15));
  assert.deepEqual([p.meta.id_atomic, p.meta.train_inferred, p.test.n, p.evalSplits!.ood.n], [18_000, 226_800, 3000, 3000]);
  const D = COMPARISON_DEFAULTS;
  const dflt = comparisonDataset({}, keyFromSeed(16));
  assert.equal(dflt.meta.train_inferred, Math.round(D.phi * D.attributes * (D.entities - Math.round(D.ood_fraction * D.entities))));
});

test("comparison: bad options are rejected naming the key", () => {
  const k = keyFromSeed(17);
  const cases: [ComparisonOptions, RegExp][] = [
    [{ phi: 0 }, /^task\.phi: must be a number > 0/],
    [{ phi: 1e6 }, /^task\.phi: .*φ ≤ \d+(\.\d+)? here/],
    [{ entities: 2 }, /^task\.entities/],
    [{ attributes: 0 }, /^task\.attributes/],
    [{ values: 1 }, /^task\.values/],
    [{ ood_fraction: 0 }, /^task\.ood_fraction/],
    [{ ood_fraction: 1 }, /^task\.ood_fraction/],
    [{ ood_fraction: 0.02 }, /^task\.ood_fraction: .*need at least 2 of each/],
    [{ ood_fraction: 0.98 }, /^task\.ood_fraction: .*need at least 2 of each/],
    [{ test_size: 1 }, /^task\.test_size/],
    [{ test_size: 999_000 }, /^task\.test_size: must leave training pairs/],
  ];
  for (const [o, re] of cases) throwsMessage(() => comparisonDataset({ ...CMP, ...o }, k), re, JSON.stringify(o));
  assert.ok(ComparisonTaskSchema.safeParse({ name: "comparison", values: 10 }).success);
  const r = ComparisonTaskSchema.safeParse({ name: "comparison", ood_fraction: 0 });
  assert.ok(!r.success && r.error.issues[0].path.join(".") === "ood_fraction");
});

// ---------------------------------------------------------------- sampling helpers

test("unrankPair enumerates the pairs i < j in order; lazyPermutation draws a uniform permutation", () => {
  for (const m of [2, 3, 7, 50]) {
    let t = 0;
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++, t++) assert.deepEqual(unrankPair(t, m), [i, j]);
  }
  // Large m: the float formula with its correction stays exact at the ends of the range.
  const m = 3_000_000, last = (m * (m - 1)) / 2 - 1;
  assert.deepEqual(unrankPair(last, m), [m - 2, m - 1]);
  assert.deepEqual(unrankPair(m - 1, m), [1, 2]);
  const draw = lazyPermutation(keyFromSeed(20), 1000);
  const seen = Array.from({ length: 1000 }, draw).sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: 1000 }, (_, i) => i));
  assert.throws(draw, /already drawn/);
  // First draw of a 5-permutation over 5,000 keys: each value 1,000 ± 5 sd.
  const counts = [0, 0, 0, 0, 0];
  for (let s = 0; s < 5000; s++) counts[lazyPermutation(fold(keyFromSeed(21), s), 5)()]++;
  for (const c of counts) assert.ok(Math.abs(c - 1000) <= 5 * Math.sqrt(5000 * 0.2 * 0.8), String(counts));
});
