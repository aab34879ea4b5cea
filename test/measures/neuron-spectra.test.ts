/**
 * Per-unit Fourier views (src/measures/fourier/neuron-spectra.ts) on weights whose answer is known: neurons that are
 * pure waves cos(2πk_n a/p + φ_n) get dominant frequency k_n with share 1 and sort by (k, φ); the same waves as the
 * columns of an embedding W_E [p + 1, d] (the "=" row ignored) give the same; the Fourier basis is orthonormal, and
 * a pure frequency-k embedding in that basis lives on the "cos k" and "sin k" rows only.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fourierBasis, fourierBasisLabels, inFourierBasis, meanPeakShare, unitSpectra } from "../../src/measures/fourier/neuron-spectra.js";

const p = 23;
const FREQS = [5, 2, 11, 2, 7, 5, 1];
const PHASES = [0.3, 2.0, -1.0, -0.5, 1.2, -2.5, 0.0];
const wave = (n: number, a: number) => 0.4 * Math.cos((2 * Math.PI * FREQS[n] * a) / p + PHASES[n]);

test("pure-wave neurons of U [N, p]: dominant frequency, share 1, sorted by frequency then phase", () => {
  const N = FREQS.length, U = new Float64Array(N * p);
  for (let n = 0; n < N; n++) for (let a = 0; a < p; a++) U[n * p + a] = wave(n, a);
  const s = unitSpectra({ shape: [N, p], data: U }, p, 1);
  assert.deepEqual(Array.from(s.peak), FREQS);
  assert.equal(s.J, 11);
  for (let n = 0; n < N; n++) assert.ok(Math.abs(s.share[n * s.J + FREQS[n] - 1] - 1) < 1e-12, `neuron ${n} is one wave`);
  assert.ok(Math.abs(meanPeakShare(s) - 1) < 1e-12);
  // the rfft phase of cos(ωa + φ) is φ: ties on k = 2 and k = 5 are broken by it
  assert.deepEqual(Array.from(s.order), [6, 3, 1, 5, 0, 4, 2]);
});

test("the same waves as the columns of an embedding W_E [p + 1, d] give the same spectra and order", () => {
  const d = FREQS.length, WE = new Float32Array((p + 1) * d);
  for (let a = 0; a < p; a++) for (let u = 0; u < d; u++) WE[a * d + u] = wave(u, a);
  WE.fill(9, p * d); // the "=" token's row is not a residue
  const s = unitSpectra({ shape: [p + 1, d], data: WE }, p, 0);
  assert.deepEqual(Array.from(s.peak), FREQS);
  assert.deepEqual(Array.from(s.order), [6, 3, 1, 5, 0, 4, 2]);
});

test("the Fourier basis is orthonormal, and a frequency-k embedding sits on its cos k / sin k rows", () => {
  for (const q of [7, 8, 23]) {
    const B = fourierBasis(q), labels = fourierBasisLabels(q);
    assert.equal(labels.length, q);
    for (let i = 0; i < q; i++) {
      for (let j = 0; j < q; j++) {
        let dot = 0;
        for (let a = 0; a < q; a++) dot += B[i * q + a] * B[j * q + a];
        assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12, `p = ${q}: ⟨B_${i}, B_${j}⟩ = ${dot}`);
      }
    }
  }
  assert.deepEqual(fourierBasisLabels(8), ["const", "cos 1", "sin 1", "cos 2", "sin 2", "cos 3", "sin 3", "cos 4"]);
  const d = 2, WE = new Float64Array((p + 1) * d);
  for (let a = 0; a < p; a++) {
    WE[a * d] = Math.cos((2 * Math.PI * 4 * a) / p);
    WE[a * d + 1] = Math.sin((2 * Math.PI * 4 * a) / p) + 0.5;
  }
  const fb = inFourierBasis({ shape: [p + 1, d], data: WE }, p, 0);
  const labels = fourierBasisLabels(p);
  const on = labels.map((l, r) => (fb.norms[r] > 1e-9 ? l : null)).filter((l) => l !== null);
  assert.deepEqual(on, ["const", "cos 4", "sin 4"]);
  // ‖cos(4·)‖² = p/2 lands on "cos 4" whole; the constant 0.5 gives 0.25·p on "const"
  assert.ok(Math.abs(fb.norms[labels.indexOf("cos 4")] ** 2 - p / 2) < 1e-9);
  assert.ok(Math.abs(fb.norms[0] ** 2 - 0.25 * p) < 1e-9);
});
