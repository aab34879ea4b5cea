/**
 * The wasm pieces batched training stands on: the kernels' exp and log1p are this engine's Math.exp and Math.log1p
 * bit for bit (the batched loss must equal the JavaScript loss of a run alone), and so is their two-class
 * cross-entropy (value, correct count and gradient; a step's gradient takes two rows per SIMD operation); a split's rows are sorted by their
 * lists of ones with the shared prefix lengths the forward reuses; a split with an input that is not 0 or 1 is
 * refused, naming the entry.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createWasmBackend } from "../../src/tensor/wasm/backend-wasm.js";
import { keyFromSeed, uniform } from "../../src/tensor/rng.js";
import { softmaxCrossEntropy } from "../../src/train/losses.js";

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

/**
 * Logit pairs whose difference x = z_other − z_max falls in each of exp's regions and on their edges (2^-28, the k = 0
 * bound ln2/2, the k = −1 bound 1.5 ln2, 707 where the two-row path hands over, fdlibm's 709.78 and 745.13), ties,
 * ±0, huge logits, ∞ and NaN, then random pairs at scales from 1e-9 to 800.
 */
function logitPairs(count: number): number[] {
  const key = keyFromSeed(11);
  const edges = [0, 2 ** -28, Math.LN2 / 2, 1.5 * Math.LN2, 707, 709.78, 745.13];
  const pairs: number[] = [];
  const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
  edges.forEach((e, k) => {
    f32[0] = Math.max(e, 2 ** -60);
    const at = u32[0];
    for (let j = -1000; j < 1000; j++) { // the 2,000 float32 values around the edge as x, with a max of 0 (either class)
      u32[0] = at + j;
      pairs.push(...(j % 2 === 0 ? [0, -f32[0]] : [-f32[0], 0]));
    }
    for (let j = 0; j < 2000; j++) { // around the edge again, as a difference of two float32 logits
      const m = Math.fround((uniform(key, 1e6 * (k + 1) + 2 * j) - 0.5) * 6);
      pairs.push(m, Math.fround(m - e * (1 + (uniform(key, 1e6 * (k + 1) + 2 * j + 1) - 0.5) * 2 ** -8)));
    }
  });
  pairs.push(0, 0, -0, 0, 3, 3, 1e38, -1e38, 3e38, 3e38, Infinity, 1, -Infinity, 1, Infinity, Infinity, NaN, 1, 1, NaN, NaN, NaN);
  for (let i = 0; pairs.length < 2 * count; i++) {
    const u = uniform(key, 3 * i), v = uniform(key, 3 * i + 1), w = uniform(key, 3 * i + 2);
    const scale = 10 ** (-9 + 11.9 * u);
    pairs.push((v - 0.5) * 4, (v - 0.5) * 4 + (w - 0.5) * 2 * scale);
  }
  return pairs;
}

/** Bit for bit, but a NaN's sign and payload, which JavaScript and WebAssembly leave to the engine (training stops there). */
function assertSameBits(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length), w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) assert.fail(`${what}: entry ${i} is ${got[i]}, not ${want[i]}`);
  }
}

test("the kernels' two-class cross-entropy equals the loss's reference bit for bit: value, correct count and gradient", async () => {
  const backend = await createWasmBackend();
  try {
    for (const n of [60_001, 60_000, 1]) {
      const logits = Float32Array.from(logitPairs(n).slice(0, 2 * n));
      const key = keyFromSeed(n);
      const labels = Int32Array.from({ length: n }, (_, i) => (uniform(key, i) < 0.5 ? 0 : 1));
      const finiteRows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => Number.isFinite(logits[2 * i]) && Number.isFinite(logits[2 * i + 1]));
      for (const rows of [Int32Array.from({ length: n }, (_, i) => i), finiteRows]) { // with and without the non-finite rows
        const z = new Float32Array(2 * rows.length), y = new Int32Array(rows.length);
        rows.forEach((r, i) => ((z[2 * i] = logits[2 * r]), (z[2 * i + 1] = logits[2 * r + 1]), (y[i] = labels[r])));
        const dLogits = new Float32Array(z.length);
        const want = softmaxCrossEntropy(z, y, 2, { dLogits });
        const what = `n ${rows.length}`;
        const full = backend.binaryMlp.twoClassLoss(z, y, true, true);
        assert.ok(Object.is(full.loss, want.loss), `${what}: loss ${full.loss} vs ${want.loss}`);
        assert.equal(full.correct, want.correct, `${what}: correct`);
        assertSameBits(full.dZ!, dLogits, `${what}: dZ (with the value)`);
        const step = backend.binaryMlp.twoClassLoss(z, y, true, false); // a training step's call: the two-row path
        assert.ok(Object.is(step.loss, Number.isFinite(want.loss) ? 0 : NaN), `${what}: finiteness ${step.loss} vs ${want.loss}`);
        assert.equal(step.correct, want.correct, `${what}: correct (gradient only)`);
        assertSameBits(step.dZ!, dLogits, `${what}: dZ (gradient only)`);
        const evaluation = backend.binaryMlp.twoClassLoss(z, y, false, true);
        assert.ok(Object.is(evaluation.loss, want.loss) && evaluation.correct === want.correct, `${what}: evaluation`);
      }
      if (n > 1000) assert.ok(finiteRows.length < n && finiteRows.length > n - 20, "the non-finite rows are a few");
    }
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
