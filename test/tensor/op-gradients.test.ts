/**
 * Every kernel's backward, checked against float64 finite differences: the backward of a gather is the scatter-add,
 * the backward of C = op(A) op(B) is the pair of transposed products, and the mul epilogue is a product rule.
 * Each check compares ⟨dL/dX, D⟩ from the backward formula with (L(X + εD) − L(X − εD)) / 2ε for a random
 * direction D and the probe loss L = Σ c ∘ output.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fold, keyFromSeed, normals, permutation } from "../../src/tensor/rng.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";

const be = createFloat64Backend();
const key = keyFromSeed(11);
const f64 = (label: string, n: number) => Float64Array.from(normals(fold(key, label), n)) as unknown as Float32Array;
const zeros = (n: number) => be.alloc(n);
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

function fdCheck(name: string, x: Float32Array, loss: () => number, grad: Float32Array): void {
  const d = f64(`dir/${name}`, x.length), eps = 1e-6;
  const orig = x.slice();
  for (let i = 0; i < x.length; i++) x[i] = orig[i] + eps * d[i];
  const up = loss();
  for (let i = 0; i < x.length; i++) x[i] = orig[i] - eps * d[i];
  const down = loss();
  x.set(orig);
  const fd = (up - down) / (2 * eps), an = dot(grad, d);
  assert.ok(Math.abs(fd - an) <= 1e-7 * Math.max(1, Math.abs(an)), `${name}: backward ${an} vs finite difference ${fd}`);
}

for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
  test(`gemm transA=${transA} transB=${transB}: dA and dB by finite differences`, () => {
    const [m, n, k] = [5, 7, 3];
    const A = f64("A", m * k), B = f64("B", k * n), c = f64("c", m * n), C = zeros(m * n);
    const L = () => (be.gemm(m, n, k, A, B, C, { transA, transB }), dot(c, C));
    // dA = c Bᵀ (stored as A is); dB = Aᵀ c (stored as B is)
    const dA = zeros(m * k), dB = zeros(k * n);
    if (!transA) be.gemm(m, k, n, c, B, dA, { transB: !transB });
    else be.gemm(k, m, n, B, c, dA, { transA: transB, transB: true });
    if (!transB) be.gemm(k, n, m, A, c, dB, { transA: !transA });
    else be.gemm(n, k, m, c, A, dB, { transA: true, transB: transA });
    fdCheck("A", A, L, dA);
    fdCheck("B", B, L, dB);
  });
}

test("gemm mul epilogue C = s·M∘(AB): dA by finite differences", () => {
  const [m, n, k] = [4, 6, 5];
  const A = f64("A", m * k), B = f64("B", k * n), M = f64("M", m * n), c = f64("c", m * n), C = zeros(m * n);
  const L = () => (be.gemm(m, n, k, A, B, C, { mul: M, scale: 2 }), dot(c, C));
  const cm = zeros(m * n);
  for (let i = 0; i < cm.length; i++) cm[i] = 2 * c[i] * M[i];
  const dA = zeros(m * k);
  be.gemm(m, k, n, cm, B, dA, { transB: true });
  fdCheck("A", A, L, dA);
});

test("gatherSumSquare's backward is 2H∘dS scattered by scatterAdd2", () => {
  const [rows, d, n] = [6, 4, 9];
  const TA = f64("TA", rows * d), TB = f64("TB", rows * d), c = f64("c", n * d);
  const ia = Int32Array.from(permutation(fold(key, "ia"), n), (v) => v % rows), ib = Int32Array.from(permutation(fold(key, "ib"), n), (v) => (v * 5) % rows);
  const H = zeros(n * d), S = zeros(n * d);
  const L = () => (be.gatherSumSquare(n, d, TA, ia, TB, ib, H, S), dot(c, S));
  L();
  const dH = zeros(n * d);
  for (let i = 0; i < dH.length; i++) dH[i] = 2 * H[i] * c[i];
  const dTA = zeros(rows * d), dTB = zeros(rows * d);
  be.scatterAdd2(n, d, dH, ia, dTA, ib, dTB);
  fdCheck("TA", TA, L, dTA);
  fdCheck("TB", TB, L, dTB);
});
