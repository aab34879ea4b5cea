/**
 * The wasm pieces batched training stands on: the kernels' exp and log1p are this engine's Math.exp and Math.log1p
 * bit for bit (the batched loss must equal the JavaScript loss of a run alone); a split's rows are sorted by their
 * lists of ones with the shared prefix lengths the forward reuses; a split with an input that is not 0 or 1 is
 * refused, naming the entry.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createWasmBackend } from "../../src/tensor/wasm/backend-wasm.js";
import { keyFromSeed, uniform } from "../../src/tensor/rng.js";

test("the kernels' exp and log1p equal Math.exp and Math.log1p bit for bit", async () => {
  const backend = await createWasmBackend();
  const k = backend.binaryMlp;
  try {
    const key = keyFromSeed(7);
    const special = [0, -0, 1, -1, 1e-300, -1e-300, 2 ** -30, -(2 ** -30), 2 ** -60, 709.78, 709.79, -745.1, -745.2, 1e308, -1e308, Infinity, -Infinity, NaN, Math.LN2 / 2, 1.5 * Math.LN2, -Math.LN2];
    const xs = [...special];
    for (let i = 0; i < 200_000; i++) {
      const u = uniform(key, 2 * i), v = uniform(key, 2 * i + 1);
      xs.push(-60 * u, -(u ** 8) * 30, (u - 0.5) * 1500, Math.fround(-3 * v), (v - 0.5) * 2 ** (60 * u - 30));
    }
    let checked = 0;
    for (const x of xs) {
      if (!Object.is(k.exp(x), Math.exp(x))) assert.fail(`exp(${x}): ${k.exp(x)} vs Math.exp ${Math.exp(x)}`);
      const y = x < -1 ? -x : x; // log1p's domain (its argument in the loss is a sum of exponentials in [0, C − 1])
      if (!Object.is(k.log1p(y), Math.log1p(y))) assert.fail(`log1p(${y}): ${k.log1p(y)} vs Math.log1p ${Math.log1p(y)}`);
      checked++;
    }
    for (const y of [-1, -0.5, -0.99999, -1.5, 0.41421356, -0.29289321]) assert.ok(Object.is(k.log1p(y), Math.log1p(y)), `log1p(${y})`);
    assert.equal(checked, xs.length);
  } finally {
    backend.dispose();
  }
});

test("a split sorts its rows by their lists of ones, with shared prefix lengths; an input not 0 or 1 is refused", async () => {
  const backend = await createWasmBackend();
  try {
    const x = Float32Array.from([1, 0, 1, 0, 0.5, 1]);
    assert.throws(() => backend.binaryMlp.binarySplit(x, Int32Array.from([0, 1]), 2, 3), /x\[1, 1\] = 0\.5 is not 0 or 1/);
    // rows [1, 2], [0, 1, 2], [0, 2], [0, 1, 2] as lists of ones: sorted [0, 1, 2], [0, 1, 2], [0, 2], [1, 2]
    const s = backend.binaryMlp.binarySplit(Float32Array.from([0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1]), Int32Array.from([0, 1, 0, 1]), 4, 3);
    assert.deepEqual([...s.order], [1, 3, 2, 0]);
    assert.deepEqual([...s.rowStart], [0, 3, 6, 8, 10]);
    assert.deepEqual([...s.cols], [0, 1, 2, 0, 1, 2, 0, 2, 1, 2]);
    assert.deepEqual([...s.lcp], [0, 3, 1, 0, 0]);
  } finally {
    backend.dispose();
  }
});
