import { test } from "node:test";
import assert from "node:assert/strict";
import { sparseParityDataset } from "../../src/tasks/sparse-parity.js";
import { keyFromSeed } from "../../src/tensor/rng.js";

/** |count − n/2| within 4.5 binomial standard deviations (two-sided tail ≈ 7e-6 per check). */
function assertBalanced(count: number, n: number, what: string): void {
  const sd = Math.sqrt(n * 0.25);
  assert.ok(Math.abs(count - n / 2) <= 4.5 * sd, `${what}: ${count} of ${n} (sd ${sd.toFixed(1)})`);
}

test("defaults: 30 bits, parity of the first 3, 1,000 train / 5,000 test, bits in {0, 1}", () => {
  const d = sparseParityDataset({}, keyFromSeed(1));
  assert.deepEqual([d.kind, d.dim, d.nClasses, d.train.n, d.test.n, d.meta.n, d.meta.k], ["dense", 30, 2, 1000, 5000, 30, 3]);
  for (const s of [d.train, d.test]) {
    assert.equal(s.x.length, s.n * 30);
    for (let i = 0; i < s.n; i++) {
      let parity = 0;
      for (let j = 0; j < 30; j++) {
        const v = s.x[i * 30 + j];
        assert.ok(v === 0 || v === 1);
        if (j < 3) parity ^= v;
      }
      assert.equal(s.y[i], parity);
    }
  }
});

test("labels and every bit are balanced within binomial tolerance; labels do not depend on bits ≥ k", () => {
  const d = sparseParityDataset({ nBits: 20, kRelevant: 4, nTrain: 2000, nTest: 8000 }, keyFromSeed(2));
  for (const [name, s] of [["train", d.train], ["test", d.test]] as const) {
    assertBalanced(s.y.reduce((a, b) => a + b, 0), s.n, `${name} label ones`);
    for (let j = 0; j < 20; j++) {
      let ones = 0;
      for (let i = 0; i < s.n; i++) ones += s.x[i * 20 + j];
      assertBalanced(ones, s.n, `${name} bit ${j}`);
    }
  }
  // A distractor bit agrees with the label about half the time; the XOR of the relevant bits always does.
  const s = d.test;
  let agree = 0;
  for (let i = 0; i < s.n; i++) agree += s.x[i * 20 + 4] === s.y[i] ? 1 : 0;
  assertBalanced(agree, s.n, "distractor-label agreement");
});

test("bias input: a constant 1 appended (dim = n + 1), parity unchanged", () => {
  const d = sparseParityDataset({ nBits: 30, kRelevant: 3, bias: true, nTrain: 100, nTest: 100 }, keyFromSeed(3));
  assert.equal(d.dim, 31);
  assert.equal(d.meta.bias, true);
  for (let i = 0; i < d.train.n; i++) {
    assert.equal(d.train.x[i * 31 + 30], 1);
    assert.equal(d.train.y[i], d.train.x[i * 31] ^ d.train.x[i * 31 + 1] ^ d.train.x[i * 31 + 2]);
  }
});

test("seeded: same key → identical data; different keys → different; train and test drawn independently", () => {
  const a = sparseParityDataset({ nTrain: 200, nTest: 200 }, keyFromSeed(4));
  const b = sparseParityDataset({ nTrain: 200, nTest: 200 }, keyFromSeed(4));
  const c = sparseParityDataset({ nTrain: 200, nTest: 200 }, keyFromSeed(5));
  assert.deepEqual(a.train.x, b.train.x);
  assert.deepEqual(a.test.y, b.test.y);
  assert.notDeepEqual(a.train.x, c.train.x);
  assert.notDeepEqual(a.train.x, a.test.x);
  // The test sample does not depend on n_train.
  const d = sparseParityDataset({ nTrain: 50, nTest: 200 }, keyFromSeed(4));
  assert.deepEqual(d.test.x, a.test.x);
  // Rows are distinct draws: among 200 rows of 30 random bits a repeat has probability ≈ 2e-5.
  const rows = new Set<string>();
  for (let i = 0; i < 200; i++) rows.add(a.train.x.subarray(i * 30, (i + 1) * 30).join(""));
  assert.equal(rows.size, 200);
});

test("bad options name the key", () => {
  const k = keyFromSeed(0);
  assert.throws(() => sparseParityDataset({ nBits: 0 }, k), /task\.n_bits/);
  assert.throws(() => sparseParityDataset({ nBits: 10, kRelevant: 11 }, k), /task\.k_relevant: must be in \[1, 10\]/);
  assert.throws(() => sparseParityDataset({ kRelevant: 0 }, k), /task\.k_relevant/);
  assert.throws(() => sparseParityDataset({ nTrain: 1.5 }, k), /task\.n_train: must be an integer/);
  assert.throws(() => sparseParityDataset({ nTest: 0 }, k), /task\.n_test/);
  assert.throws(() => sparseParityDataset({ bias: "yes" as unknown as boolean }, k), /task\.bias/);
  assert.throws(() => sparseParityDataset({ labelNoise: -0.1 }, k), /task\.label_noise/);
});
