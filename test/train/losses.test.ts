import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { getLoss, LOSSES, LOSS_NAMES, perExampleLoss, softmaxCrossEntropy, softmaxCrossEntropyFloat32, softmaxCrossEntropyPerEntry, mse, mseCentred, stableMaxCrossEntropy, stableS, type Loss } from "../../src/train/losses.js";
import { fold, keyFromSeed, normals, randint } from "../../src/tensor/rng.js";
import { PYTHON, torchOrSkip } from "../helpers/torch.js";

const f64 = (x: Float64Array) => x as unknown as Float32Array; // the losses only index, so float64 buffers compute in float64

function randomProblem(seed: number, n: number, C: number, scale: number): { z: Float64Array; y: Int32Array } {
  const key = keyFromSeed(seed);
  const z = Float64Array.from(normals(fold(key, "z"), n * C, scale));
  const y = Int32Array.from({ length: n }, (_, i) => randint(fold(key, "y"), i, C));
  return { z, y };
}

const float64Losses: [string, Loss][] = [
  ["cross_entropy", softmaxCrossEntropy], ["cross_entropy_per_entry", softmaxCrossEntropyPerEntry], ["mse", mse], ["mse_centred", mseCentred], ["stablemax_cross_entropy", stableMaxCrossEntropy],
];

for (const [name, loss] of float64Losses) {
  test(`${name}: dLogits match central finite differences of the float64 loss`, () => {
    const n = 6, C = 5, eps = 1e-6;
    const { z, y } = randomProblem(11, n, C, 2);
    const d = new Float64Array(n * C);
    loss(f64(z), y, C, { dLogits: f64(d) });
    let worst = 0;
    for (let k = 0; k < n * C; k++) {
      const orig = z[k];
      z[k] = orig + eps;
      const up = loss(f64(z), y, C).loss;
      z[k] = orig - eps;
      const down = loss(f64(z), y, C).loss;
      z[k] = orig;
      const fd = (up - down) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - d[k]));
    }
    // central differences have error O(eps² · L''') ≈ 1e-12 plus roundoff ≈ 1e-16 / eps = 1e-10
    assert.ok(worst < 1e-8, `${name}: worst |analytic − finite difference| = ${worst}`);
  });

  test(`${name}: the mean of the per-example losses is the loss`, () => {
    const n = 9, C = 4;
    const { z, y } = randomProblem(5, n, C, 3);
    const per = new Float64Array(n);
    const { loss: mean } = loss(f64(z), y, C, { perExample: per });
    assert.ok(Math.abs(per.reduce((a, b) => a + b, 0) / n - mean) < 1e-12);
    assert.deepEqual([...perExampleLoss(name, f64(z), y, C)], [...per]);
  });
}

test("cross_entropy: equal logits give ln C for every label; so does StableMax", () => {
  for (const C of [2, 7, 97]) {
    const z = new Float32Array(3 * C).fill(0.37);
    const y = Int32Array.of(0, C - 1, C >> 1);
    assert.ok(Math.abs(softmaxCrossEntropy(z, y, C).loss - Math.log(C)) < 1e-12, `C = ${C}`);
    assert.ok(Math.abs(stableMaxCrossEntropy(z, y, C).loss - Math.log(C)) < 1e-12, `C = ${C}`);
  }
});

test("cross_entropy: a two-class row is softplus of the margin", () => {
  const z = Float32Array.of(1.5, -0.5); // margin 2 for label 0, −2 for label 1
  assert.ok(Math.abs(softmaxCrossEntropy(z, Int32Array.of(0), 2).loss - Math.log1p(Math.exp(-2))) < 1e-12);
  assert.ok(Math.abs(softmaxCrossEntropy(z, Int32Array.of(1), 2).loss - Math.log1p(Math.exp(2))) < 1e-12);
});

test("mse: equals mean over n·C of (z − onehot)² (PyTorch's ((z − Y)**2).mean())", () => {
  const C = 5, n = 2;
  // zero logits: each row misses its one-hot by exactly one unit in one entry → Σ = n, mean = 1/C
  assert.ok(Math.abs(mse(new Float32Array(n * C), Int32Array.of(1, 3), C).loss - 1 / C) < 1e-15);
  // constant logits c: per row (c − 1)² + (C − 1)c², over C
  const c = 0.25;
  const want = ((c - 1) ** 2 + (C - 1) * c * c) / C;
  assert.ok(Math.abs(mse(new Float32Array(n * C).fill(c), Int32Array.of(0, 4), C).loss - want) < 1e-12);
  const d = new Float32Array(n * C);
  mse(new Float32Array(n * C).fill(c), Int32Array.of(0, 4), C, { dLogits: d });
  assert.ok(Math.abs(d[0] - (2 * (c - 1)) / (n * C)) < 1e-8 && Math.abs(d[1] - (2 * c) / (n * C)) < 1e-8);
});

test("mse_centred: ½‖P⊥(Y − z)‖²/n; a constant added to a class's logits in every row changes nothing", () => {
  const n = 5, C = 4;
  const { z, y } = randomProblem(21, n, C, 1.5);
  const base = mseCentred(f64(z), y, C).loss;
  const shifted = z.map((v, k) => v + [0.3, -2, 7, 0.01][k % C]);
  assert.ok(Math.abs(mseCentred(f64(shifted), y, C).loss - base) < 1e-12);
  // direct: centred residuals, half the squared norm over n
  let want = 0;
  for (let j = 0; j < C; j++) {
    const r = Array.from({ length: n }, (_, i) => (y[i] === j ? 1 : 0) - z[i * C + j]), m = r.reduce((a, b) => a + b, 0) / n;
    want += r.reduce((a, v) => a + 0.5 * (v - m) ** 2, 0) / n;
  }
  assert.ok(Math.abs(base - want) < 1e-14, `${base} vs ${want}`);
  // one example has no spread to fit: the loss is 0 whatever its logits
  assert.equal(mseCentred(f64(z.slice(0, C)), y.slice(0, 1), C).loss, 0);
});

test("stablemax: s is x + 1 above zero and 1/(1 − x) below; probabilities sum to 1", () => {
  assert.equal(stableS(0), 1);
  assert.equal(stableS(3), 4);
  assert.equal(stableS(-3), 0.25);
  const z = Float32Array.of(2, -1, 0.5);
  const S = stableS(2) + stableS(-1) + stableS(0.5);
  for (let y = 0; y < 3; y++) {
    const l = stableMaxCrossEntropy(z, Int32Array.of(y), 3).loss;
    assert.ok(Math.abs(Math.exp(-l) - stableS(z[y]) / S) < 1e-7);
  }
});

test("huge logits (1e4) give finite losses and gradients", () => {
  const C = 3;
  const z = Float32Array.of(1e4, 0, -1e4, -1e4, 1e4, 1e4);
  const y = Int32Array.of(1, 0);
  for (const [name, loss] of Object.entries(LOSSES)) {
    const d = new Float32Array(6);
    const r = loss(z, y, C, { dLogits: d });
    assert.ok(Number.isFinite(r.loss), `${name}: loss ${r.loss}`);
    assert.ok(d.every(Number.isFinite), `${name}: gradient ${[...d]}`);
  }
  // row 0 misses by 1e4; row 1 misses by 2e4 with two tied maxima: CE = (1e4 + (2e4 + ln 2)) / 2
  assert.ok(Math.abs(softmaxCrossEntropy(z, y, C).loss - (1e4 + 2e4 + Math.log(2)) / 2) < 1e-9);
});

test("cross_entropy keeps a confidently correct row's loss and gradient non-zero; float32 collapses it", () => {
  const z = Float32Array.of(40, 0); // p(wrong) = e^-40 / (1 + e^-40)
  const y = Int32Array.of(0);
  const want = Math.log1p(Math.exp(-40)); // 4.25e-18
  const d = new Float32Array(2);
  const r = softmaxCrossEntropy(z, y, 2, { dLogits: d });
  assert.ok(Math.abs(r.loss / want - 1) < 1e-12, `loss ${r.loss} vs ${want}`);
  assert.ok(Math.abs(d[0] / -Math.exp(-40) - 1) < 1e-6, `label gradient ${d[0]}`);
  // Prieto et al.'s Softmax Collapse: in float32 the loss and the label's gradient round to exactly 0
  const d32 = new Float32Array(2);
  assert.equal(softmaxCrossEntropyFloat32(z, y, 2, { dLogits: d32 }).loss, 0);
  assert.equal(d32[0], 0);
  // away from collapse the float32 loss agrees with the float64 one to float32 precision
  const { z: zr, y: yr } = randomProblem(3, 8, 6, 2);
  const z32 = Float32Array.from(zr);
  const a = softmaxCrossEntropy(z32, yr, 6).loss, b = softmaxCrossEntropyFloat32(z32, yr, 6).loss;
  assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, a), `${a} vs ${b}`);
});

test("cross_entropy stores a float32 gradient entry below 2^-100 as +0 (float64 buffers keep it)", () => {
  // the second class trails by 95 (e^-95 ≈ 5.5e-42: subnormal in float32), by 75 (e^-75 / 2 ≈ 1.9e-33: normal, below
  // 2^-100 ≈ 7.9e-31) and by 60 (e^-60 / 2 ≈ 4.4e-27: kept)
  const z = Float32Array.of(95, 0, 75, 0, 60, 0), y = Int32Array.of(0, 0, 0);
  const d = new Float32Array(6);
  softmaxCrossEntropy(z, y, 2, { dLogits: d });
  for (const i of [0, 1, 2, 3]) assert.ok(Object.is(d[i], 0), `entry ${i}: ${d[i]}`);
  assert.ok(Math.abs(d[5] / (Math.exp(-60) / 3) - 1) < 1e-6 && Math.abs(d[4] / (-Math.exp(-60) / 3) - 1) < 1e-6, `row 2: ${d[4]}, ${d[5]}`);
  const d64 = new Float64Array(6);
  softmaxCrossEntropy(z, y, 2, { dLogits: d64 as unknown as Float32Array });
  assert.ok(Math.abs(d64[1] / (Math.exp(-95) / 3) - 1) < 1e-12, `float64 buffer: ${d64[1]}`);
  // random rows with margins up to ~200: nothing below 2^-100 survives, and every other entry is the unflushed value
  const { z: zr, y: yr } = randomProblem(11, 400, 7, 60);
  const big = Float32Array.from(zr);
  const g = new Float32Array(big.length), g64 = new Float64Array(big.length);
  softmaxCrossEntropy(big, yr, 7, { dLogits: g });
  softmaxCrossEntropy(big, yr, 7, { dLogits: g64 as unknown as Float32Array });
  let flushed = 0, kept = 0;
  for (let i = 0; i < g.length; i++) {
    const a = Math.abs(g[i]);
    assert.ok(a === 0 || a >= 2 ** -100, `entry ${i} is below 2^-100: ${g[i]}`);
    if (a === 0 && g64[i] !== 0) flushed++;
    else if (Math.abs(g64[i]) >= 2 ** -99) {
      kept++;
      assert.ok(Math.abs(g[i] / g64[i] - 1) < 1e-6, `entry ${i}: ${g[i]} vs ${g64[i]}`);
    }
  }
  assert.ok(flushed > 0 && kept > 0, `the random rows should reach both sides of the threshold (flushed ${flushed}, kept ${kept})`);
});

test("correct counts argmax == label, ties going to the lowest index", () => {
  const C = 3;
  const z = Float32Array.of(1, 1, 0, 0, 2, 2, 5, 0, 5, 0, 0, 1);
  // argmaxes: 0 (tie 0/1), 1 (tie 1/2), 0 (tie 0/2), 2
  assert.equal(softmaxCrossEntropy(z, Int32Array.of(0, 1, 0, 2), C).correct, 4);
  assert.equal(mse(z, Int32Array.of(1, 2, 2, 2), C).correct, 1);
  assert.equal(stableMaxCrossEntropy(z, Int32Array.of(0, 2, 0, 1), C).correct, 2);
});

test("cross_entropy_per_entry is cross_entropy divided by the number of classes, loss and gradient (PAIR's -mean(onehot * log_softmax))", () => {
  const n = 8, C = 67;
  const { z, y } = randomProblem(3, n, C, 4);
  const d = new Float64Array(n * C), dPer = new Float64Array(n * C);
  const full = softmaxCrossEntropy(f64(z), y, C, { dLogits: f64(d) });
  const per = softmaxCrossEntropyPerEntry(f64(z), y, C, { dLogits: f64(dPer) });
  assert.ok(Math.abs(per.loss - full.loss / C) < 1e-15, `${per.loss} vs ${full.loss / C}`);
  assert.equal(per.correct, full.correct);
  dPer.forEach((v, k) => assert.ok(Math.abs(v - d[k] / C) <= 1e-16 * Math.abs(d[k]) + 1e-300, `dLogits[${k}]`));
});

test("bad inputs name the problem; the registry knows every loss", () => {
  assert.throws(() => softmaxCrossEntropy(new Float32Array(5), Int32Array.of(0, 1), 3), /logits length 5 is not n·C/);
  assert.throws(() => mse(new Float32Array(6), Int32Array.of(0, 3), 3), /label 3 of example 1/);
  assert.throws(() => getLoss("hinge"), /unknown loss "hinge".*cross_entropy/);
  assert.deepEqual(LOSS_NAMES, ["cross_entropy", "cross_entropy_float32", "cross_entropy_per_entry", "mse", "mse_centred", "stablemax_cross_entropy"]);
});

// ---- cross-check against PyTorch (float64) ----
const TORCH_SCRIPT = `
import json, sys, torch
d = json.load(sys.stdin)
z = torch.tensor(d["z"], dtype=torch.float64).reshape(d["n"], d["C"])
y = torch.tensor(d["y"])
def centred(e):
    e = e - e.mean(dim=0, keepdim=True)
    return 0.5 * (e * e).sum() / e.shape[0]
def stablemax_ce(z, y):
    s = torch.where(z >= 0, z + 1, 1 / (1 - z))
    return -torch.log(s[torch.arange(len(y)), y] / s.sum(1)).mean()
losses = {
    "cross_entropy": lambda z, y: torch.nn.functional.cross_entropy(z, y),
    "cross_entropy_per_entry": lambda z, y: -(torch.nn.functional.one_hot(y, z.shape[1]).double() * torch.log_softmax(z, 1)).mean(),
    "mse": lambda z, y: ((z - torch.nn.functional.one_hot(y, z.shape[1]).double()) ** 2).mean(),
    "mse_centred": lambda z, y: centred(torch.nn.functional.one_hot(y, z.shape[1]).double() - z),
    "stablemax_cross_entropy": stablemax_ce,
}
out = {}
for name, f in losses.items():
    zz = z.clone().requires_grad_()
    l = f(zz, y)
    l.backward()
    out[name] = {"loss": l.item(), "grad": zz.grad.flatten().tolist()}
print(json.dumps(out))
`;

test("losses and gradients match PyTorch's (float64 cross_entropy, ((z − Y)**2).mean(), the centred ½‖P⊥(Y − z)‖²/n, StableMax)", (t) => {
  if (!torchOrSkip(t, "loss cross-check")) return;
  const n = 7, C = 6;
  const { z, y } = randomProblem(99, n, C, 3);
  const r = spawnSync(PYTHON, ["-c", TORCH_SCRIPT], { input: JSON.stringify({ n, C, z: [...z], y: [...y] }), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as Record<string, { loss: number; grad: number[] }>;
  for (const [name, loss] of float64Losses) {
    const d = new Float64Array(n * C);
    const got = loss(f64(z), y, C, { dLogits: f64(d) }).loss;
    assert.ok(Math.abs(got - ref[name].loss) < 1e-13, `${name}: loss ${got} vs torch ${ref[name].loss}`);
    d.forEach((v, k) => assert.ok(Math.abs(v - ref[name].grad[k]) < 1e-14, `${name}: dLogits[${k}] ${v} vs torch ${ref[name].grad[k]}`));
  }
});
