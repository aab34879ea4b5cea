import { test } from "node:test";
import assert from "node:assert/strict";
import { modularDataset } from "../../src/tasks/modular.js";
import { s5Dataset } from "../../src/tasks/s5.js";
import { sparseParityDataset } from "../../src/tasks/sparse-parity.js";
import type { Split } from "../../src/tasks/dataset.js";
import { keyFromSeed } from "../../src/tensor/rng.js";

/** Exactly floor(fraction · n) sorted, distinct rows corrupted; each corrupted label differs; the rest untouched. */
function assertNoise(s: Split, percent: number): void {
  const expected = Math.floor((percent * s.n) / 100);
  assert.ok(s.corrupted && s.yClean);
  assert.equal(s.corrupted.length, expected);
  for (let i = 1; i < s.corrupted.length; i++) assert.ok(s.corrupted[i] > s.corrupted[i - 1], "sorted, distinct");
  const bad = new Set(s.corrupted);
  let differing = 0;
  for (let i = 0; i < s.n; i++) {
    if (bad.has(i)) assert.notEqual(s.y[i], s.yClean[i], `row ${i} corrupted to its own label`);
    else assert.equal(s.y[i], s.yClean[i]);
    if (s.y[i] !== s.yClean[i]) differing++;
  }
  assert.equal(differing, expected);
}

test("modular: exact corrupted count, new labels differ, uniform over the other classes, test labels clean", () => {
  const p = 97;
  const d = modularDataset({ op: "add", p, trainFraction: 0.5, labelNoise: 0.5 }, keyFromSeed(1));
  assertNoise(d.train, 50);
  for (let i = 0; i < d.train.n; i++) assert.equal(d.train.yClean![i], (d.train.x[2 * i] + d.train.x[2 * i + 1]) % p);
  for (let i = 0; i < d.test.n; i++) assert.equal(d.test.y[i], (d.test.x[2 * i] + d.test.x[2 * i + 1]) % p);
  assert.equal(d.test.corrupted, undefined);
  // Offsets (noisy − clean) mod p over 2,352 corrupted rows: expected 24.5 per offset 1..96; allow 5 sd (≈ 24.6).
  const counts = new Array<number>(p).fill(0);
  for (const r of d.train.corrupted!) counts[(d.train.y[r] - d.train.yClean![r] + p) % p]++;
  assert.equal(counts[0], 0);
  const mean = d.train.corrupted!.length / (p - 1);
  for (let o = 1; o < p; o++) assert.ok(Math.abs(counts[o] - mean) <= 5 * Math.sqrt(mean), `offset ${o}: ${counts[o]}`);
  // The split itself does not change with noise on.
  const clean = modularDataset({ op: "add", p, trainFraction: 0.5 }, keyFromSeed(1));
  assert.deepEqual(clean.train.x, d.train.x);
  assert.deepEqual(clean.train.y, d.train.yClean);
  assert.equal(clean.train.corrupted, undefined);
});

test("sparse parity: corrupted labels are flipped; S5: counts exact; seeded", () => {
  const sp = sparseParityDataset({ nTrain: 1000, nTest: 100, labelNoise: 0.1 }, keyFromSeed(2));
  assertNoise(sp.train, 10);
  for (const r of sp.train.corrupted!) assert.equal(sp.train.y[r], 1 - sp.train.yClean![r]);
  const s5 = s5Dataset({ op: "mul", trainFraction: 0.3, labelNoise: 0.07 }, keyFromSeed(3));
  assertNoise(s5.train, 7);
  const again = s5Dataset({ op: "mul", trainFraction: 0.3, labelNoise: 0.07 }, keyFromSeed(3));
  assert.deepEqual(again.train.corrupted, s5.train.corrupted);
  assert.deepEqual(again.train.y, s5.train.y);
  const other = s5Dataset({ op: "mul", trainFraction: 0.3, labelNoise: 0.07 }, keyFromSeed(4));
  assert.notDeepEqual(other.train.corrupted, s5.train.corrupted);
});

test("train fraction 1 with noise: the test split holds the same rows with clean labels", () => {
  const d = modularDataset({ op: "mul", p: 13, trainFraction: 1, labelNoise: 0.2 }, keyFromSeed(5));
  assertNoise(d.train, 20);
  assert.deepEqual(d.test.x, d.train.x);
  assert.deepEqual(d.test.y, d.train.yClean);
});
