/**
 * The LLC estimate's convergence diagnostics (src/measures/llc/diagnostics.ts), its MALA acceptance and its file record
 * (src/measures/llc/record.ts): calibrated on synthetic chains, then on devinterp's polynomial models with settings
 * that settle and settings that obviously do not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { diagnoseTraces, DRIFT_MAX, driftZ, essChains, pooledTau, RHAT_MAX, splitRhat } from "../../src/measures/llc/diagnostics.js";
import { estimateLlc, LlcDivergedError, llcMeasure, llcRecord } from "../../src/measures/llc/llc.js";
import { llcRecordPath, llcRecordStep, parseLlcRecord, serializeLlcRecord } from "../../src/measures/llc/record.js";
import { fold, keyFromSeed, normals } from "../../src/tensor/rng.js";
import { mse } from "../../src/train/losses.js";
import { backend, noiseData, origin, polynomialModel } from "../helpers/llc-polynomial.js";

/** C stationary AR(1) chains x_t = ρx_{t−1} + √(1−ρ²)·z_t of length T (started in equilibrium), plus `trend`·t/T. */
function ar1(C: number, T: number, rho: number, seed: number, trend = 0): Float64Array[] {
  return Array.from({ length: C }, (_, c) => {
    const z = normals(fold(keyFromSeed(seed), c), T + 1);
    const t = new Float64Array(T);
    let x = z[T];
    for (let i = 0; i < T; i++) (x = rho * x + Math.sqrt(1 - rho * rho) * z[i]), (t[i] = x + (trend * i) / T);
    return t;
  });
}

/**
 * The definitions, lag by lag: chain c's autocovariance at lag k about its mean over n, Σ_c of those in chain order,
 * Geyer's initial monotone sequence; ESS (Vehtari et al. 2021, eqs. 9–10) and the pooled τ from them.
 */
function naiveEssAndTau(traces: Float64Array[]): [number, number] {
  const C = traces.length, n = Math.min(...traces.map((t) => t.length));
  const means = traces.map((t) => t.subarray(0, n).reduce((a, b) => a + b, 0) / n);
  const autocov = (c: number, k: number) => {
    let s = 0;
    for (let i = 0; i + k < n; i++) s += (traces[c][i] - means[c]) * (traces[c][i + k] - means[c]);
    return s / n;
  };
  const pooled = (k: number) => traces.reduce((s, _, c) => s + autocov(c, k), 0);
  const geyer = (rho: (t: number) => number) => {
    let sum = 0, prev = Infinity;
    for (let j = 0; 2 * j + 1 < n; j++) {
      const g = Math.min(rho(2 * j) + rho(2 * j + 1), prev);
      if (!(g > 0)) break;
      sum += g;
      prev = g;
    }
    return 2 * sum - 1;
  };
  const W = ((traces.reduce((s, _, c) => s + autocov(c, 0), 0) / C) * n) / (n - 1);
  const grand = means.reduce((a, b) => a + b, 0) / C;
  const B = C > 1 ? (n * means.reduce((a, m) => a + (m - grand) ** 2, 0)) / (C - 1) : 0;
  const varPlus = ((n - 1) / n) * W + B / n;
  const tauEss = geyer((t) => 1 - (W - pooled(t) / C) / varPlus);
  return [tauEss > 1 ? (C * n) / tauEss : C * n, Math.max(1, geyer((k) => pooled(k) / pooled(0)))];
}

test("ESS and the pooled autocorrelation time equal their lag-by-lag definitions bit for bit", () => {
  for (const [C, T, rho] of [[1, 9, 0.5], [3, 10, 0.9], [4, 1000, 0.99], [2, 2001, -0.4], [5, 37, 0]] as const) {
    const traces = ar1(C, T, rho, 7 * T + C);
    traces.forEach((t, c) => (c % 2 === 1 ? traces[c] = t.subarray(0, T - c) : undefined)); // unequal lengths: the shortest counts
    const [ess, tau] = naiveEssAndTau(traces);
    assert.ok(Object.is(essChains(traces), ess), `C ${C} T ${T} ρ ${rho}: ESS ${essChains(traces)} vs ${ess}`);
    assert.ok(Object.is(pooledTau(traces), tau), `C ${C} T ${T} ρ ${rho}: τ ${pooledTau(traces)} vs ${tau}`);
  }
});

test("diagnostics on synthetic chains: stationary chains pass, a trend or a stuck chain fails, false alarms are rare", () => {
  // 300 sets of 4 stationary AR(1) chains, ρ = 0.9 (τ = 19), 1,000 draws: ESS ≈ 4·1000/19 ≈ 210, 53 per chain
  let alarms = 0, essSum = 0;
  for (let r = 0; r < 300; r++) {
    const d = diagnoseTraces(ar1(4, 1000, 0.9, r), -10);
    if (!d.settled) alarms++;
    essSum += d.ess;
  }
  assert.ok(alarms <= 3, `${alarms}/300 stationary sets flagged (2 in 1,000)`);
  assert.ok(Math.abs(essSum / 300 / 210 - 1) < 0.2, `mean ESS ${essSum / 300} vs 210`);
  // the same chains 200 draws long (≈ 11 effective draws each) are too short to show they mix: R̂ flags most sets
  let short = 0;
  for (let r = 0; r < 100; r++) if (splitRhat(ar1(4, 200, 0.9, r)) > RHAT_MAX) short++;
  assert.ok(short >= 20, `${short}/100 short sets flagged (38% in 1,000)`);
  // iid draws: R̂ ≈ 1, |z| small
  const iid = ar1(4, 1000, 0, 1);
  assert.ok(Math.abs(splitRhat(iid) - 1) < 0.01);
  assert.ok(iid.every((t) => Math.abs(driftZ(t)) < DRIFT_MAX));
  assert.ok(Math.abs(essChains(iid) / 4000 - 1) < 0.15, `iid ESS ${essChains(iid)}`);
  // a rise of 3σ over every chain (still approaching equilibrium): R̂ sees the halves disagree
  const rising = diagnoseTraces(ar1(4, 400, 0.5, 2, 3), -10);
  assert.ok(!rising.settled && rising.rhat > RHAT_MAX, `R̂ ${rising.rhat}`);
  // one chain that moves by 1.5σ in its last third: R̂ barely notices, that chain's drift does
  const late = ar1(4, 400, 0.5, 6);
  late[1] = late[1].map((x, i) => (i >= 267 ? x + 1.5 : x));
  const dl = diagnoseTraces(late, -10);
  assert.ok(dl.rhat <= RHAT_MAX && dl.drift[1] > DRIFT_MAX && !dl.settled, `R̂ ${dl.rhat}, drift ${dl.drift}`);
  assert.match(dl.reasons.join(), /1 of 4 chain\(s\) still drifting \(chain 1/);
  // one chain at another level (a different basin): R̂ sees it, the chain's own drift does not
  const stuck = ar1(4, 400, 0.5, 3);
  stuck[2] = stuck[2].map((x) => x + 2);
  const ds = diagnoseTraces(stuck, -10);
  assert.ok(!ds.settled && ds.rhat > RHAT_MAX && ds.reasons.some((r) => r.startsWith("R̂")), ds.reasons.join("; "));
  // too short to judge, and the level test: chains that stay at L(w*)
  assert.match(diagnoseTraces(ar1(2, 5, 0, 4), -10).reasons.join(), /too few/);
  const flat = diagnoseTraces(ar1(4, 400, 0, 5), 0);
  assert.ok(!flat.settled && /within 2 standard errors of 0/.test(flat.reasons.join()), flat.reasons.join());
  assert.ok(Math.abs(flat.belowInit - 0.5) < 0.05, `share below L(w*) ${flat.belowInit}`);
});

test("polynomial models: a good setting settles for λ = 1/2, 1/4, 1/6; a tiny ε with few draws does not; a huge ε diverges", () => {
  const split = noiseData();
  const t0 = performance.now();
  const lines: string[] = [];
  const run = (powers: number[], settings: Parameters<typeof estimateLlc>[6], label: string) => {
    const e = estimateLlc(polynomialModel(powers), origin(powers.length), split, mse, backend, keyFromSeed(7), settings);
    const d = e.diagnostics;
    lines.push(`${label} [${powers}]: λ̂ ${e.mean.toFixed(3)} ± ${e.std.toFixed(3)}, R̂ ${d.rhat.toFixed(3)}, max |drift| ${Math.max(...d.drift.map(Math.abs)).toFixed(2)}, MALA ${e.mala.toFixed(3)}: ${d.settled ? "settled" : d.reasons.join("; ")}`);
    return e;
  };
  for (const powers of [[0, 1], [1, 2], [1, 3]]) {
    // ε as devinterp's accuracy test; γ = 1 makes the local posterior proper (with γ = 0 the flat valleys w_j = 0
    // stretch to infinity and a chain may wander along them for good); burn-in 1,000
    const full = run(powers, { epsilon: 4e-4, gamma: 1, chains: 4, draws: 3000, burn_in: 1000, batch_size: null }, "good, full batch");
    assert.ok(full.diagnostics.settled, lines.at(-1));
    assert.ok(full.mala > 0.9, `MALA ${full.mala}: small steps are almost always accepted`);
    const mb = run(powers, { epsilon: 4e-4, gamma: 1, chains: 4, draws: 2000, burn_in: 500, batch_size: 100 }, "good, batch 100");
    assert.ok(mb.diagnostics.settled, lines.at(-1));
    assert.ok(mb.mala > 0.9, `MALA ${mb.mala} with minibatches: U compared on one batch`);
    // ε = 1e-6 and 200 draws from w*: the chains have barely moved (relaxation takes ~2,000 steps at λ = 1/2)
    const tiny = run(powers, { epsilon: 1e-6, gamma: 1, chains: 4, draws: 200, burn_in: 0, batch_size: null }, "tiny ε, full batch");
    assert.ok(!tiny.diagnostics.settled && tiny.diagnostics.rhat > RHAT_MAX, lines.at(-1));
    // with minibatches their slow rise hides in the batch noise; λ̂ ≈ 0 is what gives them away
    const tinyMb = run(powers, { epsilon: 1e-6, gamma: 1, chains: 4, draws: 200, burn_in: 0, batch_size: 100 }, "tiny ε, batch 100");
    assert.ok(!tinyMb.diagnostics.settled && tinyMb.diagnostics.reasons.some((r) => /standard errors of 0/.test(r)), lines.at(-1));
  }
  // ε far past the stability limit 4/(nβ·h) ≈ 3e-3 of the regular direction: NaN within a few steps
  assert.throws(() => estimateLlc(polynomialModel([0, 1]), origin(2), split, mse, backend, keyFromSeed(7), { epsilon: 0.1, gamma: 1, chains: 2, draws: 200, burn_in: 0, batch_size: null }), LlcDivergedError);
  console.log(lines.join("\n") + `\n(${(performance.now() - t0).toFixed(0)} ms)`);
});

test("the estimate's record: hyper-parameters, key, diagnostics and traces written through the run's writer and read back", () => {
  const split = noiseData(200);
  const data = { kind: "dense" as const, name: "noise", dim: 2, nClasses: 1, train: split, test: split, meta: {} };
  const files = new Map<string, string>(), warnings: string[] = [];
  const settings = { epsilon: 1e-6, gamma: 1, chains: 3, draws: 40, burn_in: 0, batch_size: 50 };
  const ctx = {
    params: origin(2), data, model: polynomialModel([1, 2]), step: 120, loss: mse, backend, key: keyFromSeed(3),
    writeRunFile: (path: string, text: string) => void files.set(path, text), onWarning: (m: string) => void warnings.push(m),
  };
  const values = llcMeasure(settings).compute(ctx) as Record<string, number>;
  assert.deepEqual(Object.keys(values).sort(), ["llc/init_loss", "llc/mean", "llc/rhat", "llc/settled", "llc/std"]);
  assert.equal(values["llc/settled"], 0, "ε = 1e-6 with 40 draws has not settled");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^llc at step 120: chains have not settled \(.*\); λ̂ .* llc-calibrate$/);
  assert.deepEqual([...files.keys()], ["llc/step_00000120.json"]);
  assert.equal(llcRecordPath(120), "llc/step_00000120.json");
  assert.equal(llcRecordStep("step_00000120.json"), 120);
  const r = parseLlcRecord(files.get("llc/step_00000120.json")!);
  assert.equal(r.step, 120);
  assert.deepEqual(r.hyper, { epsilon: 1e-6, gamma: 1, nbeta: 200 / Math.log(200), nbeta_rule: "n/ln n", chains: 3, draws: 40, burn_in: 0, steps_between_draws: 1, batch_size: 50, n: 200, key: [keyFromSeed(3).k0, keyFromSeed(3).k1] });
  assert.equal(r.llc.mean, values["llc/mean"]);
  assert.equal(r.llc.std, values["llc/std"]);
  assert.equal(r.diagnostics.rhat, values["llc/rhat"]);
  assert.equal(r.loss_trace.length, 3);
  assert.ok(r.loss_trace.every((t) => t.length === 40));
  // the same key gives the same bytes (what a resumed run relies on), and the traces are the estimator's
  const e = estimateLlc(polynomialModel([1, 2]), origin(2), split, mse, backend, keyFromSeed(3), settings);
  assert.equal(serializeLlcRecord(llcRecord(120, e)), files.get("llc/step_00000120.json"));
  assert.deepEqual(r.loss_trace, e.losses.map((t) => Array.from(t)));
  for (const [c, t] of r.loss_trace.entries()) {
    const perChain = r.hyper.nbeta * (t.reduce((a, b) => a + b, 0) / t.length - r.llc.init_loss);
    assert.ok(Math.abs(perChain - r.llc.per_chain[c]) < 1e-12, "each chain's λ̂ is nβ times its trace's mean excess loss");
  }
  // NaN (std of one chain) survives the file as null → NaN; malformed files are refused with the file's name
  const one = llcRecord(5, estimateLlc(polynomialModel([1, 2]), origin(2), split, mse, backend, keyFromSeed(3), { ...settings, chains: 1 }));
  assert.ok(Number.isNaN(parseLlcRecord(serializeLlcRecord(one)).llc.std));
  assert.throws(() => parseLlcRecord("{}", "x.json"), /x\.json: not an LLC record \(format/);
  assert.throws(() => parseLlcRecord(serializeLlcRecord(one).replace('"draws": 40', '"draws": 41'), "y.json"), /y\.json: .*loss_trace is not \[1\]\[41\]/);
});
