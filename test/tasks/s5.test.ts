import { test } from "node:test";
import assert from "node:assert/strict";
import { factorial, lexicographicPermutations, permutationRank, symmetricGroup } from "../../src/tasks/permutations.js";
import { S5_OPS, S5_OP_NAMES, s5Dataset, s5Group } from "../../src/tasks/s5.js";
import { fold, keyFromSeed, randint } from "../../src/tensor/rng.js";

const g = s5Group();
const N = g.order;
const perm = (a: number) => Array.from(g.elements.subarray(a * 5, a * 5 + 5));
/** Composition on one-line arrays, written out: (x · y)(i) = x(y(i)). */
const compose = (x: number[], y: number[]) => y.map((yi) => x[yi]);
const invert = (x: number[]) => {
  const out = new Array<number>(x.length);
  x.forEach((xi, i) => (out[xi] = i));
  return out;
};

/** Sorted cycle lengths, e.g. "2,3". */
const cycleType = (x: number[]) => {
  const seen = new Array<boolean>(x.length).fill(false);
  const lengths: number[] = [];
  for (let i = 0; i < x.length; i++) {
    let len = 0;
    for (let j = i; !seen[j]; j = x[j], len++) seen[j] = true;
    if (len > 0) lengths.push(len);
  }
  return lengths.sort().join(",");
};

test("S5 has 120 distinct elements in lexicographic order; rank inverts the enumeration", () => {
  assert.equal(N, 120);
  assert.equal(factorial(5), 120);
  const keys = new Set<string>();
  for (let a = 0; a < N; a++) {
    const p = perm(a);
    assert.deepEqual([...p].sort(), [0, 1, 2, 3, 4], "each element is a permutation");
    keys.add(p.join(","));
    assert.equal(permutationRank(p), a);
    if (a > 0) assert.ok(perm(a - 1).join(",") < p.join(","), "strictly increasing lexicographically");
  }
  assert.equal(keys.size, 120);
  assert.deepEqual(perm(0), [0, 1, 2, 3, 4]);
  assert.deepEqual(perm(119), [4, 3, 2, 1, 0]);
  assert.equal(lexicographicPermutations(3).length, 18);
});

test("group axioms: closure, identity, inverses, associativity (all 120³ triples), non-abelian", () => {
  const e = g.identity;
  for (let a = 0; a < N; a++) {
    assert.equal(g.product[e * N + a], a);
    assert.equal(g.product[a * N + e], a);
    assert.equal(g.product[a * N + g.inverse[a]], e);
    assert.equal(g.product[g.inverse[a] * N + a], e);
    for (let b = 0; b < N; b++) {
      const ab = g.product[a * N + b];
      assert.ok(ab >= 0 && ab < N);
    }
  }
  let associative = true;
  for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) {
    const ab = g.product[a * N + b];
    for (let c = 0; c < N; c++) if (g.product[ab * N + c] !== g.product[a * N + g.product[b * N + c]]) associative = false;
  }
  assert.ok(associative);
  // Each row of a group's table is a permutation of the group (Latin square).
  for (let a = 0; a < N; a++) assert.equal(new Set(g.product.subarray(a * N, (a + 1) * N)).size, N);
  let commuting = 0;
  for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) if (g.product[a * N + b] === g.product[b * N + a]) commuting++;
  // S5's commuting pairs number |G| · (number of conjugacy classes) = 120 · 7.
  assert.equal(commuting, 120 * 7);
});

test("the product follows (x · y)(i) = x(y(i)); an element's order divides 120 and matches its cycle type", () => {
  const k = keyFromSeed(5);
  for (let t = 0; t < 50; t++) {
    const a = randint(fold(k, "a"), t, N);
    const b = randint(fold(k, "b"), t, N);
    assert.deepEqual(perm(g.product[a * N + b]), compose(perm(a), perm(b)));
    assert.deepEqual(perm(g.inverse[a]), invert(perm(a)));
  }
  // A 5-cycle has order 5; a transposition has order 2.
  const cycle = permutationRank([1, 2, 3, 4, 0]);
  let x = cycle;
  for (let i = 1; i < 5; i++) x = g.product[x * N + cycle];
  assert.equal(x, g.identity);
  const swap = permutationRank([1, 0, 2, 3, 4]);
  assert.equal(g.product[swap * N + swap], g.identity);
  assert.equal(symmetricGroup(3).order, 6);
});

test("task labels equal x·y, x·y·x⁻¹ and x·y·x computed on permutation arrays; 14,400 pairs split exactly", () => {
  assert.deepEqual(S5_OP_NAMES, ["mul", "conj", "xyx"]);
  const direct = {
    mul: (x: number[], y: number[]) => compose(x, y),
    conj: (x: number[], y: number[]) => compose(compose(x, y), invert(x)),
    xyx: (x: number[], y: number[]) => compose(compose(x, y), x),
  };
  for (const op of S5_OP_NAMES) {
    const d = s5Dataset({ op, trainFraction: 0.3 }, keyFromSeed(11));
    assert.equal(d.train.n, Math.floor((30 * 14400) / 100));
    assert.equal(d.train.n + d.test.n, 14400);
    assert.deepEqual([d.vocab, d.nClasses, d.seqLen, d.meta.op], [120, 120, 2, op]);
    const seen = new Set<number>();
    for (const s of [d.train, d.test]) {
      for (let i = 0; i < s.n; i++) {
        const [a, b] = [s.x[2 * i], s.x[2 * i + 1]];
        seen.add(a * N + b);
        if (i % 37 === 0) assert.deepEqual(perm(s.y[i]), direct[op](perm(a), perm(b)), `${op}(${a}, ${b})`);
      }
    }
    assert.equal(seen.size, 14400, "union of train and test is every pair, each once");
  }
  // Conjugation preserves cycle type: x·y·x⁻¹ has the cycle lengths of y, for every pair.
  const d = s5Dataset({ op: "conj", trainFraction: 1 }, keyFromSeed(1));
  for (let i = 0; i < d.train.n; i++) assert.equal(cycleType(perm(d.train.y[i])), cycleType(perm(d.train.x[2 * i + 1])));
  assert.equal(S5_OPS.conj.formula, "x · y · x⁻¹");
});

test("S5 split is seeded; symmetric is rejected; bad fraction names the key", () => {
  const a = s5Dataset({ op: "mul", trainFraction: 0.5 }, keyFromSeed(1));
  const b = s5Dataset({ op: "mul", trainFraction: 0.5 }, keyFromSeed(1));
  const c = s5Dataset({ op: "mul", trainFraction: 0.5 }, keyFromSeed(2));
  assert.deepEqual(a.train.x, b.train.x);
  assert.notDeepEqual(a.train.x, c.train.x);
  assert.throws(() => s5Dataset({ op: "mul", trainFraction: 0.5, symmetric: true }, keyFromSeed(1)), /task\.symmetric: .*not commutative/);
  assert.throws(() => s5Dataset({ op: "mul", trainFraction: 0 }, keyFromSeed(1)), /task\.train_fraction/);
  assert.throws(() => s5Dataset({ op: "div" as "mul", trainFraction: 0.5 }, keyFromSeed(1)), /task\.op: unknown S5 operation "div"/);
});
