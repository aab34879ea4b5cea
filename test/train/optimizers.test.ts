import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  createOptimizer, loadStateTensors, OPTIMIZERS, parseOptimizerConfig, stateTensors, stateTensorShapes,
  type OptimizerConfigInput,
} from "../../src/train/optimizers.js";
import { fold, keyFromSeed, normals } from "../../src/tensor/rng.js";
import { FLUSH_BELOW_CUBIC } from "../../src/tensor/kernels/adam.js";
import type { Params } from "../../src/tensor/tensor.js";
import { PYTHON, torchOrSkip } from "../helpers/torch.js";


function params(values: Record<string, number[]>): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(values)) out[k] = { shape: [v.length], data: Float32Array.from(v) };
  return out;
}

test("config: PyTorch's defaults are filled in; bad keys and values are named", () => {
  assert.deepEqual(parseOptimizerConfig({ name: "adamw" }), { name: "adamw", lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 1e-2, l1: 0 });
  assert.deepEqual(parseOptimizerConfig({ name: "adam" }), { name: "adam", lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, l1: 0 });
  assert.deepEqual(parseOptimizerConfig({ name: "sgd", lr: 0.1 }), { name: "sgd", lr: 0.1, momentum: 0, weight_decay: 0, l1: 0 });
  assert.throws(() => parseOptimizerConfig({ name: "adamw", betas: [0.9, 1.5] }), /^Error: optimizer\.betas\.1: must be in \[0, 1\)/);
  assert.throws(() => parseOptimizerConfig({ name: "adamw", lr: -1 }), /^Error: optimizer\.lr: must be > 0/);
  assert.throws(() => parseOptimizerConfig({ name: "adamw", betaz: [0.9, 0.9] }), /betaz/);
  assert.throws(() => parseOptimizerConfig({ name: "sgd", betas: [0.9, 0.9] }), /betas/); // SGD has no betas
  assert.throws(() => parseOptimizerConfig({ name: "lion" }, "spec.optimizer"), /^Error: spec\.optimizer\.name/);
  assert.deepEqual(Object.keys(OPTIMIZERS), ["sgd", "adam", "adamw"]);
});

test("adamw: one and two steps match the PyTorch formula worked by hand", () => {
  // lr 0.01, wd 5, β = (0.9, 0.98), eps 1e-8 (the R1 settings). After step 1 the bias-corrected moments are g and g²,
  // so the Adam part is lr·g/(|g| + eps) ≈ ±lr, and the decoupled decay multiplies p by 1 − lr·wd = 0.95 first.
  const opt = createOptimizer(parseOptimizerConfig({ name: "adamw", lr: 0.01, betas: [0.9, 0.98], weight_decay: 5 }));
  const p = params({ w: [0.5, -1] });
  const state = opt.init(p);
  opt.update(p, params({ w: [0.1, -0.2] }), state, 0.01);
  const step1 = [0.5 * 0.95 - (0.01 * 0.1) / (0.1 + 1e-8), -1 * 0.95 + (0.01 * 0.2) / (0.2 + 1e-8)];
  assert.ok(Math.abs(p.w.data[0] - step1[0]) < 1e-7 && Math.abs(p.w.data[1] - step1[1]) < 1e-7, `${[...p.w.data]} vs ${step1}`);
  // step 2 with g = 0.3 on w[0]: m = 0.9·0.01 + 0.1·0.3 = 0.039, v = 0.98·2e-4 + 0.02·0.09 = 1.996e-3,
  // m̂ = 0.039 / 0.19, v̂ = 1.996e-3 / 0.0396
  opt.update(p, params({ w: [0.3, 0] }), state, 0.01);
  const want = Math.fround(step1[0]) * 0.95 - (0.01 * (0.039 / 0.19)) / (Math.sqrt(1.996e-3 / 0.0396) + 1e-8);
  assert.ok(Math.abs(p.w.data[0] - want) < 1e-7, `${p.w.data[0]} vs ${want}`);
  assert.equal(state.step, 2);
});

test("adam: weight decay is L2 added to the gradient before the moments (first step moves by lr·sign(g + wd·p))", () => {
  const opt = createOptimizer(parseOptimizerConfig({ name: "adam", lr: 0.1, weight_decay: 1 }));
  const p = params({ w: [2, -0.5] });
  opt.update(p, params({ w: [-1, 0.2] }), opt.init(p), 0.1);
  // g + wd·p = (1, −0.3): both move against their sign by lr (eps negligible)
  assert.ok(Math.abs(p.w.data[0] - 1.9) < 1e-6 && Math.abs(p.w.data[1] - -0.4) < 1e-6, `${[...p.w.data]}`);
});

test("l1 adds l1·sign(p) to the gradient (SGD, no momentum: p ← p − lr(g + l1·sign p))", () => {
  const opt = createOptimizer(parseOptimizerConfig({ name: "sgd", lr: 0.5, l1: 0.1 }));
  const p = params({ w: [1, -1, 0] });
  opt.update(p, params({ w: [0, 0, 0] }), opt.init(p), 0.5);
  assert.deepEqual([...p.w.data], [Math.fround(0.95), Math.fround(-0.95), 0]);
});

/** f(p) = ½ Σ h_i (p_i − c_i)², ∇ = h ∘ (p − c); with L2 weight decay wd the minimizer is h c / (h + wd). */
function minimizeQuadratic(config: OptimizerConfigInput, steps: number, lr: (t: number) => number): { p: Float32Array; c: number[]; h: number[] } {
  const c = [1.5, -2, 0.25, 3], h = [1, 4, 0.5, 2];
  const opt = createOptimizer(parseOptimizerConfig(config));
  const p = params({ w: [0, 0, 0, 0] });
  const g = params({ w: [0, 0, 0, 0] });
  const state = opt.init(p);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < 4; i++) g.w.data[i] = h[i] * (p.w.data[i] - c[i]);
    opt.update(p, g, state, lr(t));
  }
  return { p: p.w.data, c, h };
}

test("every optimizer minimizes a convex quadratic", () => {
  const decay = (base: number) => (t: number) => base * Math.max(0.01, 1 - t / 3000); // Adam needs a decaying lr to settle
  for (const config of [{ name: "sgd", lr: 0.1 }, { name: "sgd", lr: 0.05, momentum: 0.9 }, { name: "adam", lr: 0.05 }, { name: "adamw", lr: 0.05, weight_decay: 0 }] as const) {
    const { p, c } = minimizeQuadratic(config, 3000, decay(config.lr));
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(p[i] - c[i]) < 1e-3, `${JSON.stringify(config)}: p[${i}] = ${p[i]}, minimum ${c[i]}`);
  }
  // SGD with L2 weight decay converges to the shifted minimizer h c / (h + wd)
  const wd = 0.5;
  const { p, c, h } = minimizeQuadratic({ name: "sgd", lr: 0.1, momentum: 0.5, weight_decay: wd }, 2000, () => 0.1);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(p[i] - (h[i] * c[i]) / (h[i] + wd)) < 1e-5, `p[${i}] = ${p[i]}`);
});

test("state round-trips through named float32 tensors and training continues identically", () => {
  for (const config of [{ name: "adamw" }, { name: "sgd", momentum: 0.9 }] as const) {
    const cfg = parseOptimizerConfig(config);
    const run = (from: number, to: number, p: Params, state: ReturnType<ReturnType<typeof createOptimizer>["init"]>) => {
      const opt = createOptimizer(cfg);
      for (let t = from; t < to; t++) opt.update(p, { U: { shape: [2, 3], data: normals(fold(keyFromSeed(1), t), 6) } }, state, 0.01);
    };
    const mk = (): Params => ({ U: { shape: [2, 3], data: normals(keyFromSeed(2), 6) } });
    const a = mk(), sa = createOptimizer(cfg).init(a);
    run(0, 10, a, sa);
    const b = mk(), sb = createOptimizer(cfg).init(b);
    run(0, 4, b, sb);
    const saved = stateTensors(sb);
    assert.deepEqual(Object.keys(stateTensorShapes(sb, b)).sort(), Object.keys(saved).sort());
    const sc = createOptimizer(cfg).init(b);
    loadStateTensors(sc, structuredClone(saved));
    assert.equal(sc.step, 4);
    run(4, 10, b, sc);
    assert.deepEqual([...b.U.data], [...a.U.data], `${cfg.name}: resumed run differs`);
  }
  const s = createOptimizer(parseOptimizerConfig({ name: "adam" })).init({ U: { shape: [2], data: new Float32Array(2) } });
  assert.throws(() => loadStateTensors(s, { step: Float32Array.of(1), "exp_avg/U": new Float32Array(2) }), /"exp_avg_sq\/U" is missing/);
  assert.throws(() => loadStateTensors(s, { ...stateTensors(s), "exp_avg/V": new Float32Array(2) }), /unexpected tensor "exp_avg\/V"/);
});

// ---- cross-check against PyTorch ----
const TORCH_SCRIPT = `
import json, sys, torch
d = json.load(sys.stdin)
out = {}
for case in d["cases"]:
    c = case["config"]
    ps = [torch.nn.Parameter(torch.tensor(v, dtype=torch.float32)) for v in d["params"]]
    if c["name"] == "sgd":
        opt = torch.optim.SGD(ps, lr=c["lr"], momentum=c["momentum"], weight_decay=c["weight_decay"])
    else:
        cls = torch.optim.Adam if c["name"] == "adam" else torch.optim.AdamW
        opt = cls(ps, lr=c["lr"], betas=tuple(c["betas"]), eps=c["eps"], weight_decay=c["weight_decay"])
    for t, grads in enumerate(d["grads"]):
        for group in opt.param_groups:
            group["lr"] = d["lrs"][t]
        for p, g in zip(ps, grads):
            g = torch.tensor(g, dtype=torch.float32)
            if c["l1"]:
                g = g + c["l1"] * torch.sign(p.detach())
            p.grad = g
        opt.step()
    out[case["label"]] = [p.detach().double().flatten().tolist() for p in ps]
print(json.dumps({"torch": torch.__version__, "results": out}))
`;

test("optimizers match torch.optim (Adam, AdamW, SGD momentum, L1) over 20 steps within 1e-6", (t) => {
  if (!torchOrSkip(t, "optimizer cross-check against torch.optim")) return;
  const key = keyFromSeed(20);
  const shapes = { a: [3, 4], b: [5] } as const;
  const init: Params = {
    a: { shape: shapes.a, data: normals(fold(key, "a"), 12) },
    b: { shape: shapes.b, data: normals(fold(key, "b"), 5, 0.3) },
  };
  const steps = 20;
  const grads: Params[] = Array.from({ length: steps }, (_, t) => ({
    a: { shape: shapes.a, data: normals(fold(key, `g/a/${t}`), 12, 0.5) },
    b: { shape: shapes.b, data: normals(fold(key, `g/b/${t}`), 5, 1e-3 * (t + 1)) }, // small gradients test eps placement
  }));
  const lrs = Array.from({ length: steps }, (_, t) => 0.01 * (1 + 0.5 * Math.sin(t)));
  const cases: { label: string; config: OptimizerConfigInput }[] = [
    { label: "adamw-gromov", config: { name: "adamw", lr: 0.01, betas: [0.9, 0.98], weight_decay: 5 } },
    { label: "adamw-prieto-eps", config: { name: "adamw", lr: 0.01, betas: [0.9, 0.99], weight_decay: 0, eps: 1e-25 } },
    { label: "adam-l2", config: { name: "adam", lr: 0.01, weight_decay: 0.1 } },
    { label: "adamw-l1", config: { name: "adamw", lr: 0.003, betas: [0.99, 0.98], weight_decay: 0.1, l1: 1e-3 } },
    { label: "sgd-momentum", config: { name: "sgd", lr: 0.1, momentum: 0.9, weight_decay: 0.01 } },
  ];
  const parsed = cases.map((c) => ({ label: c.label, config: parseOptimizerConfig(c.config) }));
  const input = JSON.stringify({
    cases: parsed,
    params: Object.values(init).map((p) => [...p.data]),
    grads: grads.map((g) => Object.values(g).map((p) => [...p.data])),
    lrs,
  });
  const r = spawnSync(PYTHON, ["-c", TORCH_SCRIPT], { input, encoding: "utf8" });
  assert.equal(r.status, 0, `torch script failed: ${r.stderr}`);
  const { results } = JSON.parse(r.stdout) as { results: Record<string, number[][]> };
  for (const { label, config } of parsed) {
    const p: Params = { a: { shape: shapes.a, data: init.a.data.slice() }, b: { shape: shapes.b, data: init.b.data.slice() } };
    const opt = createOptimizer(config);
    const state = opt.init(p);
    for (let t = 0; t < steps; t++) opt.update(p, grads[t], state, lrs[t]);
    let worst = 0;
    Object.values(p).forEach((tp, k) => tp.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - results[label][k][i])); }));
    assert.ok(worst < 1e-6, `${label}: max |ours − torch| = ${worst}`);
  }
});

test("flush_below: an Adam weight decaying under L2 reaches exactly 0 at the bound; absent, it keeps shrinking through the tiny floats", () => {
  assert.throws(() => parseOptimizerConfig({ name: "adam", flush_below: 1e-3 }), /^Error: optimizer\.flush_below: must be ≤ 1e-6/);
  assert.throws(() => parseOptimizerConfig({ name: "adamw", flush_below: -1 }), /^Error: optimizer\.flush_below: must be ≥ 0/);
  // a dead weight: zero data gradient, Adam's L2 pull only (Cullen et al.'s lr 1e-4, wd 1e-5)
  const run = (flush: number | undefined) => {
    const opt = createOptimizer(parseOptimizerConfig({ name: "adam", lr: 1e-4, weight_decay: 1e-5, ...(flush === undefined ? {} : { flush_below: flush }) }));
    const params: Params = { w: { shape: [2], data: Float32Array.of(1e-3, -2e-3) } }, grads: Params = { w: { shape: [2], data: new Float32Array(2) } };
    const state = opt.init(params, (n) => new Float32Array(n));
    for (let s = 0; s < 3000; s++) opt.update(params, grads, state, 1e-4);
    return params.w.data;
  };
  const bound = FLUSH_BELOW_CUBIC;
  assert.deepEqual([...run(bound)], [0, 0]);
  const free = run(undefined);
  assert.ok(free.every((x) => x !== 0 && Math.abs(x) < bound), `without the flush the weights are tiny, not 0: ${[...free]}`);
});
