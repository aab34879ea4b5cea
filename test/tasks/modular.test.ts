import { test } from "node:test";
import assert from "node:assert/strict";
import { MODULAR_OPS, MODULAR_OP_NAMES, type ModularOpName } from "../../src/tasks/modular-ops.js";
import { modularDataset, modularTable } from "../../src/tasks/modular.js";
import type { TokenSplit } from "../../src/tasks/dataset.js";
import { fractionCount } from "../../src/tasks/validate.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import { modularReference as reference } from "../helpers/modular-reference.js";

const pairCode = (s: TokenSplit, i: number, p: number) => s.x[2 * i] * p + s.x[2 * i + 1];

test("every operation's labels match the paper's formulas on the full table (p = 31) and spot pairs (p = 4093)", () => {
  assert.equal(MODULAR_OP_NAMES.length, 10);
  for (const op of MODULAR_OP_NAMES) {
    const p = 31;
    const t = modularTable(op, p);
    for (let i = 0; i < t.y.length; i++) assert.equal(t.y[i], reference(op, t.x[2 * i], t.x[2 * i + 1], p), `${op}(${t.x[2 * i]}, ${t.x[2 * i + 1]})`);
    // Largest accepted p: intermediates such as x³ + x·y² approach 2^37 and must stay exact.
    const big = 4093;
    for (const [x, y] of [[4092, 4092], [4091, 1], [1234, 4000], [0, 17]]) {
      assert.equal(MODULAR_OPS[op].apply(x, y, big), reference(op, x, y, big), `${op}(${x}, ${y}) mod ${big}`);
    }
  }
});

test("division: y · (x / y) ≡ x, y = 0 is excluded, N = p(p − 1)", () => {
  for (const op of ["div", "div_odd_sub"] as const) {
    const p = 97;
    const t = modularTable(op, p);
    assert.equal(t.y.length, p * (p - 1));
    for (let i = 0; i < t.y.length; i++) {
      const x = t.x[2 * i];
      const y = t.x[2 * i + 1];
      assert.notEqual(y, 0);
      if (op === "div" || y % 2 === 1) assert.equal((y * t.y[i]) % p, x);
      else assert.equal((t.y[i] + y) % p, x);
    }
  }
  // Each row of the x / y table is a bijection: for fixed y ≠ 0, x ↦ x / y hits every residue once.
  const p = 13;
  const t = modularTable("div", p);
  for (let y = 1; y < p; y++) {
    const seen = new Set<number>();
    for (let i = 0; i < t.y.length; i++) if (t.x[2 * i + 1] === y) seen.add(t.y[i]);
    assert.equal(seen.size, p);
  }
});

test("declared commutativity matches the table: commutative ops are symmetric, the others have a counterexample", () => {
  const p = 31;
  for (const op of MODULAR_OP_NAMES) {
    const { yNonzero, commutative } = MODULAR_OPS[op];
    let symmetric = true;
    for (let x = 1; x < p; x++) for (let y = 1; y < p; y++) if (MODULAR_OPS[op].apply(x, y, p) !== MODULAR_OPS[op].apply(y, x, p)) symmetric = false;
    assert.equal(symmetric, commutative, op);
    assert.equal(modularTable(op, p).y.length, yNonzero ? p * (p - 1) : p * p, op);
  }
});

test("split: exact sizes, disjoint, union = all valid pairs, labels kept with their pairs", () => {
  const p = 97;
  // 0.29 · N is a case where floating point lands just below an integer for N = 100 (28.999…); here N = 9,409.
  for (const [op, percent] of [["add", 30], ["div", 50], ["x3_xy", 29]] as const) {
    const d = modularDataset({ op, p, trainFraction: percent / 100 }, keyFromSeed(7));
    const total = op === "div" ? p * (p - 1) : p * p;
    const expectTrain = Math.floor((percent * total) / 100); // floor(fraction · N) in exact integer arithmetic
    assert.equal(d.train.n, expectTrain);
    assert.equal(d.test.n, total - expectTrain);
    assert.equal(d.meta.total, total);
    const train = new Set(Array.from({ length: d.train.n }, (_, i) => pairCode(d.train, i, p)));
    const test = new Set(Array.from({ length: d.test.n }, (_, i) => pairCode(d.test, i, p)));
    assert.equal(train.size, d.train.n, "no duplicate training pair");
    assert.equal(test.size, d.test.n, "no duplicate test pair");
    for (const c of test) assert.ok(!train.has(c), "train and test are disjoint");
    for (let x = 0; x < p; x++) for (let y = op === "div" ? 1 : 0; y < p; y++) assert.ok(train.has(x * p + y) || test.has(x * p + y));
    for (const s of [d.train, d.test]) for (let i = 0; i < s.n; i++) assert.equal(s.y[i], MODULAR_OPS[op].apply(s.x[2 * i], s.x[2 * i + 1], p));
    assert.deepEqual([d.vocab, d.seqLen, d.nClasses, d.meta.p, d.meta.op], [p, 2, p, p, op]);
  }
});

test("split is a function of the seed: same seed → identical, different seed → different", () => {
  const opts = { op: "add", p: 97, trainFraction: 0.4 } as const;
  const a = modularDataset(opts, keyFromSeed(1));
  const b = modularDataset(opts, keyFromSeed(1));
  const c = modularDataset(opts, keyFromSeed(2));
  assert.deepEqual(a.train.x, b.train.x);
  assert.deepEqual(a.test.y, b.test.y);
  assert.notDeepEqual(a.train.x, c.train.x);
  // Two independent 40% samples of 9,409 pairs share about 40% of their pairs, not all of them.
  const setA = new Set(Array.from({ length: a.train.n }, (_, i) => pairCode(a.train, i, 97)));
  let shared = 0;
  for (let i = 0; i < c.train.n; i++) if (setA.has(pairCode(c.train, i, 97))) shared++;
  assert.ok(Math.abs(shared / a.train.n - 0.4) < 0.03, `overlap ${shared / a.train.n}`);
});

test("symmetric pairs: p(p + 1)/2 pairs x ≤ y (2,278 for p = 67, 40% → 911 train as in PAIR)", () => {
  const d = modularDataset({ op: "add", p: 67, trainFraction: 0.4, symmetric: true }, keyFromSeed(3));
  assert.equal(d.train.n + d.test.n, (67 * 68) / 2);
  assert.equal(d.train.n + d.test.n, 2278);
  assert.equal(d.train.n, 911);
  for (const s of [d.train, d.test]) for (let i = 0; i < s.n; i++) assert.ok(s.x[2 * i] <= s.x[2 * i + 1]);
  assert.equal(modularTable("mul", 13, true).y.length, 91);
});

test("separate vocabularies: y's token is p + y (vocab 2p); pairs, split and labels are those of the shared vocabulary", () => {
  const p = 13, k = keyFromSeed(4);
  const shared = modularDataset({ op: "sub", p, trainFraction: 0.4 }, k);
  const sep = modularDataset({ op: "sub", p, trainFraction: 0.4, separateVocab: true }, k);
  assert.equal(shared.vocab, p);
  assert.equal(sep.vocab, 2 * p);
  assert.equal(sep.nClasses, p);
  assert.equal(sep.meta.separate_vocab, true);
  assert.equal(shared.meta.separate_vocab, false);
  for (const split of ["train", "test"] as const) {
    const a = shared[split], b = sep[split];
    assert.equal(b.n, a.n);
    assert.deepEqual(b.y, a.y);
    for (let i = 0; i < a.n; i++) {
      assert.equal(b.x[2 * i], a.x[2 * i]);
      assert.equal(b.x[2 * i + 1], a.x[2 * i + 1] + p);
      assert.ok(b.x[2 * i] < p && b.x[2 * i + 1] >= p && b.x[2 * i + 1] < 2 * p);
      assert.equal(b.y[i], (a.x[2 * i] - a.x[2 * i + 1] + p) % p);
    }
  }
  // every pair once: the full table, with y's tokens shifted
  assert.equal(sep.train.n + sep.test.n, p * p);
});

test("floor(fraction · N) is not thrown off by binary rounding (0.29 · 100 = 28.999… in floating point)", () => {
  // Every whole percentage of every table size up to 400 gives the exact integer floor(percent · n / 100).
  for (let n = 1; n <= 400; n++) for (let percent = 1; percent <= 100; percent++) {
    assert.equal(fractionCount(percent / 100, n), Math.floor((percent * n) / 100), `${percent}% of ${n}`);
  }
});

test("train fraction 1: the test split is the training split", () => {
  const d = modularDataset({ op: "sub", p: 11, trainFraction: 1 }, keyFromSeed(1));
  assert.equal(d.train.n, 121);
  assert.deepEqual(d.test.x, d.train.x);
  assert.deepEqual(d.test.y, d.train.y);
});

test("bad options are rejected with the offending key named", () => {
  const k = keyFromSeed(0);
  const base = { op: "add", p: 97, trainFraction: 0.5 } as const;
  assert.throws(() => modularDataset({ ...base, p: 96 }, k), /^Error: task\.p: must be a prime/);
  assert.throws(() => modularDataset({ ...base, p: 1 }, k), /task\.p/);
  assert.throws(() => modularDataset({ ...base, p: 97.5 }, k), /task\.p: must be an integer/);
  assert.throws(() => modularDataset({ ...base, p: 4099 }, k), /task\.p/);
  for (const f of [0, -0.1, 1.5, NaN]) assert.throws(() => modularDataset({ ...base, trainFraction: f }, k), /task\.train_fraction/);
  assert.throws(() => modularDataset({ ...base, p: 2, trainFraction: 0.1 }, k), /task\.train_fraction: .*no training example/);
  for (const op of ["sub", "div", "div_odd_sub", "x2_xy_y2_x", "x3_xy", "x3_xy2_y"] as const) {
    assert.throws(() => modularDataset({ ...base, op, symmetric: true }, k), /task\.symmetric: .*not commutative/);
  }
  assert.throws(() => modularDataset({ ...base, op: "pow" as ModularOpName }, k), /task\.op: unknown .*"pow"/);
  assert.throws(() => modularDataset({ ...base, labelNoise: 1 }, k), /task\.label_noise/);
  assert.throws(() => modularDataset({ ...base, separateVocab: "yes" as never }, k), /task\.separate_vocab: must be true or false/);
  assert.throws(() => modularDataset({ ...base, symmetric: true, separateVocab: true }, k), /^Error: task\.symmetric: .*separate_vocab/);
});
