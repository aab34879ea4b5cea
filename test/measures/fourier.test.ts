import { test } from "node:test";
import assert from "node:assert/strict";
import { fourierIpr, iprFromPower, meanNeuronIpr, neuronIprs, rfftPower } from "../../src/measures/fourier/fourier.js";
import type { MeasureContext } from "../../src/measures/measure.js";
import { createGromov } from "../../src/models/gromov.js";
import { modularDataset } from "../../src/tasks/modular.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { fold, keyFromSeed, normals, uniform } from "../../src/tensor/rng.js";
import type { Tensor } from "../../src/tensor/tensor.js";

const row = (p: number, f: (n: number) => number) => Float64Array.from({ length: p }, (_, n) => f(n));
const ipr = (x: Float64Array) => iprFromPower(rfftPower(x, x.length));

test("a pure cosine row has IPR 1 at every frequency 0 … ⌊p/2⌋, phase and amplitude", () => {
  for (const p of [97, 24]) {
    for (let s = 0; s <= p >> 1; s++) {
      const phase = s === p / 2 ? 0 : 0.7 * s; // the Nyquist bin of an even p is real: a phase would only scale it
      const v = ipr(row(p, (n) => 3.1 * Math.cos((2 * Math.PI * s * n) / p + phase)));
      assert.ok(Math.abs(v - 1) < 1e-12, `p ${p}, σ ${s}: IPR ${v}`);
    }
  }
});

test("equal power on two frequencies gives 1/2, on three 1/3; unequal amplitudes give (a⁴ + b⁴)/(a² + b²)²", () => {
  const p = 97, w = (s: number, n: number) => (2 * Math.PI * s * n) / p;
  assert.ok(Math.abs(ipr(row(p, (n) => Math.cos(w(5, n)) + Math.sin(w(17, n) + 1))) - 0.5) < 1e-12);
  assert.ok(Math.abs(ipr(row(p, (n) => Math.cos(w(1, n)) + Math.cos(w(2, n)) + Math.cos(w(48, n) - 2))) - 1 / 3) < 1e-12);
  const [a, b] = [2, 0.5];
  const want = (a ** 4 + b ** 4) / (a * a + b * b) ** 2;
  assert.ok(Math.abs(ipr(row(p, (n) => a * Math.cos(w(9, n)) + b * Math.cos(w(30, n)))) - want) < 1e-12);
});

test("the spectrum obeys Parseval (one-sided: DC and Nyquist once, the others twice) and ignores cyclic shifts", () => {
  for (const p of [97, 24]) {
    const x = Float64Array.from(normals(keyFromSeed(p), p));
    const P = rfftPower(x, p);
    let sum = 0;
    P.forEach((v, j) => { sum += j === 0 || 2 * j === p ? v : 2 * v; });
    const energy = x.reduce((s, v) => s + v * v, 0);
    assert.ok(Math.abs(sum - p * energy) < 1e-9 * p * energy, `p ${p}`);
    const shifted = row(p, (n) => x[(n + 13) % p]);
    assert.ok(Math.abs(ipr(shifted) - ipr(x)) < 1e-12, "a cyclic shift only changes phases");
    assert.ok(Math.abs(ipr(x.map((v) => -4 * v)) - ipr(x)) < 1e-12, "scale-free");
  }
});

/** The DFT's definition, one frequency at a time, each sum over n in order (what rfftPower must equal exactly). */
function directPower(x: ArrayLike<number>, p: number, offset: number, stride: number): number[] {
  return Array.from({ length: (p >> 1) + 1 }, (_, j) => {
    let re = 0, im = 0;
    for (let n = 0; n < p; n++) {
      const v = x[offset + n * stride], m = (j * n) % p;
      re += v * Math.cos((2 * Math.PI * m) / p);
      im -= v * Math.sin((2 * Math.PI * m) / p);
    }
    return re * re + im * im;
  });
}

test("rfftPower equals the DFT's definition bit for bit (frequencies taken four at a time, any p, offset and stride)", () => {
  for (const p of [2, 3, 5, 6, 7, 24, 97, 113]) {
    const rows = 3, cols = p + 2;
    const x = Float32Array.from(normals(keyFromSeed(p + 1), rows * cols));
    for (let r = 0; r < rows; r++) assert.deepEqual(Array.from(rfftPower(x, p, r * cols, 1)), directPower(x, p, r * cols, 1), `p ${p}, row ${r}`);
    assert.deepEqual(Array.from(rfftPower(x, p, 1, 3)), directPower(x, p, 1, 3), `p ${p}, stride 3`);
  }
});

/** E[IPR₂] of an i.i.d. Gaussian row: the normalized one-sided power is Dirichlet(½ DC, 1 per complex bin, ½ Nyquist). */
function gaussianIprExpectation(p: number): number {
  const alphas = [0.5];
  for (let j = 1; j <= p >> 1; j++) alphas.push(2 * j === p ? 0.5 : 1);
  const a0 = alphas.reduce((s, a) => s + a, 0);
  return alphas.reduce((s, a) => s + a * (a + 1), 0) / (a0 * (a0 + 1));
}

test("i.i.d. Gaussian rows have the Dirichlet expectation: 0.0403 for p = 97 (R1's 0.04 at init)", () => {
  assert.ok(Math.abs(gaussianIprExpectation(97) - 96.75 / (48.5 * 49.5)) < 1e-15);
  for (const [p, N] of [[97, 500], [24, 2000]]) {
    const U: Tensor = { shape: [N, p], data: normals(fold(keyFromSeed(7), `U/${p}`), N * p, 1 / Math.sqrt(p)) };
    const got = meanNeuronIpr(U), want = gaussianIprExpectation(p);
    // a row's IPR has sd < 0.006 (p = 97) and < 0.03 (p = 24), so the mean over N rows is within ~7 sd of this bound
    const tol = p === 97 ? 0.002 : 0.005;
    assert.ok(Math.abs(got - want) < tol, `p ${p}: mean IPR ${got}, expected ${want}`);
  }
  // the two-sided spectrum would give about half: R1's 0.04 rules it out
  assert.ok(Math.abs(gaussianIprExpectation(97) - 0.04) < 0.001);
});

function gromovContext(seed: number): MeasureContext {
  const data = modularDataset({ op: "add", p: 97, trainFraction: 0.5 }, keyFromSeed(seed));
  const model = createGromov({ width: 500, init_scale: 1 }, data, createJsBackend());
  return { params: model.init(keyFromSeed(seed)), data, model, step: 0 };
}

test("fourier/ipr of the gromov model: ≈ 0.04 at init (R1), exactly 1 for Gromov's analytic Fourier solution", () => {
  const ctx = gromovContext(1);
  const init = fourierIpr()(ctx) as number;
  assert.ok(Math.abs(init - gaussianIprExpectation(97)) < 0.002, `init IPR ${init}`);
  // R2's construction: U[k, n] = A cos(2πσ_k n / p + φ_k) with random σ_k ∈ 1…p−1 and phases
  const { U, V } = ctx.params, [N, p] = U.shape;
  const key = keyFromSeed(3);
  for (let k = 0; k < N; k++) {
    const sigma = 1 + Math.floor(uniform(fold(key, "sigma"), k) * (p - 1));
    const phi1 = 2 * Math.PI * uniform(fold(key, "phi1"), k), phi2 = 2 * Math.PI * uniform(fold(key, "phi2"), k);
    for (let n = 0; n < p; n++) {
      U.data[k * p + n] = Math.cos((2 * Math.PI * sigma * n) / p + phi1);
      V.data[k * p + n] = Math.cos((2 * Math.PI * sigma * n) / p + phi2);
    }
  }
  assert.ok(Math.abs((fourierIpr()(ctx) as number) - 1) < 1e-6);
  // averaging over U and V returns the mean and each tensor's value
  V.data.set(normals(keyFromSeed(4), N * p));
  const both = fourierIpr({ tensors: ["U", "V"] })(ctx) as Record<string, number>;
  assert.deepEqual(Object.keys(both), ["fourier/ipr", "fourier/ipr/U", "fourier/ipr/V"]);
  assert.ok(Math.abs(both["fourier/ipr"] - (both["fourier/ipr/U"] + both["fourier/ipr/V"]) / 2) < 1e-15);
  assert.ok(both["fourier/ipr/U"] > 0.99 && both["fourier/ipr/V"] < 0.05);
});

test("inputAxis 0 reads the columns of an embedding [vocab, d]; rows past p (an '=' token) are ignored", () => {
  const p = 11, d = 3;
  const W_E = new Float32Array((p + 1) * d);
  for (let n = 0; n < p; n++) for (let k = 0; k < d; k++) W_E[n * d + k] = Math.sin((2 * Math.PI * (k + 1) * n) / p + k);
  W_E.fill(5, p * d); // the extra token's row
  const iprs = neuronIprs({ shape: [p + 1, d], data: W_E }, { inputAxis: 0, p });
  assert.equal(iprs.length, d);
  for (const v of iprs) assert.ok(Math.abs(v - 1) < 1e-6, `${v}`);
  assert.throws(() => neuronIprs({ shape: [4, 3], data: new Float32Array(12) }, { p: 5 }), /p = 5 must be an integer in \[2, 3\]/);
});

test("a missing tensor is named with the model and the tensors it has", () => {
  const ctx = gromovContext(2);
  assert.throws(() => fourierIpr({ tensors: ["W_in"] })(ctx), /measure "fourier\/ipr": model "gromov" has no tensor "W_in" \(it has U, V, W\)/);
});
