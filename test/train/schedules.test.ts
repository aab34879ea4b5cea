import { test } from "node:test";
import assert from "node:assert/strict";
import { lrAt, makeSchedule, parseScheduleConfig } from "../../src/train/schedules.js";

test("constant: the base lr at every step", () => {
  const s = makeSchedule(parseScheduleConfig({ name: "constant" }), 0.01, 100);
  for (const t of [0, 1, 50, 99, 1000]) assert.equal(lrAt(s, t), 0.01);
});

test("linear warmup: lr·step/W (0 at step 0, as LambdaLR(min(step/W, 1))), then the base lr", () => {
  const s = makeSchedule(parseScheduleConfig({ name: "linear_warmup", warmup_steps: 10 }), 1e-3, 1000);
  assert.equal(lrAt(s, 0), 0);
  assert.ok(Math.abs(lrAt(s, 5) - 5e-4) < 1e-18);
  for (const t of [10, 11, 999]) assert.equal(lrAt(s, t), 1e-3);
  for (let t = 1; t < 10; t++) assert.ok(lrAt(s, t) > lrAt(s, t - 1), "warmup increases");
  assert.deepEqual(parseScheduleConfig({ name: "linear_warmup" }), { name: "linear_warmup", warmup_steps: 10 });
});

test("cosine: base lr after warmup, half-way point at the midpoint, floor at the end, monotone decrease", () => {
  const lr = 0.1, T = 110, W = 10;
  const s = makeSchedule(parseScheduleConfig({ name: "cosine", warmup_steps: W, min_lr_ratio: 0.1 }), lr, T);
  assert.equal(lrAt(s, 0), 0);
  assert.ok(Math.abs(lrAt(s, W) - lr) < 1e-15);
  assert.ok(Math.abs(lrAt(s, W + 50) - (0.01 + 0.09 / 2)) < 1e-15, "cos(π/2) = 0: midway between base and floor");
  assert.ok(Math.abs(lrAt(s, T) - 0.01) < 1e-15);
  assert.ok(Math.abs(lrAt(s, 10 * T) - 0.01) < 1e-15, "held at the floor after the end");
  for (let t = W + 1; t <= T; t++) assert.ok(lrAt(s, t) < lrAt(s, t - 1));
  // symmetry of the half cosine: lr(W + x) − floor = (base − floor) − (lr(T − x) − floor)
  for (const x of [7, 23, 41]) assert.ok(Math.abs(lrAt(s, W + x) - 0.01 + (lrAt(s, T - x) - 0.01) - 0.09) < 1e-15);
});

test("schedule configs are checked and errors name the key", () => {
  assert.throws(() => parseScheduleConfig({ name: "cosine", min_lr_ratio: 2 }), /^Error: schedule\.min_lr_ratio: must be in \[0, 1\]/);
  assert.throws(() => parseScheduleConfig({ name: "linear_warmup", warmup_steps: 2.5 }), /^Error: schedule\.warmup_steps: must be an integer/);
  assert.throws(() => parseScheduleConfig({ name: "constant", warmup_steps: 3 }), /warmup_steps/);
  assert.throws(() => parseScheduleConfig({ name: "step" }), /^Error: schedule\.name/);
  assert.throws(() => makeSchedule(parseScheduleConfig({ name: "cosine", warmup_steps: 50 }), 0.1, 20), /schedule\.warmup_steps: 50 exceeds/);
});
