import { test } from "node:test";
import assert from "node:assert/strict";
import { evalCadence, evalSteps, logSpacedSteps, parseCadence } from "../../src/train/cadence.js";

test("every K: multiples of K plus step 0 and the final step", () => {
  assert.deepEqual(evalSteps({ every: 10 }, 35), [0, 10, 20, 30, 35]);
  assert.deepEqual(evalSteps({ every: 1 }, 3), [0, 1, 2, 3]);
  assert.deepEqual(evalSteps({}, 500), [0, 500]);
});

test("log-spaced: exactly min(n, total) distinct steps from 1 to total, log-uniform in the tail", () => {
  for (const total of [1, 2, 7, 100, 1000, 20000]) {
    for (const n of [1, 2, 5, 30, 100]) {
      const s = logSpacedSteps(total, n);
      assert.equal(s.length, Math.min(n, total), `total ${total}, n ${n}`);
      for (let i = 1; i < s.length; i++) assert.ok(s[i] > s[i - 1], "strictly increasing");
      assert.equal(s[s.length - 1], total);
      if (s.length >= 2) assert.equal(s[0], 1);
    }
  }
  // 20 points over 1…10⁴: once past the consecutive start, successive ratios approach 10^(4/19) ≈ 1.62
  const s = logSpacedSteps(10000, 20);
  const ratios = s.slice(1).map((v, i) => v / s[i]);
  for (const r of ratios.slice(-8)) assert.ok(Math.abs(r - 10 ** (4 / 19)) < 0.1, `ratio ${r}`);
  // and the points are evenly spread in log: a decade holds about 20/4 points
  const inDecade = s.filter((v) => v >= 100 && v < 1000).length;
  assert.ok(inDecade >= 4 && inDecade <= 6, `${inDecade} points in [100, 1000)`);
});

test("isEvalStep agrees with evalSteps for linear, log and union cadences", () => {
  for (const cadence of [{ every: 100 }, { log_points: 25 }, { every: 250, log_points: 40 }]) {
    for (const total of [0, 1, 999, 1000]) {
      const isEval = evalCadence(cadence);
      const want = new Set(evalSteps(cadence, total));
      for (let t = 0; t <= total; t++) assert.equal(isEval(t, total), want.has(t), `${JSON.stringify(cadence)} step ${t} of ${total}`);
      assert.ok(want.has(0) && want.has(total));
    }
  }
  const union = evalSteps({ every: 250, log_points: 40 }, 1000);
  for (const s of [...evalSteps({ every: 250 }, 1000), ...evalSteps({ log_points: 40 }, 1000)]) assert.ok(union.includes(s));
});

test("cadence configs are checked and errors name the key", () => {
  assert.throws(() => parseCadence({ every: 0 }), /^Error: eval\.every: must be ≥ 1/);
  assert.throws(() => parseCadence({ log_points: 2.5 }), /^Error: eval\.log_points: must be an integer/);
  assert.throws(() => parseCadence({ evry: 10 }), /evry/);
  assert.deepEqual(parseCadence({ every: 10, log_points: 50 }), { every: 10, log_points: 50 });
});
