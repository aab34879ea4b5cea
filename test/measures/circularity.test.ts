/** fourier/circularity and fourier/circularity_pca against analytic cases (src/measures/fourier/circularity.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CIRCULARITY_MEASURES, embeddingCircularity, frequencyCircle, pcaCircularity, residueEmbeddings,
} from "../../src/measures/fourier/circularity.js";
import { MEASURES } from "../../src/measures/registry.js";
import type { MeasureContext } from "../../src/measures/measure.js";
import type { Model } from "../../src/models/model.js";
import { modularDataset } from "../../src/tasks/modular.js";
import { keyFromSeed, normals } from "../../src/tensor/rng.js";
import type { Tensor } from "../../src/tensor/tensor.js";

/** Embeddings [p, d] (rows = residues) that put residue a at Σ_i r_i (cos(ω_{k_i} a + φ_i) u_i + ratio_i sin(…) v_i), u_i, v_i the unit axes 2i, 2i + 1. */
function ellipses(p: number, d: number, parts: ReadonlyArray<{ k: number; r: number; ratio?: number; phase?: number }>, offset = 0): Tensor {
  const data = new Float32Array(p * d).fill(offset);
  parts.forEach(({ k, r, ratio = 1, phase = 0 }, i) => {
    for (let a = 0; a < p; a++) {
      const w = (2 * Math.PI * k * a) / p + phase;
      data[a * d + 2 * i] += r * Math.cos(w);
      data[a * d + 2 * i + 1] += r * ratio * Math.sin(w);
    }
  });
  return { shape: [p, d], data };
}

function gaussian(p: number, d: number, seed: number): Tensor {
  return { shape: [p, d], data: normals(keyFromSeed(seed), p * d) };
}

const scoreOf = (t: Tensor, p: number, opts = {}) => {
  const { x, d } = residueEmbeddings(t, p, 0);
  return embeddingCircularity(x, p, d, opts);
};

test("a perfect circle scores 1 (any radius, phase, offset), at its own frequency", () => {
  for (const [p, k] of [[67, 1], [67, 12], [97, 48], [113, 7]] as const) {
    const r = scoreOf(ellipses(p, 8, [{ k, r: 2.5, phase: 0.7 }], 3), p);
    assert.deepEqual(r.circles.map((c) => c.k), [k]);
    assert.ok(Math.abs(r.circularity - 1) < 1e-6 && Math.abs(r.roundness - 1) < 1e-6 && Math.abs(r.share - 1) < 1e-6, `p ${p} k ${k}: ${JSON.stringify(r)}`);
  }
});

test("three circles of different radii in orthogonal planes score 1; each frequency's share is its r² / Σ r²", () => {
  const parts = [{ k: 4, r: 3 }, { k: 5, r: 2 }, { k: 26, r: 1.5 }];
  const r = scoreOf(ellipses(67, 10, parts), 67);
  assert.ok(Math.abs(r.circularity - 1) < 1e-6, String(r.circularity));
  const total = parts.reduce((s, q) => s + q.r * q.r, 0);
  assert.deepEqual(r.circles.map((c) => c.k), [4, 5, 26]);
  for (const [i, c] of r.circles.entries()) assert.ok(Math.abs(c.share - parts[i].r ** 2 / total) < 1e-6);
});

test("an ellipse with axis ratio q has roundness 2q / (1 + q²); a segment (q = 0) scores 0", () => {
  for (const q of [0, 0.25, 0.5, 0.9]) {
    const r = scoreOf(ellipses(67, 4, [{ k: 9, r: 1, ratio: q }]), 67, { frequencies: [9] });
    assert.ok(Math.abs(r.circularity - (2 * q) / (1 + q * q)) < 1e-6, `q ${q}: ${r.circularity}`);
  }
});

test("a circle in a sheared plane (c_k not ⊥ s_k) is an ellipse: roundness = 2√det G / tr G", () => {
  const p = 67, d = 3, k = 3, data = new Float32Array(p * d);
  for (let a = 0; a < p; a++) {
    const w = (2 * Math.PI * k * a) / p;
    data[a * d] = Math.cos(w) + 0.6 * Math.sin(w); // u = e0, v = 0.6 e0 + 0.8 e1: |u| = |v| = 1, u·v = 0.6
    data[a * d + 1] = 0.8 * Math.sin(w);
  }
  const { x } = residueEmbeddings({ shape: [p, d], data }, p, 0);
  const c = frequencyCircle(x, p, d, k, x.reduce((s, v) => s + v * v, 0));
  assert.ok(Math.abs(c.roundness - 0.8) < 1e-6, String(c.roundness)); // det G / (tr/2)² = 1 − 0.6²
  assert.ok(Math.abs(c.share - 1) < 1e-6);
});

test("i.i.d. Gaussian embeddings: E[roundness] = (d − 1)/d, E[share of one frequency] = 2/(p − 1), so E[C over n fixed frequencies] = n (d − 1)/(d (p − 1)/2)", () => {
  const p = 67, m = (p - 1) / 2, seeds = 40;
  for (const d of [3, 24]) {
    let roundness = 0, share = 0, cFixed = 0, count = 0;
    for (let s = 0; s < seeds; s++) {
      const { x } = residueEmbeddings(gaussian(p, d, 1000 * d + s), p, 0);
      const all = embeddingCircularity(x, p, d, { frequencies: Array.from({ length: m }, (_, i) => i + 1) });
      for (const c of all.circles) {
        roundness += c.roundness;
        share += c.share;
        count++;
      }
      cFixed += embeddingCircularity(x, p, d, { frequencies: [1, 2, 3] }).circularity;
    }
    const expRound = (d - 1) / d;
    // standard errors over 40·33 frequencies: roundness ≤ 0.01 (d = 3), share sums to 1 per seed exactly
    assert.ok(Math.abs(roundness / count - expRound) < 0.03, `d ${d}: mean roundness ${roundness / count} vs ${expRound}`);
    assert.ok(Math.abs(share / count - 1 / m) < 1e-9, `d ${d}: mean share ${share / count}`);
    const expC = (3 * expRound) / m;
    assert.ok(Math.abs(cFixed / seeds - expC) < 0.25 * expC, `d ${d}: mean C over k = 1, 2, 3: ${cFixed / seeds} vs ${expC}`);
  }
});

test("Gaussian embeddings score low at their own (top-5) key frequencies; a circle plus 10% noise stays near 1", () => {
  const p = 67, d = 500;
  const noise = scoreOf(gaussian(p, d, 7), p);
  assert.equal(noise.circles.length, 5); // the spectrum is flat: every frequency is key, the cap keeps 5
  assert.ok(noise.circularity < 0.3, String(noise.circularity)); // ≈ 5/33 = 0.15 times the top-5 inflation
  const circle = ellipses(p, d, [{ k: 5, r: 1 }]);
  const g = gaussian(p, d, 8);
  const noisy: Tensor = { shape: [p, d], data: circle.data.map((v, i) => v + 0.1 * Math.sqrt(0.5 / d) * g.data[i]) }; // noise variance 1% of the circle's
  const r = scoreOf(noisy, p);
  assert.equal(r.circles[0].k, 5);
  assert.ok(r.circularity > 0.97, String(r.circularity));
});

test("Zhong et al.'s PCA circularity: 1 for circles, H_m / m for Gaussian embeddings (m = (p − 1)/2)", () => {
  const p = 67, m = (p - 1) / 2;
  const circ = residueEmbeddings(ellipses(p, 12, [{ k: 4, r: 3 }, { k: 7, r: 2 }]), p, 0);
  assert.ok(Math.abs(pcaCircularity(circ.x, p, circ.d) - 1) < 1e-6);
  // the same circles in 100 dimensions: the residue-side Gram [p, p] has rank 4 (63 zero eigenvalues)
  const wide = residueEmbeddings(ellipses(p, 100, [{ k: 4, r: 3 }, { k: 7, r: 2 }]), p, 0);
  assert.ok(Math.abs(pcaCircularity(wide.x, p, wide.d) - 1) < 1e-6);
  let harmonic = 0;
  for (let i = 1; i <= m; i++) harmonic += 1 / i;
  let mean = 0;
  const seeds = 30;
  for (let s = 0; s < seeds; s++) {
    const { x, d } = residueEmbeddings(gaussian(p, 200, 50 + s), p, 0);
    mean += pcaCircularity(x, p, d) / seeds;
  }
  assert.ok(Math.abs(mean - harmonic / m) < 0.02, `${mean} vs ${harmonic / m}`); // sd of one max ≈ 0.04, of the mean of 120 ≈ 0.004
});

test("the registered measures read W_E of an embed_mlp and U [N, p] of gromov (columns are the residues)", () => {
  const p = 31, data = modularDataset({ op: "add", p, trainFraction: 0.5 }, keyFromSeed(1));
  const WE = ellipses(p, 6, [{ k: 3, r: 1 }]);
  const model = { name: "embed_mlp", nOut: p } as unknown as Model;
  const ctx = (params: Record<string, Tensor>, m = model): MeasureContext => ({ params, data, model: m, step: 0 });
  const rec = MEASURES["fourier/circularity"].compute(ctx({ W_E: WE })) as Record<string, number>;
  assert.deepEqual(Object.keys(rec).sort(), ["fourier/circularity", "fourier/circularity/roundness", "fourier/circularity/share"]);
  assert.ok(Math.abs(rec["fourier/circularity"] - 1) < 1e-6);
  assert.ok(Math.abs((CIRCULARITY_MEASURES["fourier/circularity_pca"].compute(ctx({ W_E: WE })) as number) - 1) < 1e-6);
  // gromov: U [N, p] holds residue a in column a; transpose WE into it, with extra columns past p ignored
  const N = 6, cols = p + 2, U = new Float32Array(N * cols);
  for (let a = 0; a < p; a++) for (let j = 0; j < N; j++) U[j * cols + a] = WE.data[a * N + j];
  for (let j = 0; j < N; j++) U[j * cols + p] = U[j * cols + p + 1] = 9;
  const gromov = { name: "gromov", nOut: p } as unknown as Model;
  const g = MEASURES["fourier/circularity"].compute(ctx({ U: { shape: [N, cols], data: U }, V: { shape: [N, cols], data: U }, W: { shape: [p, N], data: new Float32Array(p * N) } }, gromov)) as Record<string, number>;
  assert.ok(Math.abs(g["fourier/circularity"] - 1) < 1e-6);
  assert.equal(MEASURES["fourier/circularity"].appliesTo!(model, { ...data, meta: {} } as never, { W_E: WE })?.includes("modulus"), true);
  // the PCA's Jacobi eigen-decomposition is refused past min(p, d) = 512 (shapes only are read)
  const big = { ...data, meta: { ...data.meta, p: 521 } } as never, wide = { shape: [600, 600], data: new Float32Array(0) };
  assert.match(MEASURES["fourier/circularity_pca"].appliesTo!(model, big, { W_E: wide }) ?? "", /≤ 512/);
  assert.equal(MEASURES["fourier/circularity_pca"].appliesTo!(model, big, { W_E: { shape: [600, 64], data: new Float32Array(0) } }), null);
});

test("separate vocabularies: a's rows 0 … p − 1 under the usual keys, b's rows p … 2p − 1 under /b, Zhong et al.'s joint score about 1/2", () => {
  const p = 31, data = modularDataset({ op: "add", p, trainFraction: 0.5, separateVocab: true }, keyFromSeed(1));
  const d = 6, a = ellipses(p, d, [{ k: 3, r: 1 }]), flat = ellipses(p, d, [{ k: 5, r: 1, ratio: 0 }]);
  const stack = (top: Tensor, bottom: Tensor): Tensor => ({ shape: [2 * p, d], data: Float32Array.from([...top.data, ...bottom.data]) });
  const model = { name: "embed_mlp", nOut: p } as unknown as Model;
  const ctx = (W_E: Tensor): MeasureContext => ({ params: { W_E }, data, model, step: 0 });
  const rec = MEASURES["fourier/circularity"].compute(ctx(stack(a, flat))) as Record<string, number>;
  assert.ok(Math.abs(rec["fourier/circularity"] - 1) < 1e-6, JSON.stringify(rec));
  assert.ok(Math.abs(rec["fourier/circularity/b"]) < 1e-6, JSON.stringify(rec)); // a segment: roundness 0
  // b a circle at another frequency in the same plane: PCA of all 2p rows splits each component's energy between a and b
  const pca = MEASURES["fourier/circularity_pca"].compute(ctx(stack(a, ellipses(p, d, [{ k: 7, r: 1 }])))) as Record<string, number>;
  assert.ok(Math.abs(pca["fourier/circularity_pca"] - 1) < 1e-6 && Math.abs(pca["fourier/circularity_pca/b"] - 1) < 1e-6, JSON.stringify(pca));
  assert.ok(Math.abs(pca["fourier/circularity_pca/joint"] - 0.5) < 1e-6, JSON.stringify(pca));
  // a shared vocabulary reports no /b keys
  const shared = modularDataset({ op: "add", p, trainFraction: 0.5 }, keyFromSeed(1));
  const one = MEASURES["fourier/circularity"].compute({ params: { W_E: a }, data: shared, model, step: 0 }) as Record<string, number>;
  assert.equal("fourier/circularity/b" in one, false);
});
