import { test } from "node:test";
import assert from "node:assert/strict";
import { orthogonalize, orthogonalizeAll } from "../../src/train/orthograd.js";
import { createOptimizer, parseOptimizerConfig } from "../../src/train/optimizers.js";
import { fold, keyFromSeed, normals } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";
import { spawnSync } from "node:child_process";
import { PYTHON, torchOrSkip } from "../helpers/torch.js";

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

test("⊥Grad: g⊥ is orthogonal to w and keeps ‖g‖ (float64: to 1e-12; float32: to float32 rounding)", () => {
  const key = keyFromSeed(7);
  for (const n of [2, 17, 1000]) {
    const w = Float64Array.from(normals(fold(key, `w${n}`), n)), g = Float64Array.from(normals(fold(key, `g${n}`), n));
    for (let i = 0; i < n; i++) g[i] += 0.8 * w[i]; // a large radial (NLM) component to remove
    const ng = Math.sqrt(dot(g, g)), nw = Math.sqrt(dot(w, w));
    const out = orthogonalize(w as unknown as Float32Array, g as unknown as Float32Array, new Float64Array(n) as unknown as Float32Array);
    assert.ok(Math.abs(dot(out, w)) / (ng * nw) < 1e-12, `n=${n}: cos(g⊥, w) = ${dot(out, w) / (ng * nw)}`);
    assert.ok(Math.abs(Math.sqrt(dot(out, out)) / ng - 1) < 1e-12, `n=${n}: ‖g⊥‖/‖g‖ = ${Math.sqrt(dot(out, out)) / ng}`);
    // g⊥ is the projection, rescaled: g⊥ ∝ g − (wᵀg/wᵀw) w
    const c = dot(w, g) / dot(w, w), s = ng / Math.sqrt(dot(g, g) - c * dot(w, g));
    for (let i = 0; i < n; i += 97) assert.ok(Math.abs(out[i] - s * (g[i] - c * w[i])) < 1e-12);
    // float32 in place: same properties within float32 rounding
    const w32 = Float32Array.from(w), g32 = Float32Array.from(g);
    const ng32 = Math.sqrt(dot(g32, g32));
    orthogonalize(w32, g32);
    assert.ok(Math.abs(dot(g32, w32)) / (ng32 * nw) < 1e-6);
    assert.ok(Math.abs(Math.sqrt(dot(g32, g32)) / ng32 - 1) < 1e-6);
  }
});

test("⊥Grad: a gradient already orthogonal to w is unchanged; w = 0 and g ∥ w leave g as it is", () => {
  const w = Float64Array.of(1, 0, 0) as unknown as Float32Array;
  assert.deepEqual([...orthogonalize(w, Float64Array.of(0, 3, -4) as unknown as Float32Array)], [0, 3, -4]);
  assert.deepEqual([...orthogonalize(new Float32Array(3), Float32Array.of(1, 2, 3))], [1, 2, 3]);
  assert.deepEqual([...orthogonalize(Float32Array.of(1, 2, 3), Float32Array.of(2, 4, 6))], [2, 4, 6]);
  assert.throws(() => orthogonalize(Float32Array.of(1, 2), Float32Array.of(1)), /orthograd/);
});

test("⊥AdamW / ⊥SGD: `orthogonal: true` steps on the projected gradient, leaves the caller's grads alone", () => {
  assert.deepEqual(parseOptimizerConfig({ name: "adamw" }), { name: "adamw", lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 1e-2, l1: 0 });
  assert.equal(parseOptimizerConfig({ name: "sgd", orthogonal: true }).orthogonal, true);
  assert.throws(() => parseOptimizerConfig({ name: "adamw", orthogonal: "yes" }), /optimizer\.orthogonal/);
  const mk = (): Params => ({ w: { shape: [3], data: Float32Array.of(1, 2, 2) }, b: { shape: [2], data: Float32Array.of(0.5, -0.5) } });
  const grads: Params = { w: { shape: [3], data: Float32Array.of(1, 1, 0) }, b: { shape: [2], data: Float32Array.of(1, 0) } };
  // ⊥SGD with lr 1 equals plain SGD on the projected gradient
  const p1 = mk(), p2 = mk();
  const sgdOrtho = createOptimizer(parseOptimizerConfig({ name: "sgd", lr: 1, orthogonal: true }));
  sgdOrtho.update(p1, grads, sgdOrtho.init(p1), 1);
  assert.deepEqual([...grads.w.data], [1, 1, 0]); // untouched
  const projected = orthogonalizeAll(mk(), { w: { shape: [3], data: Float32Array.of(1, 1, 0) }, b: { shape: [2], data: Float32Array.of(1, 0) } });
  const sgd = createOptimizer(parseOptimizerConfig({ name: "sgd", lr: 1 }));
  sgd.update(p2, projected, sgd.init(p2), 1);
  assert.deepEqual([...p1.w.data], [...p2.w.data]);
  assert.deepEqual([...p1.b.data], [...p2.b.data]);
  // the update p1 − p0 is orthogonal to p0 per tensor (the step cannot scale the weights, to first order)
  const p0 = mk();
  const dw = [...p1.w.data].map((v, i) => v - p0.w.data[i]);
  assert.ok(Math.abs(dot(dw, p0.w.data)) < 1e-6, `Δw·w = ${dot(dw, p0.w.data)}`);
  // ⊥AdamW: moments are those of the projected gradient
  const pa = mk();
  const adamOrtho = createOptimizer(parseOptimizerConfig({ name: "adamw", lr: 0.1, weight_decay: 0, orthogonal: true }));
  const st = adamOrtho.init(pa);
  adamOrtho.update(pa, grads, st, 0.1);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(st.tensors["exp_avg/w"][i] - 0.1 * projected.w.data[i]) < 1e-7);
});

test("optimizer moments follow the parameters' array type (float64 training mode)", () => {
  const p: Params = { w: { shape: [2], data: new Float64Array([1, 2]) as unknown as Float32Array } };
  const opt = createOptimizer(parseOptimizerConfig({ name: "adamw", orthogonal: true }));
  const st = opt.init(p);
  assert.ok((st.tensors["exp_avg/w"] as ArrayLike<number>) instanceof Float64Array);
  opt.update(p, { w: { shape: [2], data: new Float64Array([2, -1]) as unknown as Float32Array } }, st, 1e-3);
  assert.ok((p.w.data as ArrayLike<number>) instanceof Float64Array);
});

test("float64 training mode: on createFloat64Backend every buffer is float64 and ⊥SGD + StableMax lowers the loss", async () => {
  const { createFloat64Backend } = await import("../../src/tensor/backend-f64.js");
  const { normalizeSpec } = await import("../../src/runs/spec.js");
  const { buildSetup } = await import("../../src/runs/setup.js");
  const { evaluate, trainStep } = await import("../../src/train/loop.js");
  const config = normalizeSpec({
    steps: 30,
    task: { name: "modular", op: "add", p: 11, train_fraction: 0.5 },
    model: { name: "mlp", depth: 2, width: 32, bias: false },
    loss: "stablemax_cross_entropy",
    // the paper's Fig. 6 ⊥SGD run: lr 10, float64, StableMax (their SGD has momentum 0.2)
    optimizer: { name: "sgd", lr: 10, momentum: 0.2, orthogonal: true },
  });
  const { setup, state } = await buildSetup(config, { backend: createFloat64Backend() });
  const isF64 = (a: ArrayLike<number>): boolean => a instanceof Float64Array;
  assert.ok(Object.values(state.params).every((t) => isF64(t.data)) && Object.values(state.opt.tensors).every(isF64));
  const before = evaluate(setup, state, setup.data.train).loss;
  for (let s = 0; s < 30; s++) trainStep(setup, state);
  const after = evaluate(setup, state, setup.data.train).loss;
  assert.ok(after < before, `train loss ${before} → ${after}`);
  assert.ok(Object.values(state.params).every((t) => isF64(t.data)));
  assert.equal(setup.backend.name, "js64");
});

/** The authors' OrthoGrad step (float32 torch: g⊥ = g − (w·g)/(w·w + 1e-30) w, rescaled by ‖g‖/(‖g⊥‖ + 1e-30)) around torch.optim. */
const TORCH_ORTHO = String.raw`
import json, sys, torch
d = json.load(sys.stdin)
out = {}
for case in d["cases"]:
    ps = [torch.tensor(p, dtype=torch.float32).requires_grad_(True) for p in d["params"]]
    c = case["config"]
    opt = torch.optim.AdamW(ps, lr=c["lr"], betas=tuple(c["betas"]), eps=c["eps"], weight_decay=c["weight_decay"]) if c["name"] == "adamw" \
        else torch.optim.SGD(ps, lr=c["lr"], momentum=c["momentum"])
    for t, gs in enumerate(d["grads"]):
        with torch.no_grad():
            for p, g in zip(ps, gs):
                g = torch.tensor(g, dtype=torch.float32)
                w = p.view(-1)
                proj = torch.dot(w, g) / (torch.dot(w, w) + 1e-30)
                go = g - proj * w
                p.grad = go * (g.norm(2) / (go.norm(2) + 1e-30))
        opt.step()
    out[case["label"]] = [p.detach().tolist() for p in ps]
print(json.dumps(out))
`;

test("⊥AdamW and ⊥SGD match the authors' OrthoGrad around torch.optim over 20 steps within 1e-5", (t) => {
  if (!torchOrSkip(t, "⊥Grad cross-check")) return;
  const key = keyFromSeed(21);
  const init = [normals(fold(key, "a"), 12), normals(fold(key, "b"), 5, 0.3)];
  const grads = Array.from({ length: 20 }, (_, s) => [normals(fold(key, `ga${s}`), 12, 0.5), normals(fold(key, `gb${s}`), 5, 0.01)]);
  const cases = [
    { label: "orthoadamw", config: parseOptimizerConfig({ name: "adamw", lr: 0.01, betas: [0.9, 0.99], weight_decay: 0, eps: 1e-25, orthogonal: true }) },
    { label: "orthosgd", config: parseOptimizerConfig({ name: "sgd", lr: 0.5, momentum: 0.2, orthogonal: true }) },
  ];
  const r = spawnSync(PYTHON, ["-c", TORCH_ORTHO], {
    input: JSON.stringify({ cases, params: init.map((a) => [...a]), grads: grads.map((g) => g.map((a) => [...a])) }),
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `torch script failed: ${r.stderr}`);
  const ref = JSON.parse(r.stdout) as Record<string, number[][]>;
  for (const { label, config } of cases) {
    const p: Params = { a: { shape: [12], data: init[0].slice() }, b: { shape: [5], data: init[1].slice() } };
    const opt = createOptimizer(config), st = opt.init(p);
    for (const g of grads) opt.update(p, { a: { shape: [12], data: g[0] }, b: { shape: [5], data: g[1] } }, st, config.lr);
    let worst = 0;
    [p.a.data, p.b.data].forEach((a, k) => a.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - ref[label][k][i])); }));
    assert.ok(worst < 1e-5, `${label}: max |ours − torch| = ${worst}`);
  }
});
