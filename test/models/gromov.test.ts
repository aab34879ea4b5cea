import { test } from "node:test";
import assert from "node:assert/strict";
import { createGromov, gromovDefinition } from "../../src/models/gromov.js";
import { modelFromDefinition } from "../../src/models/define.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { gradcheck } from "../helpers/gradcheck.js";
import { tinyPairs } from "../helpers/tiny-data.js";


test("gromov: backward matches float64 finite differences", () => {
  const data = tinyPairs(7, 13, 1);
  const model = createGromov({ width: 5, init_scale: 1 }, data, createFloat64Backend());
  const params = model.init(keyFromSeed(3));
  gradcheck(model, params, data.train, keyFromSeed(4));
});

test("gromov: logits equal W·(U e_a + V e_b)² computed directly", () => {
  const data = tinyPairs(5, 4, 2);
  const model = createGromov({ width: 3, init_scale: 1 }, data, createFloat64Backend());
  const params = model.init(keyFromSeed(5));
  const z = model.forward(params, data.train).logits;
  const [N, p] = [3, 5];
  for (let i = 0; i < 4; i++) {
    const a = data.train.x[2 * i], b = data.train.x[2 * i + 1];
    for (let q = 0; q < p; q++) {
      let want = 0;
      for (let k = 0; k < N; k++) {
        const h = params.U.data[k * p + a] + params.V.data[k * p + b];
        want += params.W.data[q * N + k] * h * h;
      }
      assert.ok(Math.abs(z[i * p + q] - want) < 1e-12, `logit [${i},${q}]`);
    }
  }
});

test("gromov: init has the fan-in variances of the reference (1/p, 1/N) times the init scale", () => {
  const p = 97, N = 500;
  const data = tinyPairs(p, 1, 1);
  const model = createGromov({ width: N, init_scale: 2 }, data, createFloat64Backend());
  const params = model.init(keyFromSeed(9));
  const variance = (x: Float32Array) => x.reduce((s, v) => s + v * v, 0) / x.length;
  // sample variance of n normals has relative sd sqrt(2/n) ≈ 0.006 here; allow 5 sd
  assert.ok(Math.abs(variance(params.U.data) / (4 / p) - 1) < 0.03);
  assert.ok(Math.abs(variance(params.W.data) / (4 / N) - 1) < 0.03);
});

test("gromov: init \"pytorch\" draws nn.Linear's U(±1/√fan_in) for Linear(2p → N) and Linear(N → C), the same in both implementations", () => {
  const p = 53, N = 1024;
  const data = tinyPairs(p, 4, 3);
  const fused = createGromov({ width: N, init_scale: 1, init: "pytorch" }, data, createFloat64Backend());
  const params = fused.init(keyFromSeed(12));
  const bound = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const variance = (x: Float32Array) => x.reduce((s, v) => s + v * v, 0) / x.length;
  for (const [name, b] of [["U", 1 / Math.sqrt(2 * p)], ["V", 1 / Math.sqrt(2 * p)], ["W", 1 / Math.sqrt(N)]] as const) {
    const x = params[name].data;
    assert.ok(bound(x) <= b && bound(x) > 0.999 * b, `${name}: max |x| ${bound(x)} vs bound ${b}`);
    // a uniform on ±b has variance b²/3; sample relative sd ≈ sqrt(0.8/n) ≤ 0.004 here, allow 5 sd
    assert.ok(Math.abs(variance(x) / (b * b / 3) - 1) < 0.02, `${name}: variance`);
  }
  const defined = modelFromDefinition(gromovDefinition, { width: N, init_scale: 1, init: "pytorch" }, data, createFloat64Backend());
  const again = defined.init(keyFromSeed(12));
  for (const name of ["U", "V", "W"]) assert.deepEqual(again[name].data, params[name].data, name);
  // the default stays the fan-in normal draw
  assert.notDeepEqual(createGromov({ width: N, init_scale: 1 }, data, createFloat64Backend()).init(keyFromSeed(12)).U.data, params.U.data);
});
